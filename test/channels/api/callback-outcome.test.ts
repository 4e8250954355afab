import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiIntegration, IntegrationDirectory } from '../../../src/domain/integrations.ts';
import { sendToCallback } from '../../../channels/api/send.ts';
import { SwitchboardError } from '../../../src/domain/errors.ts';
import { OutboundMessageSchema } from '../../../src/domain/message.ts';
import { findFreePort } from '../../../src/local/free-port.ts';

// A receiver that reads the request and never answers: the callback times out after the
// receiver may well have taken the message.
let silent: Server;
let silentUrl: string;

beforeAll(async () => {
  silent = createServer((req) => req.resume());
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  silentUrl = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/hook`;
});

afterAll(async () => {
  silent.closeAllConnections();
  await new Promise((resolve) => silent.close(resolve));
});

function directoryFor(callbackUrl: string): IntegrationDirectory {
  const integration: ApiIntegration = {
    id: 'int-1',
    name: 'shop',
    callbackUrl,
    webhookSecret: 'whsec_test',
    disabled: false,
    verifiesIdentities: false,
  };
  return {
    findById: () => Promise.resolve(integration),
    findByKey: () => Promise.resolve(null),
  };
}

const message = OutboundMessageSchema.parse({
  messageId: 'sb.reply.api.int-1/m-1',
  ticketId: 't-1',
  channel: 'api',
  threadKey: 'c-1',
  to: { kind: 'api', value: 'int-1/u-1' },
  author: { kind: 'bot' },
  text: 'It ships today.',
  channelData: { integrationId: 'int-1', conversationId: 'c-1', userId: 'u-1' },
});

async function failureOf(callbackUrl: string): Promise<SwitchboardError> {
  try {
    await sendToCallback(directoryFor(callbackUrl), message, { timeoutMs: 300 });
  } catch (error) {
    if (error instanceof SwitchboardError) return error;
    throw error;
  }
  throw new Error('expected the callback to fail');
}

describe('an API callback that gets no answer', () => {
  it('is retryable and flagged uncertain when it timed out (the receiver may have it)', async () => {
    const error = await failureOf(silentUrl);
    expect(error.code).toBe('SB_ERR_DELIVERY_FAILED');
    expect(error.retryable).toBe(true);
    expect(error.deliveryUncertain).toBe(true);
  });

  it('is retryable and certainly not delivered when the connection was refused', async () => {
    const error = await failureOf(`http://127.0.0.1:${await findFreePort()}/hook`);
    expect(error.code).toBe('SB_ERR_DELIVERY_FAILED');
    expect(error.message).toMatch(/unreachable/);
    expect(error.deliveryUncertain).toBe(false);
  });
});
