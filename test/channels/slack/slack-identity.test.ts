import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../support/gateway.ts';
import { DeskHarness } from '../../desk/harness.ts';
import { directMessageEvent } from '../../desk/slack-requests.ts';

const ADMIN_TOKEN = 'test-admin-token-0123456789';

let h: DeskHarness;

beforeAll(async () => {
  h = await DeskHarness.start();
});

afterAll(async () => {
  await h.stop();
});

interface ContactSummary {
  id: string;
  identities: Array<{ kind: string; value: string }>;
}

/** The contacts the admin API finds for `q`. */
async function contacts(q: string): Promise<ContactSummary[]> {
  const res = await request(h.http)
    .get('/api/v1/admin/contacts')
    .query({ q })
    .set('authorization', `Bearer ${ADMIN_TOKEN}`);
  expect(res.status).toBe(200);
  return (res.body as { contacts: ContactSummary[] }).contacts;
}

/** A DM from `user` (the n-th test's ids), then the contact the admin API finds for `q`. */
async function dmThenContact(n: number, user: string, q: string): Promise<ContactSummary> {
  const body = directMessageEvent({
    eventId: `Ev0MAIL000${n}`,
    channel: `D0MAIL0${n}`,
    user,
    ts: `170003000${n}.000100`,
    text: 'Hello, my parcel is late',
  });
  expect((await h.post(body, 'json')).status).toBe(200);
  const [contact] = await waitFor(
    async () => {
      const found = await contacts(q);
      return found.length > 0 ? found : undefined;
    },
    { what: `the contact for ${q}` },
  );
  return contact!;
}

describe('Slack customer channel: the member profile email', () => {
  describe('when users.info shows the customer profile email', () => {
    it('becomes an email identity of the contact, lower-cased', async () => {
      h.slack.emails.set('U0MAIL01', 'Mia.Example@Example.TEST');
      const contact = await dmThenContact(1, 'U0MAIL01', 'mia.example@example.test');
      expect(contact.identities).toEqual(
        expect.arrayContaining([
          { kind: 'slack', value: 'T0001/U0MAIL01', verified: true },
          // Slack vouches for its members' profile emails.
          { kind: 'email', value: 'mia.example@example.test', verified: true },
        ]),
      );
    });
  });

  describe('when the profile has no email (the scope is missing)', () => {
    it('links no email', async () => {
      const contact = await dmThenContact(2, 'U0MAIL02', 'T0001/U0MAIL02');
      expect(contact.identities.map((i) => i.kind)).toEqual(['slack']);
    });
  });
});
