import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/app.ts';
import { startTestGateway, testConfig } from '../support/gateway.ts';

let gateway: Gateway;
let noAdmin: Gateway;

beforeAll(async () => {
  gateway = await startTestGateway({ role: 'api' });
  noAdmin = await startTestGateway({ role: 'api', config: testConfig({ ADMIN_TOKEN: '' }) });
});

afterAll(async () => {
  await gateway.stop();
  await noAdmin.stop();
});

describe('operations endpoints', () => {
  describe('health', () => {
    it('answers /healthz and reports Redis and MongoDB on /readyz', async () => {
      await request(gateway.http!).get('/healthz').expect(200, { status: 'ok' });
      const ready = await request(gateway.http!).get('/readyz').expect(200);
      expect(ready.body).toEqual({ status: 'ready', checks: { mongodb: 'ok', redis: 'ok' } });
    });
  });

  describe('metrics', () => {
    it('exposes queue depths and message counters in Prometheus format', async () => {
      const res = await request(gateway.http!).get('/metrics').expect(200);
      expect(res.headers['content-type']).toMatch(/text\/plain/);
      expect(res.text).toContain('switchboard_queue_jobs{queue="inbound",state="waiting"}');
      expect(res.text).toContain('# TYPE switchboard_messages_total counter');
      expect(res.text).toContain('# TYPE switchboard_job_latency_seconds histogram');
    });
  });

  describe('queue dashboard', () => {
    it('refuses requests without admin credentials', async () => {
      const res = await request(gateway.http!).get('/admin/queues').expect(401);
      expect(res.headers['www-authenticate']).toMatch(/Basic/);
      await request(gateway.http!).get('/admin/queues').auth('admin', 'wrong-password').expect(401);
    });

    it('serves Bull Board to an admin with Basic auth', async () => {
      const res = await request(gateway.http!)
        .get('/admin/queues/api/queues')
        .auth('admin', 'test-admin-token-0123456789')
        .expect(200);
      const names = (res.body.queues as Array<{ name: string }>).map((q) => q.name).sort();
      expect(names).toEqual(['dispatch', 'inbound', 'outbound']);
    });

    it('is closed altogether when no ADMIN_TOKEN is configured', async () => {
      const res = await request(noAdmin.http!).get('/admin/queues').auth('admin', '').expect(403);
      expect(res.body.error.code).toBe('SB_ERR_FORBIDDEN');
    });
  });

  describe('admin ticket API', () => {
    it('refuses an agent reply without the admin token and 404s an unknown ticket', async () => {
      await request(gateway.http!)
        .post('/api/v1/tickets/0123456789abcdef01234567/replies')
        .send({})
        .expect(401);
      await request(gateway.http!)
        .get('/api/v1/tickets/0123456789abcdef01234567')
        .set('authorization', 'Bearer test-admin-token-0123456789')
        .expect(404);
    });
  });

  it('answers unknown routes with a JSON 404', async () => {
    const res = await request(gateway.http!).get('/nope').expect(404);
    expect(res.body.error.code).toBe('SB_ERR_NOT_FOUND');
  });
});
