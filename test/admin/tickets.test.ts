import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/app.ts';
import { computeDashboard } from '../../src/admin/reports/dashboard.ts';
import { clusterQuestions } from '../../src/admin/learning.ts';
import { startTestGateway, testConfig } from '../support/gateway.ts';
import {
  API,
  dropDatabase,
  escalatedConversation,
  httpOf,
  makeAccount,
  makeAgent,
  signIn,
  tokenFor,
  type Session,
  list,
} from './support.ts';

let gateway: Gateway;
let supervisor: Session;
let agentSession: Session;
let adminToken: string;
let alice: string;
let bob: string;

beforeAll(async () => {
  gateway = await startTestGateway({ role: 'api', config: testConfig({ KB_LOCALES: 'en' }) });
  await makeAccount(gateway, 'supervisor');
  await makeAccount(gateway, 'agent');
  supervisor = await signIn(gateway, 'supervisor@example.test');
  agentSession = await signIn(gateway, 'agent@example.test');
  adminToken = await tokenFor(gateway, 'admin');
  alice = await makeAgent(gateway, 'Alice');
  bob = await makeAgent(gateway, 'Bob');
});

afterAll(async () => {
  await dropDatabase(gateway);
  await gateway.stop();
});

const asAdmin = (method: 'get' | 'post', path: string) =>
  request(httpOf(gateway))[method](`${API}${path}`).set('authorization', `Bearer ${adminToken}`);

describe('admin tickets', () => {
  let queuedId: string;

  beforeAll(async () => {
    queuedId = String(
      (await escalatedConversation(gateway, { text: 'My parcel arrived crushed and soaked' }))._id,
    );
    await escalatedConversation(gateway, { text: 'Texting about a broken zipper', channel: 'sms' });
    await escalatedConversation(gateway, {
      text: 'Do you repair broken zippers?',
      agent: { id: alice, name: 'Alice', answer: 'Yes, bring it to any store.' },
      resolve: true,
    });
  });

  it('filters by status, channel, assignee and text', async () => {
    const queued = await supervisor.agent.get(`${API}/tickets?status=queued`);
    expect(queued.status).toBe(200);
    expect(queued.body.total).toBe(2);
    const sms = await supervisor.agent.get(`${API}/tickets?channel=sms`);
    expect(list<{ channel: string }>(sms.body.tickets).map((t) => t.channel)).toEqual(['sms']);
    const byText = await supervisor.agent.get(`${API}/tickets?text=crushed`);
    expect(list<{ id: string }>(byText.body.tickets).map((t) => t.id)).toEqual([queuedId]);
    const unassigned = await supervisor.agent.get(`${API}/tickets?assignee=none`);
    expect(unassigned.body.total).toBe(2);
    const alices = await supervisor.agent.get(`${API}/tickets?assignee=${alice}`);
    expect(alices.body.total).toBe(1);
    const urgent = await supervisor.agent.get(`${API}/tickets?urgencyMin=1000`);
    expect(urgent.body.total).toBe(0);
  });

  it('refuses a bad filter with 400 naming it', async () => {
    const res = await supervisor.agent.get(`${API}/tickets?channel=pigeon`);
    expect(res.status).toBe(400);
    expect(res.body.error.field).toBe('channel');
  });

  it('shows a ticket with its transcript, intents and scores, and urgency parts', async () => {
    const res = await agentSession.agent.get(`${API}/tickets/${queuedId}`);
    expect(res.status).toBe(200);
    expect(res.body.ticket).toMatchObject({
      status: 'queued',
      escalationReason: 'out of scope for the knowledge base',
    });
    expect(Array.isArray(res.body.ticket.urgencyParts)).toBe(true);
    expect(res.body.transcript[0]).toMatchObject({
      direction: 'in',
      authorKind: 'customer',
      text: 'My parcel arrived crushed and soaked',
      score: 0.12,
      language: 'en',
    });
    expect(res.body.contact.identities[0].kind).toBe('email');
    expect((await agentSession.agent.get(`${API}/tickets/0123456789abcdef01234567`)).status).toBe(
      404,
    );
  });

  it('reassigns a ticket, moving the slot from one agent to the other', async () => {
    const first = await supervisor.agent
      .post(`${API}/tickets/${queuedId}/assign`)
      .set('x-csrf-token', supervisor.csrf)
      .send({ agentId: alice });
    expect(first.status).toBe(200);
    expect(first.body.ticket).toMatchObject({ status: 'assigned', assigneeId: alice });
    const second = await supervisor.agent
      .post(`${API}/tickets/${queuedId}/assign`)
      .set('x-csrf-token', supervisor.csrf)
      .send({ agentId: bob });
    expect(second.body.ticket.assigneeId).toBe(bob);
    const agents = (await supervisor.agent.get(`${API}/agents`)).body.agents as Array<{
      id: string;
      activeTickets: number;
    }>;
    expect(agents.find((a) => a.id === alice)?.activeTickets).toBe(0);
    expect(agents.find((a) => a.id === bob)?.activeTickets).toBe(1);
    const unknown = await supervisor.agent
      .post(`${API}/tickets/${queuedId}/assign`)
      .set('x-csrf-token', supervisor.csrf)
      .send({ agentId: '0123456789abcdef01234567' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.field).toBe('agentId');
  });

  it('lets an agent tag and resolve but not reassign', async () => {
    const forbidden = await agentSession.agent
      .post(`${API}/tickets/${queuedId}/assign`)
      .set('x-csrf-token', agentSession.csrf)
      .send({ agentId: alice });
    expect(forbidden.status).toBe(403);
    const tagged = await agentSession.agent
      .post(`${API}/tickets/${queuedId}/tags`)
      .set('x-csrf-token', agentSession.csrf)
      .send({ add: ['damaged', 'vip'], remove: [] });
    expect(tagged.body.ticket.tags).toEqual(['damaged', 'vip']);
    const untagged = await agentSession.agent
      .post(`${API}/tickets/${queuedId}/tags`)
      .set('x-csrf-token', agentSession.csrf)
      .send({ remove: ['vip'] });
    expect(untagged.body.ticket.tags).toEqual(['damaged']);
    const resolved = await agentSession.agent
      .post(`${API}/tickets/${queuedId}/resolve`)
      .set('x-csrf-token', agentSession.csrf)
      .send({});
    expect(resolved.status).toBe(200);
    expect(resolved.body.ticket.status).toBe('resolved');
    const bobNow = (
      (await supervisor.agent.get(`${API}/agents`)).body.agents as Array<{
        id: string;
        activeTickets: number;
      }>
    ).find((a) => a.id === bob);
    expect(bobNow?.activeTickets).toBe(0);
    const again = await agentSession.agent
      .post(`${API}/tickets/${queuedId}/resolve`)
      .set('x-csrf-token', agentSession.csrf)
      .send({});
    expect(again.status).toBe(409);
    const audit = await asAdmin('get', `/audit?subject=ticket:${queuedId}`);
    expect(list<{ action: string }>(audit.body.events).map((e) => e.action)).toEqual(
      expect.arrayContaining(['ticket.reassigned', 'ticket.tagged', 'ticket.resolved']),
    );
  });
});

describe('learning loop', () => {
  it('clusters similar questions, counts them and shows the newest', () => {
    const at = (m: number) => new Date(Date.UTC(2026, 0, 1, 0, m));
    const q = (text: string, m: number) => ({
      ticketId: String(m),
      ticketNumber: m,
      text,
      language: 'en',
      at: at(m),
      reason: null,
    });
    const clusters = clusterQuestions(
      [
        q('do you sell gift wrapping', 1),
        q('can I get gift wrapping please', 2),
        q('is there gift wrapping', 3),
        q('my invoice is wrong', 4),
      ],
      ['en'],
      'en',
    );
    expect(clusters.map((c) => c.count)).toEqual([3, 1]);
    expect(clusters[0]?.newest.text).toBe('is there gift wrapping');
    expect(clusters[0]?.terms).toEqual(expect.arrayContaining(['gift', 'wrapping']));
  });

  it('lists the escalated questions, clustered, in the unanswered inbox', async () => {
    await escalatedConversation(gateway, { text: 'Do you offer gift wrapping?' });
    await escalatedConversation(gateway, { text: 'gift wrapping available?' });
    const res = await supervisor.agent.get(`${API}/learning/unanswered`);
    expect(res.status).toBe(200);
    const wrapping = list<{ terms: string[] }>(res.body.clusters).find((c) =>
      c.terms.includes('wrapping'),
    );
    expect(wrapping).toMatchObject({ count: 2, newest: { text: 'gift wrapping available?' } });
    expect(res.body.total).toBeGreaterThanOrEqual(5);
  });

  it('proposes agents answers of resolved tickets, once each, and lets an admin dismiss them', async () => {
    const first = await asAdmin('get', '/learning/suggestions');
    expect(first.status).toBe(200);
    const zipper = list<{ id: string; question: string }>(first.body.suggestions).find(
      (s) => s.question === 'Do you repair broken zippers?',
    );
    if (!zipper) throw new Error('no suggestion from the zipper ticket');
    expect(zipper).toMatchObject({
      kind: 'article',
      answer: 'Yes, bring it to any store.',
      agentName: 'Alice',
      status: 'pending',
    });
    const again = await asAdmin('get', '/learning/suggestions');
    expect(
      list<{ question: string }>(again.body.suggestions).filter(
        (s) => s.question === zipper.question,
      ),
    ).toHaveLength(1);
    const bySupervisor = await supervisor.agent
      .post(`${API}/learning/suggestions/${zipper.id}/dismiss`)
      .set('x-csrf-token', supervisor.csrf)
      .send({});
    expect(bySupervisor.status).toBe(403);
    const dismissed = await asAdmin('post', `/learning/suggestions/${zipper.id}/dismiss`).send({});
    expect(dismissed.body.suggestion).toMatchObject({
      status: 'dismissed',
      decidedBy: expect.stringMatching(/^token:/),
    });
    const twice = await asAdmin('post', `/learning/suggestions/${zipper.id}/dismiss`).send({});
    expect(twice.status).toBe(409);
  });

  it('approves a suggestion as a new article, stored as a published revision', async () => {
    await escalatedConversation(gateway, {
      text: 'Can I pay with a cheque?',
      agent: { id: bob, name: 'Bob', answer: 'We do not accept cheques, sorry.' },
      resolve: true,
    });
    const listed = await asAdmin('get', '/learning/suggestions');
    const cheque = list<{ id: string; question: string }>(listed.body.suggestions).find(
      (s) => s.question === 'Can I pay with a cheque?',
    );
    if (!cheque) throw new Error('no suggestion from the cheque ticket');
    const bad = await asAdmin('post', `/learning/suggestions/${cheque.id}/approve`).send({
      kind: 'article',
      id: 'Cheques!',
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe('id');
    const approved = await asAdmin('post', `/learning/suggestions/${cheque.id}/approve`).send({
      kind: 'article',
      id: 'cheques',
      title: 'Do you accept cheques?',
      questions: ['Can I pay with a cheque?'],
      answer: 'We do not accept cheques, sorry.',
    });
    expect(approved.status).toBe(200);
    expect(approved.body.suggestion).toMatchObject({ status: 'approved', resultKey: 'cheques.en' });
    const article = await asAdmin('get', '/articles/cheques.en');
    expect(article.body).toMatchObject({
      status: 'published',
      questions: ['Can I pay with a cheque?'],
    });
  });
});

describe('service dashboard', () => {
  it('computes volume by channel and hour, self-service, percentiles, SLA and CSAT', () => {
    const from = new Date('2026-01-01T00:00:00Z');
    const to = new Date('2026-01-01T03:00:00Z');
    const t = (channel: string, minute: number, extra: object = {}) => ({
      channel,
      status: 'resolved',
      createdAt: new Date(from.getTime() + minute * 60_000),
      ...extra,
    });
    const d = computeDashboard(
      [
        t('api', 5, { firstResponseAt: new Date(from.getTime() + 6 * 60_000), csatScore: 5 }),
        t('api', 70, { queuedAt: new Date(), slaState: 'met', csatScore: 3 }),
        t('sms', 130, {
          queuedAt: new Date(),
          slaState: 'breached',
          resolvedAt: new Date(from.getTime() + 140 * 60_000),
        }),
        t('sms', 131, { status: 'bot' }),
      ],
      [],
      [],
      { from, to },
      false,
    );
    expect(d.volume.buckets).toEqual([
      '2026-01-01T00:00Z',
      '2026-01-01T01:00Z',
      '2026-01-01T02:00Z',
    ]);
    expect(d.volume.series).toEqual([
      { channel: 'api', counts: [1, 1, 0] },
      { channel: 'sms', counts: [0, 0, 2] },
    ]);
    expect(d.selfService).toEqual({ finished: 3, withoutAgent: 1, rate: 1 / 3, stillWithBot: 1 });
    expect(d.firstResponse).toEqual({ count: 1, medianSeconds: 60, p90Seconds: 60 });
    expect(d.resolution).toEqual({ count: 1, medianSeconds: 600, p90Seconds: 600 });
    expect(d.sla).toMatchObject({ met: 1, breached: 1, none: 2 });
    expect(d.csat).toEqual({ responses: 2, average: 4, distribution: [0, 0, 1, 0, 1] });
  });

  it("counts the bot's answers as first responses, but an agent's first response on its own, from the hand-over", () => {
    const from = new Date('2026-01-01T00:00:00Z');
    const at = (minute: number) => new Date(from.getTime() + minute * 60_000);
    const d = computeDashboard(
      [
        // Answered by the bot within a second, then handed over; an agent answered 10 min later.
        {
          channel: 'webchat',
          status: 'resolved',
          createdAt: at(0),
          firstResponseAt: new Date(from.getTime() + 1000),
          queuedAt: at(1),
          agentRespondedAt: at(11),
          resolvedAt: at(20),
          reopenedAt: at(15),
        },
        // The bot alone.
        { channel: 'webchat', status: 'resolved', createdAt: at(2), firstResponseAt: at(2) },
      ],
      [],
      [],
      { from, to: new Date(from.getTime() + 3_600_000) },
      false,
    );
    expect(d.firstResponse.medianSeconds).toBeLessThanOrEqual(1);
    expect(d.agentFirstResponse).toEqual({ count: 1, medianSeconds: 600, p90Seconds: 600 });
    expect(d.firstContactResolution).toEqual({ finished: 2, withoutReopen: 1, rate: 0.5 });
    expect(d.botDeflection).toEqual({ tickets: 2, withoutAgent: 1, rate: 0.5 });
  });

  it('serves the dashboard for a range and channel, and each chart as CSV', async () => {
    // A customer's rating, as the desk's satisfaction question stores it.
    await gateway.pool.models.Ticket.collection.updateOne(
      { channel: 'sms' },
      { $set: { csatScore: 4, csatAt: new Date() } },
    );
    const res = await supervisor.agent.get(`${API}/dashboard?channel=sms`);
    expect(res.body.csat).toMatchObject({
      responses: 1,
      average: 4,
      distribution: [0, 0, 0, 1, 0],
    });
    expect(res.status).toBe(200);
    expect(list<{ channel: string }>(res.body.volume.series).map((s) => s.channel)).toEqual([
      'sms',
    ]);
    expect(list<{ name: string }>(res.body.agentLoad).map((a) => a.name)).toEqual(['Alice', 'Bob']);
    const all = await supervisor.agent.get(`${API}/dashboard`);
    expect(
      list<{ counts: number[] }>(all.body.volume.series).reduce(
        (n, s) => n + s.counts.reduce((a, b) => a + b, 0),
        0,
      ),
    ).toBeGreaterThanOrEqual(6);
    const csv = await supervisor.agent.get(`${API}/dashboard/volume.csv?channel=sms`);
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.text.split('\r\n')[0]).toBe('bucket,sms');
    expect((await supervisor.agent.get(`${API}/dashboard/nope.csv`)).status).toBe(404);
    const backwards = await supervisor.agent.get(`${API}/dashboard?from=2026-02-01&to=2026-01-01`);
    expect(backwards.status).toBe(400);
    expect(backwards.body.error.field).toBe('from');
    expect((await agentSession.agent.get(`${API}/dashboard`)).status).toBe(403);
  });
});

describe('console', () => {
  it('serves the page, its script and Chart.js under a strict Content-Security-Policy', async () => {
    const page = await request(httpOf(gateway)).get('/admin/');
    expect(page.status).toBe(200);
    expect(page.text).toContain('<script type="module" src="app.js">');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['content-security-policy']).not.toContain('unsafe-inline');
    const chart = await request(httpOf(gateway)).get('/admin/vendor/chart.umd.js');
    expect(chart.status).toBe(200);
    expect(chart.text).toContain('Chart');
    expect((await request(httpOf(gateway)).get('/admin/app.js')).status).toBe(200);
  });
});
