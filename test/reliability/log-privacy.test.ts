/**
 * Secrets and personal data never reach the logs (issue 10). One gateway with every channel on
 * (API, SMS, email over a real Dovecot, web chat on a real port, Slack as customer channel and as
 * the agents' desk) and the admin console runs a full set of conversations, failures and refusals
 * with its real logger at `trace`, writing into memory; console and stdout/stderr writes are kept
 * too. Every line is then searched for the test customers' emails, phones, names and the personal
 * parts of their messages, and for every configured secret and every credential handed out.
 */
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { format } from 'node:util';
import nodemailer, { type Transporter } from 'nodemailer';
import request from 'supertest';
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { createGateway, type Gateway } from '../../src/app.ts';
import { ACTIONS } from '../../src/desk/blocks.ts';
import { deskJobId } from '../../src/desk/jobs.ts';
import type { Responder } from '../../src/domain/ports.ts';
import { startLocalDovecot, type LocalDovecot } from '../../src/local/dovecot.ts';
import { createLogger, type Logger } from '../../src/logger.ts';
import { Metrics } from '../../src/metrics.ts';
import {
  API,
  makeAccount,
  PASSWORD as ADMIN_PASSWORD,
  signIn,
  tokenFor,
} from '../admin/support.ts';
import { answered, PASSWORD as MAIL_PASSWORD, plainMail } from '../channels/email/mail-helpers.ts';
import { FakeTwilio } from '../channels/sms/fake-twilio.ts';
import { DirectLineClient, StreamReader } from '../channels/webchat/directline-client.ts';
import { FakeSlack } from '../desk/fake-slack.ts';
import {
  AGENT_GROUP,
  AGENTS,
  DeskHarness,
  PATH as SLACK_PATH,
  SECRET as SLACK_SIGNING_SECRET,
} from '../desk/harness.ts';
import { directMessageEvent, slackSignature, threadMessageEvent } from '../desk/slack-requests.ts';
import { CallbackReceiver } from '../support/callback-receiver.ts';
import { listenGateway, testConfig, waitFor } from '../support/gateway.ts';
import { createIntegration } from '../../src/integrations/store.ts';

// ---- Configured secrets: distinctive values, each findable in a log line. ----
const ADMIN_TOKEN = 'admtok-PRIV-5f1c2e9a7b3d';
const ADMIN_SESSION_SECRET = 'sesssec-PRIV-0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a';
const TWILIO_ACCOUNT_SID = `AC${'7e'.repeat(16)}`;
const TWILIO_AUTH_TOKEN = 'twauth-PRIV-3c7e1a9f5b';
const SMS_PUBLIC_URL = 'https://support.example.com';
const OUR_NUMBER = '+14155550100';
const SLACK_BOT_TOKEN = 'xoxb-PRIV-bot-7d2c9e4f1a';
const SLACK_APP_TOKEN = 'xapp-PRIV-app-8e3b0c6d2f';
const WEBCHAT_TOKEN_SECRET = 'wcsec-PRIV-4a8c2e6f0b3d7f1a5c9e2b6d0f4a8c2e';
const WEBCHAT_APP_PASSWORD = 'msapppw-PRIV-9d3f7b1e5a';
const IMAP_PASSWORD = 'imappw-PRIV-6b1d9f3a7c';
const SMTP_PASSWORD = 'smtppw-PRIV-2e8a4c0f6d';
const WRONG_ADMIN_PASSWORD = 'wrongpw-PRIV-31337x';
const WRONG_SLACK_SECRET = 'wrong-slack-PRIV-secret-5e6f7a8b';
const WRONG_API_KEY = 'sbk_0123456789ab_PRIVwrongKEYxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx';
const WRONG_ADMIN_TOKEN = 'wrong-admtok-PRIV-4d5e6f';
/** Never configured anywhere: only the scanner's self-check logs it (letters only: no "phone"). */
const PLANTED = `planted-PRIV-${randomBytes(6)
  .toString('hex')
  .replace(/\d/g, (d) => 'ghijklmnop'.charAt(Number(d)))}`;

// ---- Test customers. ----
const SUPPORT_ADDRESS = 'support@example.test';
const API_CUSTOMER = {
  id: 'cust-philippa',
  name: 'Philippa Quennell-Ashworth',
  surname: 'Quennell-Ashworth',
  email: 'Philippa.Quennell+priv@example.test',
  phone: '+14155550142',
  marker: 'K7Q-PRIV-99231',
};
const API_TEXT = `Hello, I am ${API_CUSTOMER.name}: my passport ${API_CUSTOMER.marker} was charged twice. Call me on ${API_CUSTOMER.phone} or write to ${API_CUSTOMER.email}.`;
const AGENT_MARKER = 'AGENTPRIV-acct-6612';
const AGENT_TEXT = `Dear ${API_CUSTOMER.name}, the refund went to the account ending ${AGENT_MARKER}.`;
const SMS_CUSTOMER = { phone: '+14155550177', marker: 'SMSPRIV-Quince-Lane-12' };
const SMS_TEXT = `my parcel goes to ${SMS_CUSTOMER.marker}, text me back at ${SMS_CUSTOMER.phone}`;
const MAIL_CUSTOMER = {
  user: 'quentin.marlowe',
  address: 'quentin.marlowe@example.test',
  name: 'Quentin Marlowe-Pryce',
  surname: 'Marlowe-Pryce',
  phone: '+442079460321',
  marker: 'EMAILPRIV-GB29NWBK6016',
};
const MAIL_TEXT = `Hello,\nmy IBAN is ${MAIL_CUSTOMER.marker}, phone ${MAIL_CUSTOMER.phone}.\n${MAIL_CUSTOMER.name}\n`;
const WEB_CUSTOMER = { email: 'wendy.webchat@example.test', marker: 'WEBPRIV-born-1984-03-07' };
const WEB_TEXT = `I was ${WEB_CUSTOMER.marker}; write me at ${WEB_CUSTOMER.email}`;
const SLACK_CUSTOMER = {
  user: 'U0PRIV01',
  dm: 'D0PRIV01',
  email: 'sam.slacker@example.test',
  phone: '+14155550188',
  marker: 'SLACKPRIV-card-4242',
};
const SLACK_TEXT = `my card ${SLACK_CUSTOMER.marker}, reach me at ${SLACK_CUSTOMER.email} or ${SLACK_CUSTOMER.phone}`;
const ADMIN_EMAIL = 'privacy.admin@example.test';
const AGENT = { id: 'U0PRIVAGENT', name: 'privacy-agent' };

const ESCALATION_TEXT = 'A colleague will answer you here.';
const BOT_ANSWER = 'Thanks, we have your message.';

/** API tickets go to a person (a desk card, an agent's answer); every other channel is answered. */
const responder: Responder = {
  respond: ({ ticket }) =>
    Promise.resolve(
      ticket.channel === 'api'
        ? { action: 'escalate', reason: 'asked for a person', text: ESCALATION_TEXT }
        : { action: 'reply', text: BOT_ANSWER, counted: 'answer', intent: 'test' },
    ),
};

// ---- Capture: the gateway's logger, console.*, stdout and stderr. ----
interface CapturedLine {
  source: 'logger' | 'console' | 'stdout' | 'stderr';
  text: string;
}
const captured: CapturedLine[] = [];

function record(source: CapturedLine['source'], chunk: unknown): void {
  const text = Buffer.isBuffer(chunk) ? chunk.toString('utf8') : String(chunk);
  for (const line of text.split('\n'))
    if (line.trim() !== '') captured.push({ source, text: line });
}

const logStream = new Writable({
  write(chunk: Buffer, _encoding, callback) {
    record('logger', chunk);
    callback();
  },
});

function captureProcessOutput(): void {
  for (const method of ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const) {
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      record('console', format(...args));
    });
  }
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => {
    record('stdout', chunk);
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: unknown) => {
    record('stderr', chunk);
    return true;
  });
}

// ---- The scanner. ----
interface Needle {
  label: string;
  value: string;
}
interface Finding {
  label: string;
  source: CapturedLine['source'];
  excerpt: string;
}

/** The line around the value, so a report stays readable with long JSON lines. */
function excerpt(line: string, at: number, length: number): string {
  const start = Math.max(0, at - 120);
  const end = Math.min(line.length, at + length + 120);
  return `${start > 0 ? '…' : ''}${line.slice(start, end)}${end < line.length ? '…' : ''}`;
}

/** Every occurrence (case-insensitive) of a needle in a captured line, with where it was. */
function scan(lines: readonly CapturedLine[], needles: readonly Needle[]): Finding[] {
  const findings: Finding[] = [];
  for (const line of lines) {
    const haystack = line.text.toLowerCase();
    for (const needle of needles) {
      const at = haystack.indexOf(needle.value.toLowerCase());
      if (at >= 0)
        findings.push({
          label: needle.label,
          source: line.source,
          excerpt: excerpt(line.text, at, needle.value.length),
        });
    }
  }
  return findings;
}

function report(findings: readonly Finding[]): string {
  return findings.map((f) => `${f.label} in ${f.source} line: ${f.excerpt}`).join('\n');
}

/** The forms a phone number takes in text: E.164, digits only, and national for +1 numbers. */
function phoneForms(label: string, phone: string): Needle[] {
  const digits = phone.replace(/\D/g, '');
  return [
    { label, value: phone },
    { label: `${label} (digits)`, value: digits },
    ...(digits.startsWith('1') ? [{ label: `${label} (national)`, value: digits.slice(1) }] : []),
  ];
}

function emailForms(label: string, email: string): Needle[] {
  const encoded = encodeURIComponent(email);
  return [
    { label, value: email },
    ...(encoded === email ? [] : [{ label: `${label} (URL-encoded)`, value: encoded }]),
  ];
}

const basic = (user: string, password: string) =>
  Buffer.from(`${user}:${password}`).toString('base64');

/** Values handed out during the run (keys, tokens, signatures), added as they appear. */
const issued: Needle[] = [];

let gateway: Gateway;
let logger: Logger;
let served: Awaited<ReturnType<typeof listenGateway>>;
let dovecot: LocalDovecot;
let fakeTwilio: FakeTwilio;
let slack: FakeSlack;
let receiver: CallbackReceiver;
let lmtp: Transporter;
let desk: DeskHarness;
let apiKey: string;

// ---- The flows. ----

function postApi(body: unknown, key: string) {
  const req = request(served.url).post('/api/v1/messages').set('authorization', `Bearer ${key}`);
  return typeof body === 'string'
    ? req.set('content-type', 'application/json').send(body)
    : req.send(body as object);
}

/** A customer message through the API channel, whose first answer the receiver refuses (500). */
async function apiConversation(): Promise<void> {
  receiver.status = 500;
  const res = await postApi(
    {
      messageId: 'priv-1',
      conversationId: 'priv-conv-1',
      from: {
        id: API_CUSTOMER.id,
        name: API_CUSTOMER.name,
        email: API_CUSTOMER.email,
        phone: API_CUSTOMER.phone,
      },
      text: API_TEXT,
    },
    apiKey,
  );
  expect(res.status).toBe(202);
  // The escalation notice fails once at the receiver, and is retried.
  await waitFor(
    () => captured.some((l) => l.text.includes('"job failed"') && l.text.includes('outbound')),
    { what: 'the failed callback to be logged' },
  );
  receiver.status = 200;
  await waitFor(() => desk.callbackTexts('priv-conv-1').includes(ESCALATION_TEXT), {
    what: 'the retried escalation notice',
  });
  for (const { headers } of receiver.received) {
    const signature = headers['x-switchboard-signature'];
    if (typeof signature === 'string')
      issued.push({ label: 'callback signature', value: signature.split('v1=')[1] ?? signature });
  }

  // The desk: the card names the customer; an agent takes it and answers in its thread.
  const card = await desk.cardFor(API_CUSTOMER.name);
  const takeTs = '1700090000.000001';
  expect((await desk.click(card, ACTIONS.take, AGENT, takeTs)).status).toBe(200);
  expect(await desk.finishedJob(deskJobId('take', card.ticketId, AGENT.id, takeTs))).toBe('taken');
  const replyTs = '1700090000.000002';
  const reply = threadMessageEvent({
    channel: AGENTS,
    threadTs: card.ts,
    ts: replyTs,
    user: AGENT.id,
    text: AGENT_TEXT,
  });
  expect((await desk.post(reply, 'json')).status).toBe(200);
  expect(await desk.finishedJob(deskJobId('reply', AGENTS, replyTs))).toBe('sent');
  await waitFor(() => desk.callbackTexts('priv-conv-1').includes(AGENT_TEXT), {
    what: "the agent's answer at the customer",
  });
}

/** A Twilio webhook, signed with the auth token unless told otherwise. */
function postTwilio(path: string, form: Record<string, string>, signature?: string) {
  const signed =
    signature ??
    twilio.getExpectedTwilioSignature(TWILIO_AUTH_TOKEN, `${SMS_PUBLIC_URL}${path}`, form);
  issued.push({ label: 'Twilio signature', value: signed });
  return request(served.url).post(path).type('form').set('X-Twilio-Signature', signed).send(form);
}

function smsForm(body: string): Record<string, string> {
  return {
    MessageSid: `SM${randomBytes(16).toString('hex')}`,
    AccountSid: TWILIO_ACCOUNT_SID,
    From: SMS_CUSTOMER.phone,
    To: OUR_NUMBER,
    Body: body,
    NumMedia: '0',
  };
}

/** A text message whose answer Twilio refuses once (500), then HELP, STOP and a status callback. */
async function smsConversation(): Promise<void> {
  fakeTwilio.plan(SMS_CUSTOMER.phone, { status: 500 });
  expect((await postTwilio('/channels/sms/twilio', smsForm(SMS_TEXT))).status).toBe(200);
  const sent = await waitFor(
    () => fakeTwilio.to(SMS_CUSTOMER.phone).find((r) => r.status === 201),
    { what: 'the SMS answer after one refusal' },
  );
  expect(fakeTwilio.to(SMS_CUSTOMER.phone)[0]?.status).toBe(500);
  expect((await postTwilio('/channels/sms/twilio', smsForm('HELP'))).status).toBe(200);
  await waitFor(
    () => fakeTwilio.to(SMS_CUSTOMER.phone).filter((r) => r.status === 201).length >= 2,
    {
      what: 'the HELP answer',
    },
  );
  const status = {
    MessageSid: sent.sid ?? '',
    AccountSid: TWILIO_ACCOUNT_SID,
    From: OUR_NUMBER,
    To: SMS_CUSTOMER.phone,
    MessageStatus: 'undelivered',
    ErrorCode: '30003',
  };
  expect((await postTwilio('/channels/sms/twilio/status', status)).status).toBe(204);
  expect((await postTwilio('/channels/sms/twilio', smsForm('STOP'))).status).toBe(200);
}

/** A customer mail delivered into the support mailbox, answered over LMTP. */
async function emailConversation(): Promise<void> {
  const mail = plainMail({
    from: MAIL_CUSTOMER.address,
    to: SUPPORT_ADDRESS,
    subject: `Order for ${MAIL_CUSTOMER.name}`,
    text: MAIL_TEXT,
    extra: { From: `${MAIL_CUSTOMER.name} <${MAIL_CUSTOMER.address}>` },
  });
  await lmtp.sendMail({
    envelope: { from: MAIL_CUSTOMER.address, to: SUPPORT_ADDRESS },
    raw: mail.raw,
  });
  await answered(gateway, MAIL_CUSTOMER.address, 1);
}

/** A web chat visitor: token, stream, a message and its answer, a token refresh. */
async function webchatConversation(): Promise<void> {
  const client = new DirectLineClient(served.url);
  const conversation = await client.start();
  issued.push({ label: 'web chat token', value: conversation.token });
  const opened = await request(served.url)
    .post('/v3/directline/conversations')
    .set('authorization', `Bearer ${conversation.token}`);
  expect(opened.status).toBe(201);
  const stream = await StreamReader.open(conversation.streamUrl);
  try {
    expect((await client.say(conversation, WEB_TEXT)).status).toBe(200);
    await stream.waitFor(
      (a) => a.type === 'message' && a.from.role === 'bot' && a.text === BOT_ANSWER,
      'the answer on the stream',
    );
  } finally {
    await stream.close();
  }
  const refreshed = await request(served.url)
    .post('/v3/directline/tokens/refresh')
    .set('authorization', `Bearer ${conversation.token}`);
  expect(refreshed.status).toBe(200);
  issued.push({ label: 'refreshed web chat token', value: String(refreshed.body.token) });
  // A forged token, on a post and on a stream.
  const forged = `${conversation.token.slice(0, -6)}AAAAAA`;
  expect([401, 403]).toContain(
    (await client.say({ ...conversation, token: forged }, WEB_TEXT)).status,
  );
  const forgedStream = new URL(conversation.streamUrl);
  forgedStream.searchParams.set('t', forged);
  await expect(StreamReader.open(forgedStream.href)).rejects.toThrow(/refused with 40[13]/);
}

/** A customer's direct message to the Slack app, answered in its thread. */
async function slackConversation(): Promise<void> {
  const ts = '1700091000.000100';
  const body = directMessageEvent({
    eventId: 'EvPRIV0001',
    channel: SLACK_CUSTOMER.dm,
    user: SLACK_CUSTOMER.user,
    ts,
    text: SLACK_TEXT,
  });
  const timestamp = Math.floor(Date.now() / 1000);
  issued.push({
    label: 'Slack signature',
    value: slackSignature(SLACK_SIGNING_SECRET, timestamp, body),
  });
  expect((await desk.post(body, 'json', { timestamp })).status).toBe(200);
  await waitFor(
    () =>
      slack
        .callsOf('chat.postMessage')
        .find((c) => c.args['channel'] === SLACK_CUSTOMER.dm && c.args['thread_ts'] === ts),
    { what: 'the answer in the Slack thread' },
  );
  // Signed with the wrong secret, and stale.
  expect((await desk.post(body, 'json', { secret: WRONG_SLACK_SECRET })).status).toBe(401);
  const stale = Math.floor(Date.now() / 1000) - 3600;
  expect((await desk.post(body, 'json', { timestamp: stale })).status).toBe(401);
}

/** The console: a failed and a good sign-in, ticket search, a tag (CSRF), GDPR export, tokens. */
async function adminSession(): Promise<void> {
  await makeAccount(gateway, 'admin', ADMIN_EMAIL);
  const refused = await request(served.url)
    .post(`${API}/auth/login`)
    .send({ email: ADMIN_EMAIL, password: WRONG_ADMIN_PASSWORD });
  expect(refused.status).toBe(401);
  const admin = await signIn(gateway, ADMIN_EMAIL);
  issued.push({ label: 'CSRF token', value: admin.csrf });
  const access = { domain: '127.0.0.1', path: API, secure: false, script: false };
  for (const cookie of admin.agent.jar.getCookies(access)) {
    const value = decodeURIComponent(cookie.value);
    issued.push({ label: `cookie ${cookie.name}`, value });
    // express-session's signed cookie: `s:<session id>.<signature>`.
    const sid = /^s:([^.]+)\./.exec(value)?.[1];
    if (sid) issued.push({ label: 'session id', value: sid });
  }
  expect(issued.map((n) => n.label)).toContain('session id');

  expect((await admin.agent.get(`${API}/tickets`).query({ text: 'passport' })).status).toBe(200);
  const search = await admin.agent.get(`${API}/tickets`).query({ channel: 'api' });
  expect(search.status).toBe(200);
  const ticketId = String((search.body.tickets as Array<{ id: string }>)[0]?.id);
  const tagged = await admin.agent
    .post(`${API}/tickets/${ticketId}/tags`)
    .set('x-csrf-token', admin.csrf)
    .send({ add: ['privacy'] });
  expect(tagged.status).toBeLessThan(300);
  const forgedCsrf = await admin.agent
    .post(`${API}/tickets/${ticketId}/tags`)
    .set('x-csrf-token', 'not-the-csrf-token')
    .send({ add: ['privacy'] });
  expect(forgedCsrf.status).toBe(403);

  const contacts = await admin.agent
    .get(`${API}/contacts`)
    .query({ q: API_CUSTOMER.email.toLowerCase() });
  expect(contacts.status).toBe(200);
  const contactId = String((contacts.body.contacts as Array<{ id: string }>)[0]?.id);
  const exported = await admin.agent.get(`${API}/contacts/${contactId}/export`);
  expect(exported.status).toBe(200);
  expect(JSON.stringify(exported.body)).toContain(API_CUSTOMER.marker);

  const apiToken = await tokenFor(gateway, 'admin');
  issued.push({ label: 'admin API token', value: apiToken });
  const byToken = await request(served.url)
    .get(`${API}/tickets`)
    .set('authorization', `Bearer ${apiToken}`);
  expect(byToken.status).toBe(200);
  const badToken = await request(served.url)
    .get(`${API}/tickets`)
    .set('authorization', `Bearer ${apiToken.slice(0, -4)}zzzz`);
  expect(badToken.status).toBe(401);

  // ADMIN_TOKEN: as a bearer on the tickets API, as Basic auth on the dashboard, and a wrong one.
  const byAdminToken = await request(served.url)
    .get(`/api/v1/tickets/${ticketId}`)
    .set('authorization', `Bearer ${ADMIN_TOKEN}`);
  expect(byAdminToken.status).toBe(200);
  const dashboard = await request(served.url)
    .get('/admin/queues')
    .set('authorization', `Basic ${basic('admin', ADMIN_TOKEN)}`);
  expect(dashboard.status).toBeLessThan(400);
  const wrongAdmin = await request(served.url)
    .get(`/api/v1/tickets/${ticketId}`)
    .set('authorization', `Bearer ${WRONG_ADMIN_TOKEN}`);
  expect(wrongAdmin.status).toBe(401);
}

/** Refusals, where request headers and bodies like to end up in logs. */
async function badInputs(): Promise<void> {
  const valid = {
    messageId: 'priv-bad',
    conversationId: 'priv-conv-bad',
    from: { id: API_CUSTOMER.id, name: API_CUSTOMER.name, email: API_CUSTOMER.email },
    text: API_TEXT,
  };
  expect((await postApi(valid, WRONG_API_KEY)).status).toBe(401);
  expect((await postApi(valid, `${apiKey.slice(0, -3)}xyz`)).status).toBe(401);
  const malformed = `{"from": {"email": "${API_CUSTOMER.email}", "name": "${API_CUSTOMER.name}"}, "text": "${API_CUSTOMER.marker}`;
  expect((await postApi(malformed, apiKey)).status).toBe(400);
  const invalid = { ...valid, from: { ...valid.from, phone: `call ${API_CUSTOMER.phone}` } };
  expect((await postApi(invalid, apiKey)).status).toBe(400);
  expect((await postApi({ ...valid, text: API_TEXT.repeat(3000) }, apiKey)).status).toBe(413);

  const forged = twilio.getExpectedTwilioSignature(
    'not-the-auth-token-000',
    `${SMS_PUBLIC_URL}/channels/sms/twilio`,
    smsForm(SMS_TEXT),
  );
  expect((await postTwilio('/channels/sms/twilio', smsForm(SMS_TEXT), forged)).status).toBe(403);
  const unsignedSms = await request(served.url)
    .post('/channels/sms/twilio')
    .type('form')
    .send(smsForm(SMS_TEXT));
  expect(unsignedSms.status).toBe(403);

  const slackBody = directMessageEvent({
    eventId: 'EvPRIV0002',
    channel: SLACK_CUSTOMER.dm,
    user: SLACK_CUSTOMER.user,
    ts: '1700091000.000200',
    text: SLACK_TEXT,
  });
  expect((await desk.post(slackBody, 'json', { secret: null })).status).toBe(401);
  // Signed, so Bolt gets as far as parsing it.
  const notJson = `{"event": {"text": "${SLACK_TEXT}"`;
  expect((await desk.post(notJson, 'json')).status).toBe(400);
  const unsigned = await request(served.url)
    .post(SLACK_PATH)
    .set('content-type', 'application/json')
    .send(notJson);
  expect(unsigned.status).toBe(401);
}

/** Until no job of the gateway's queues is waiting, active or delayed. */
async function quiet(): Promise<void> {
  await waitFor(
    async () => {
      const queues = [gateway.queues.inbound, gateway.queues.outbound, desk.desk.queue];
      const counts = await Promise.all(
        queues.map((q) => q.getJobCounts('active', 'waiting', 'delayed', 'prioritized')),
      );
      return counts.every((c) => Object.values(c).every((n) => n === 0));
    },
    { what: 'the queues to drain' },
  );
}

beforeAll(async () => {
  captureProcessOutput();
  dovecot = await startLocalDovecot({
    users: [
      { name: 'support', password: IMAP_PASSWORD },
      { name: MAIL_CUSTOMER.user, password: MAIL_PASSWORD },
    ],
  });
  fakeTwilio = await new FakeTwilio().start();
  slack = await new FakeSlack().start();
  slack.usergroups.set(AGENT_GROUP, new Set([AGENT.id]));
  receiver = await new CallbackReceiver().start();
  const config = testConfig({
    LOG_LEVEL: 'trace',
    ADMIN_TOKEN,
    ADMIN_SESSION_SECRET,
    KB_SEED_ON_START: 'false',
    OUTBOUND_BACKOFF_MS: '100',
  });
  logger = createLogger({ level: 'trace', destination: logStream });
  gateway = await createGateway({
    config,
    role: 'all',
    mongoUri: inject('mongoUrl'),
    redisUrl: inject('redisUrl'),
    logger,
    responder,
    metrics: new Metrics({ collectDefaults: false }),
    env: {
      TWILIO_ACCOUNT_SID,
      TWILIO_AUTH_TOKEN,
      TWILIO_FROM_NUMBER: OUR_NUMBER,
      SMS_PUBLIC_URL,
      TWILIO_API_BASE_URL: fakeTwilio.url,
      SLACK_BOT_TOKEN,
      SLACK_SIGNING_SECRET,
      SLACK_APP_TOKEN,
      SLACK_AGENTS_CHANNEL: AGENTS,
      SLACK_API_URL: slack.url,
      SLACK_AGENT_USERGROUPS: AGENT_GROUP,
      WEBCHAT_TOKEN_SECRET,
      WEBCHAT_MICROSOFT_APP_ID: '00000000-0000-4000-8000-000000000001',
      WEBCHAT_MICROSOFT_APP_PASSWORD: WEBCHAT_APP_PASSWORD,
      WEBCHAT_MESSAGES_PER_IP: '1000',
      EMAIL_IMAP_HOST: dovecot.host,
      EMAIL_IMAP_PORT: String(dovecot.imapPort),
      EMAIL_IMAP_TLS: 'none',
      EMAIL_IMAP_USER: 'support',
      EMAIL_IMAP_PASSWORD: IMAP_PASSWORD,
      // Replies go over LMTP into the customer's own mailbox (Dovecot offers no AUTH there, so
      // the SMTP login is configured but never used: it must still stay out of the logs).
      EMAIL_SMTP_HOST: dovecot.host,
      EMAIL_SMTP_PORT: String(dovecot.lmtpPort),
      EMAIL_SMTP_TLS: 'none',
      EMAIL_SMTP_PROTOCOL: 'lmtp',
      EMAIL_SMTP_USER: 'smtp-user',
      EMAIL_SMTP_PASSWORD: SMTP_PASSWORD,
      EMAIL_ADDRESS: SUPPORT_ADDRESS,
      EMAIL_IDLE_DELAY_MS: '200',
      EMAIL_POLL_INTERVAL_MS: '2000',
    },
  });
  served = await listenGateway(gateway);
  const integration = await createIntegration(gateway.pool.models, {
    name: 'privacy-shop',
    callbackUrl: receiver.url,
  });
  apiKey = integration.apiKey;
  issued.push(
    { label: 'API integration key', value: apiKey },
    { label: 'callback signing secret', value: integration.webhookSecret },
  );
  // The desk tests' helpers (cards, clicks, signed Slack posts) over this gateway.
  if (!gateway.desk || !gateway.http) throw new Error('the gateway did not wire the desk');
  desk = Object.assign(new DeskHarness(), {
    gateway,
    slack,
    receiver,
    desk: gateway.desk,
    http: gateway.http,
    apiKey,
  });
  lmtp = nodemailer.createTransport({
    host: dovecot.host,
    port: dovecot.lmtpPort,
    lmtp: true,
    secure: false,
    ignoreTLS: true,
  });

  await apiConversation();
  await Promise.all([
    smsConversation(),
    emailConversation(),
    webchatConversation(),
    slackConversation(),
  ]);
  await adminSession();
  await badInputs();
  await quiet();
}, 180_000);

afterAll(async () => {
  lmtp?.close();
  await served?.close();
  await desk?.desk?.queue.obliterate({ force: true });
  await gateway?.pool.models.Ticket.db.dropDatabase();
  await gateway?.queues.inbound.obliterate({ force: true });
  await gateway?.queues.outbound.obliterate({ force: true });
  await gateway?.stop();
  await receiver?.stop();
  await slack?.stop();
  await fakeTwilio?.stop();
  await dovecot?.stop();
  vi.restoreAllMocks();
});

/** Everything that must never be in a log line. */
function needles(): Needle[] {
  return [
    // Personal data of the customers (and of the console's user).
    ...emailForms('API customer email', API_CUSTOMER.email),
    ...phoneForms('API customer phone', API_CUSTOMER.phone),
    { label: 'API customer name', value: API_CUSTOMER.name },
    { label: 'API customer surname', value: API_CUSTOMER.surname },
    { label: 'API message text', value: API_CUSTOMER.marker },
    { label: "agent's answer text", value: AGENT_MARKER },
    ...phoneForms('SMS customer phone', SMS_CUSTOMER.phone),
    { label: 'SMS text', value: SMS_CUSTOMER.marker },
    ...emailForms('email customer address', MAIL_CUSTOMER.address),
    { label: 'email customer name', value: MAIL_CUSTOMER.name },
    { label: 'email customer surname', value: MAIL_CUSTOMER.surname },
    ...phoneForms('email customer phone', MAIL_CUSTOMER.phone),
    { label: 'email text', value: MAIL_CUSTOMER.marker },
    ...emailForms('web chat visitor email', WEB_CUSTOMER.email),
    { label: 'web chat text', value: WEB_CUSTOMER.marker },
    ...emailForms('Slack customer email', SLACK_CUSTOMER.email),
    ...phoneForms('Slack customer phone', SLACK_CUSTOMER.phone),
    { label: 'Slack text', value: SLACK_CUSTOMER.marker },
    ...emailForms('console user email', ADMIN_EMAIL),
    // Configured secrets.
    { label: 'ADMIN_TOKEN', value: ADMIN_TOKEN },
    { label: 'ADMIN_TOKEN (Basic)', value: basic('admin', ADMIN_TOKEN) },
    { label: 'ADMIN_SESSION_SECRET', value: ADMIN_SESSION_SECRET },
    { label: 'TWILIO_AUTH_TOKEN', value: TWILIO_AUTH_TOKEN },
    { label: 'Twilio REST auth (Basic)', value: basic(TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN) },
    { label: 'SLACK_BOT_TOKEN', value: SLACK_BOT_TOKEN },
    { label: 'SLACK_SIGNING_SECRET', value: SLACK_SIGNING_SECRET },
    { label: 'SLACK_APP_TOKEN', value: SLACK_APP_TOKEN },
    { label: 'WEBCHAT_TOKEN_SECRET', value: WEBCHAT_TOKEN_SECRET },
    { label: 'WEBCHAT_MICROSOFT_APP_PASSWORD', value: WEBCHAT_APP_PASSWORD },
    { label: 'EMAIL_IMAP_PASSWORD', value: IMAP_PASSWORD },
    { label: 'EMAIL_SMTP_PASSWORD', value: SMTP_PASSWORD },
    // Credentials presented (right and wrong) and handed out during the run.
    { label: 'console password', value: ADMIN_PASSWORD },
    { label: 'wrong console password', value: WRONG_ADMIN_PASSWORD },
    { label: 'wrong Slack secret', value: WRONG_SLACK_SECRET },
    { label: 'wrong API key', value: WRONG_API_KEY },
    { label: 'wrong ADMIN_TOKEN', value: WRONG_ADMIN_TOKEN },
    ...issued,
  ];
}

describe('log privacy', () => {
  describe('when the scanner meets a planted secret', () => {
    it('reports it, from the gateway logger and from the console alike', () => {
      logger.warn({ detail: `value ${PLANTED}` }, 'privacy self-check');
      console.error(`privacy self-check ${PLANTED}`);
      const findings = scan(captured, [{ label: 'planted', value: PLANTED }]);
      const selfCheck = captured.filter((l) => l.text.includes('privacy self-check'));
      expect(
        findings.map((f) => f.source).sort(),
        `self-check lines:\n${selfCheck.map((l) => l.text).join('\n')}`,
      ).toEqual(['console', 'logger']);
      expect(report(findings)).toContain(`planted in logger line: `);
    });
  });

  describe('when a full run has logged at trace level', () => {
    it('logged a meaningful amount, debug lines included', () => {
      const logged = captured.filter((l) => l.source === 'logger');
      expect(logged.length).toBeGreaterThan(30);
      const levels = new Set(logged.map((l) => (JSON.parse(l.text) as { level: number }).level));
      expect(levels.has(20)).toBe(true); // debug
      for (const message of [
        'job failed',
        'ticket escalated',
        'request refused',
        'IMAP connected',
        'email lease taken',
        // The Slack Web API client's own debug lines (its request bodies were the leak).
        "apiCall('chat.postMessage') start",
      ])
        expect(
          logged.some((l) => l.text.includes(`"msg":"${message}`)),
          message,
        ).toBe(true);
    });

    it('holds no email, phone, name or message text of a customer, and no secret', () => {
      const lines = captured.filter((l) => !l.text.includes(PLANTED));
      const findings = scan(lines, needles());
      expect(findings, `found in the logs:\n${report(findings)}`).toEqual([]);
    });
  });
});
