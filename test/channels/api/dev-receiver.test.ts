import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  describeCallback,
  startDevReceiver,
  type ReceivedCallback,
} from '../../../channels/api/dev-receiver.ts';
import { signPayload } from '../../../channels/api/signature.ts';

const received: ReceivedCallback[] = [];
let server: Server;
let url: string;

beforeAll(async () => {
  server = await startDevReceiver({
    port: 0,
    host: '127.0.0.1',
    secret: 'whsec_dev',
    onCallback: (callback) => received.push(callback),
  });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

function post(body: string, signature: string | undefined) {
  return fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-switchboard-delivery': 'sb.reply.x',
      ...(signature ? { 'x-switchboard-signature': signature } : {}),
    },
    body,
  });
}

describe('switchboard dev-receiver', () => {
  it('accepts and prints a callback signed with the webhook secret', async () => {
    const body = JSON.stringify({ type: 'message.created', text: 'Hello' });
    const now = Math.floor(Date.now() / 1000);
    expect((await post(body, signPayload('whsec_dev', body, now))).status).toBe(200);
    const last = received.at(-1)!;
    expect(last).toMatchObject({ path: '/hook', delivery: 'sb.reply.x', signature: 'ok' });
    expect(describeCallback(last)).toContain('POST /hook  delivery sb.reply.x  signature ok');
    expect(describeCallback(last)).toContain('"text": "Hello"');
  });

  it('refuses with 401, and says so, a callback signed with another secret or not at all', async () => {
    const body = '{"text":"forged"}';
    const now = Math.floor(Date.now() / 1000);
    expect((await post(body, signPayload('whsec_other', body, now))).status).toBe(401);
    expect(received.at(-1)?.signature).toBe('bad');
    expect((await post(body, undefined)).status).toBe(401);
    expect(received.at(-1)?.signature).toBe('bad');
  });
});
