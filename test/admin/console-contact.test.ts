/**
 * Issue 19, item 2, in Chromium: a supervisor opens a customer's contact page from the contacts
 * search, merges the contact the same person made by SMS, sees both channels' tickets on one
 * timeline (each opening its ticket), unmerges from the merged contact's page; an agent sees the
 * page without the merge controls; merge suggestions are dismissed in Merges and accepted on the page.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/app.ts';
import { EscalateAllResponder } from '../../src/pipeline/escalate-all-responder.ts';
import { launchBrowser } from '../support/browser.ts';
import { listenGateway, startTestGateway, testConfig } from '../support/gateway.ts';
import {
  makeAccount,
  postApiMessage,
  signInPage,
  smsArrives,
  stopGateway,
  unverifiedEmailArrives,
} from './support.ts';
import { createIntegration } from '../../src/integrations/store.ts';

const EMAIL = 'mary.jackson@example.test';
const PHONE = '+15550106060';

let gateway: Gateway;
let served: Awaited<ReturnType<typeof listenGateway>>;
let browser: Browser;
let webId: string;
let smsId: string;
let smsTicket: { id: string; number: number };
let integration: { apiKey: string; id: string };

beforeAll(async () => {
  gateway = await startTestGateway({
    config: testConfig({ KB_SEED_ON_START: 'false' }),
    responder: new EscalateAllResponder(),
  });
  // The shop's customers sign in: the addresses it passes are verified (--verifies-identities).
  const created = await createIntegration(gateway.pool.models, {
    name: 'console-contact-shop',
    verifiesIdentities: true,
  });
  integration = { apiKey: created.apiKey, id: String(created.integration._id) };
  const viaApi = await postApiMessage(gateway, integration, {
    messageId: 'mj-1',
    conversationId: 'conv-mj',
    from: { id: 'cust-mj', name: 'Mary Jackson', email: EMAIL },
    text: 'My wind tunnel booking is wrong',
  });
  webId = String(viaApi.contactId);
  const viaSms = await smsArrives(gateway, {
    sid: 'SM0000000000000000000000000000mj01',
    phone: PHONE,
    text: 'Texting about my wind tunnel booking',
  });
  smsId = String(viaSms.contactId);
  smsTicket = { id: String(viaSms.ticket._id), number: viaSms.ticket.number };
  await makeAccount(gateway, 'supervisor');
  await makeAccount(gateway, 'agent');
  served = await listenGateway(gateway);
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await served?.close();
  await stopGateway(gateway);
});

const signIn = (page: Page, email: string) => signInPage(page, served.url, email);

/** Accepts the next confirm() and records its text. */
function acceptDialog(page: Page, seen: string[]): void {
  page.once('dialog', (dialog) => {
    seen.push(dialog.message());
    void dialog.accept();
  });
}

describe('the contact page (issue 19 item 2)', () => {
  it('merges the SMS contact into the web one, shows one timeline across channels, and unmerges', async () => {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    await signIn(page, 'supervisor@example.test');
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    await page.goto(`${served.url}/admin/#/contacts`);
    await page.fill('#contact-q', EMAIL);
    await page.click('#contact-search-submit');
    await page.click(`tr[data-contact="${webId}"] a.contact-page`);
    await page.waitForSelector('#contact-timeline');
    expect(await page.textContent('#contact-name')).toBe('Mary Jackson');
    expect(
      await page.textContent(`#contact-identities tr[data-identity="email:${EMAIL}"]`),
    ).toContain('email');
    expect(await page.$$('#contact-timeline tr')).toHaveLength(1);

    // Merge the SMS sender in, found by its phone number.
    await page.fill('#merge-q', PHONE);
    await page.click('#merge-search button[type="submit"]');
    const dialogs: string[] = [];
    acceptDialog(page, dialogs);
    await page.click(`#merge-results tr[data-contact="${smsId}"] button.merge`);
    await page.locator('#notice.ok', { hasText: 'Merged' }).waitFor();
    await page.waitForSelector(`#contact-timeline tr[data-ticket="${smsTicket.id}"]`);
    expect(dialogs).toEqual([expect.stringContaining(PHONE)]);
    const rows = await page.$$eval('#contact-timeline tr', (trs) =>
      trs.map((tr) => Array.from(tr.children, (td) => td.textContent)),
    );
    expect(rows.map((r) => r[1]).sort()).toEqual(['api', 'sms']);
    expect(await page.textContent(`#contact-timeline tr[data-ticket="${smsTicket.id}"]`)).toContain(
      'from a merged contact',
    );
    expect(
      await page.textContent(`#contact-identities tr[data-identity="phone:${PHONE}"]`),
    ).toContain('phone');
    await page.waitForSelector(`#contact-merged-from li[data-merged="${smsId}"]`);

    // The timeline's ticket opens the ticket view.
    await page.click(`#contact-timeline tr[data-ticket="${smsTicket.id}"] a`);
    await page.waitForURL(`**/#/ticket/${smsTicket.id}`);
    await page
      .locator('h2', { hasText: `#${smsTicket.number}` })
      .first()
      .waitFor();
    await page.click('#ticket-contact');
    await page.waitForURL(`**/#/contact/${webId}`);

    // Unmerge from the merged contact's page.
    await page.click(`#contact-merged-from li[data-merged="${smsId}"] a`);
    await page.waitForSelector('#contact-merged-into');
    acceptDialog(page, dialogs);
    await page.click('#contact-unmerge');
    await page.locator('#notice.ok', { hasText: 'Unmerged' }).waitFor();
    await page.waitForSelector(`#contact-timeline tr[data-ticket="${smsTicket.id}"]`);
    expect(await page.$('#contact-merged-into')).toBeNull();
    expect(await page.$$('#contact-timeline tr')).toHaveLength(1);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('shows an agent the page without the merge controls', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await signIn(page, 'agent@example.test');
    await page.goto(`${served.url}/admin/#/contact/${webId}`);
    await page.waitForSelector('#contact-timeline tr');
    expect(await page.$('#contact-merge')).toBeNull();
    expect(await page.$('button.unmerge')).toBeNull();
    await context.close();
  });

  it('dismisses a merge suggestion in Merges and accepts one on the contact page', async () => {
    // Mary's address, and another customer's, arrive by email with nothing verifying the sender.
    const unverified = await unverifiedEmailArrives(gateway, { id: 'mj-mail', email: EMAIL });
    await postApiMessage(gateway, integration, {
      messageId: 'kc-1',
      conversationId: 'conv-kc',
      from: { id: 'cust-kc', name: 'Katherine C.', email: 'kc@example.test' },
      text: 'Where is my order?',
    });
    const other = await unverifiedEmailArrives(gateway, {
      id: 'kc-mail',
      email: 'kc@example.test',
    });
    const page = await browser.newPage();
    await signIn(page, 'supervisor@example.test');
    await page.goto(`${served.url}/admin/#/merges`);
    const rows = page.locator('#suggestion-rows tr');
    await rows.nth(1).waitFor();
    expect(await rows.count()).toBe(2);
    const otherRow = page.locator('#suggestion-rows tr', {
      has: page.locator(`a[href="#/contact/${String(other.contactId)}"]`),
    });
    await otherRow.locator('button.dismiss').click();
    await page.locator('#notice.ok', { hasText: 'Dismissed' }).waitFor();
    await otherRow.waitFor({ state: 'detached' });
    expect(await rows.count()).toBe(1);

    await page.goto(`${served.url}/admin/#/contact/${webId}`);
    const suggestion = page.locator('#contact-suggestions tr');
    await suggestion.waitFor();
    expect(await suggestion.textContent()).toContain(`email: ${EMAIL}`);
    const dialogs: string[] = [];
    acceptDialog(page, dialogs);
    await suggestion.locator('button.accept').click();
    await page.locator('#notice.ok', { hasText: 'Merged' }).waitFor();
    await page.waitForSelector(
      `#contact-timeline tr[data-ticket="${String(unverified.ticket._id)}"]`,
    );
    expect(await page.$('#contact-suggestions')).toBeNull();
    expect(dialogs).toEqual([expect.stringContaining('Mary Jackson')]);
    await page.close();
  });
});
