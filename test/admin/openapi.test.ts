import type { Server } from 'node:http';
import { binaryBody } from '../support/binary-body.ts';
import type { AddressInfo } from 'node:net';
import SwaggerParser from '@apidevtools/swagger-parser';
import express from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/app.ts';
import {
  ADMIN_OPERATIONS,
  ATTACHMENTS_API_OPERATIONS,
  TICKETS_API_OPERATIONS,
  adminApiDocument,
  openApiPath,
} from '../../src/admin/openapi.ts';
import { roleMay } from '../../src/admin/permissions.ts';
import { API_DOCS_PATH, apiDocsRouter } from '../../src/http/api-docs.ts';
import { ATTACHMENTS_API_PATH } from '../../src/http/attachments-api.ts';
import { errorHandler } from '../../src/http/errors.ts';
import { TICKETS_API_PATH } from '../../src/http/tickets-api.ts';
import { launchBrowser } from '../support/browser.ts';
import { ADMIN_ROLES, type AdminRole } from '../../src/accounts/models.ts';
import { PoolAttachments } from '../../src/pool/attachments.ts';
import { closeServer } from '../support/close-server.ts';
import { startTestGateway, testConfig } from '../support/gateway.ts';
import {
  API,
  PASSWORD,
  adminRoutes,
  concrete,
  dropDatabase,
  httpOf,
  makeAccount,
  mountedRoutes,
  tokenFor,
} from './support.ts';

type Schema = {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  maxLength?: number;
  maximum?: number;
};
type Parameter = { name: string; in: string; required?: boolean; schema: Schema };
type Operation = {
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema: Schema }> };
  responses: Record<
    string,
    {
      $ref?: string;
      content?: Record<string, { schema: Schema }>;
      headers?: Record<string, unknown>;
    }
  >;
  security?: Array<Record<string, string[]>>;
  'x-permission'?: string | null;
};
type Document = {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: {
    schemas: Record<string, Schema>;
    securitySchemes: Record<string, { type: string; in?: string; name?: string; scheme?: string }>;
  };
};

const doc = () => JSON.parse(JSON.stringify(adminApiDocument())) as Document;

/** The operation of a route of the admin API (or of the router mounted at `base`). */
function operation(method: string, expressPath: string, base: string = API): Operation {
  const op = doc().paths[openApiPath(expressPath, base)]?.[method];
  if (!op) throw new Error(`${method} ${expressPath} is not in the document`);
  return op;
}

function resolve(schema: Schema): Schema {
  const ref = schema.$ref?.replace('#/components/schemas/', '');
  return ref === undefined ? schema : resolve(doc().components.schemas[ref] ?? {});
}

function bodySchema(method: string, expressPath: string, base: string = API): Schema {
  const schema = operation(method, expressPath, base).requestBody?.content['application/json']
    ?.schema;
  if (!schema) throw new Error(`${method} ${expressPath} has no JSON body`);
  return resolve(schema);
}

/** `method path` of every operation the document lists under `base`. */
function documentedUnder(base: string): string[] {
  return Object.entries(doc().paths)
    .filter(([path]) => path.startsWith(`${base}/`))
    .flatMap(([path, item]) => Object.keys(item).map((method) => `${method} ${path}`))
    .sort();
}

let gateway: Gateway;
/** The operator's ADMIN_TOKEN, the tickets API's only credential. */
let operatorToken: string;
const tokens = new Map<AdminRole, string>();

beforeAll(async () => {
  const config = testConfig({ KB_SEED_ON_START: 'false' });
  if (!config.ADMIN_TOKEN) throw new Error('the test config sets no ADMIN_TOKEN');
  operatorToken = config.ADMIN_TOKEN;
  // The email channel on (never polled: role api), so its attachments API is mounted as in production.
  gateway = await startTestGateway({
    role: 'api',
    config,
    env: {
      EMAIL_IMAP_HOST: '127.0.0.1',
      EMAIL_IMAP_USER: 'support',
      EMAIL_IMAP_PASSWORD: 'secret',
      EMAIL_SMTP_HOST: '127.0.0.1',
      EMAIL_ADDRESS: 'support@example.test',
    },
  });
  for (const role of ADMIN_ROLES) {
    await makeAccount(gateway, role);
    tokens.set(role, await tokenFor(gateway, role));
  }
});

afterAll(async () => {
  await dropDatabase(gateway);
  await gateway.stop();
});

/** A request with the API token of `role`. */
function as(role: AdminRole, method: 'get' | 'post' | 'put' | 'patch' | 'delete', url: string) {
  const client = request(httpOf(gateway));
  return client[method](url).set('authorization', `Bearer ${tokens.get(role)}`);
}

const asAdmin = (method: 'get' | 'post', path: string) => as('admin', method, `${API}${path}`);

/**
 * The operations of an API mounted at `base` behind requireAdmin: the document names the operator
 * schemes only, and the gateway refuses no credentials and an admin API token (401) and lets
 * `ADMIN_TOKEN` in, as bearer token or Basic password.
 */
async function expectOperatorOnly(
  operations: readonly { method: 'get' | 'post' | 'put' | 'patch' | 'delete'; path: string }[],
  base: string,
): Promise<void> {
  const { securitySchemes } = doc().components;
  expect(securitySchemes['operator']).toMatchObject({ type: 'http', scheme: 'bearer' });
  expect(securitySchemes['operatorBasic']).toMatchObject({ type: 'http', scheme: 'basic' });
  expect(operations.length, base).toBeGreaterThan(0);
  for (const op of operations) {
    const what = `${op.method} ${base}${op.path}`;
    expect(operation(op.method, op.path, base).security, what).toEqual([
      { operator: [] },
      { operatorBasic: [] },
    ]);
    const call = () => request(httpOf(gateway))[op.method](concrete(op.path, base));
    expect((await call().send({})).status, `${what} without credentials`).toBe(401);
    const apiToken = await call()
      .set('authorization', `Bearer ${tokens.get('admin')}`)
      .send({});
    expect(apiToken.status, `${what} with an admin API token`).toBe(401);
    const bearer = await call().set('authorization', `Bearer ${operatorToken}`).send({});
    expect([401, 403], `${what} with the bearer token`).not.toContain(bearer.status);
    const basic = await call().auth('anyone', operatorToken).send({});
    expect([401, 403], `${what} with Basic auth`).not.toContain(basic.status);
  }
}

describe('admin API OpenAPI document', () => {
  describe('when validated', () => {
    it('is a valid OpenAPI 3.1 document', async () => {
      const validated = (await SwaggerParser.validate(doc() as never)) as { openapi: string };
      expect(validated.openapi).toBe('3.1.0');
    });

    it('has one Error component that every refusal refers to', () => {
      const document = doc();
      expect(resolve({ $ref: '#/components/schemas/Error' })).toMatchObject({
        properties: { error: { required: ['code', 'message'] } },
      });
      for (const [path, item] of Object.entries(document.paths)) {
        for (const [method, op] of Object.entries(item)) {
          const refusals = Object.entries(op.responses).filter(([status]) => status >= '400');
          expect(refusals.length, `${method} ${path}`).toBeGreaterThan(0);
          for (const [, response] of refusals)
            expect(response.$ref, `${method} ${path}`).toMatch(/^#\/components\/responses\//);
        }
      }
    });
  });

  describe('when compared with the routers', () => {
    it('lists every route the admin API registers, with its method and path, and no other', () => {
      const documented = ADMIN_OPERATIONS.map((op) => `${op.method} ${op.path}`).sort();
      expect(documented).toEqual(adminRoutes(gateway));
      expect(documentedUnder(API)).toEqual(
        ADMIN_OPERATIONS.map((op) => `${op.method} ${openApiPath(op.path)}`).sort(),
      );
    });

    it('lists every route the tickets API registers, with its method and path, and no other', () => {
      const documented = TICKETS_API_OPERATIONS.map((op) => `${op.method} ${op.path}`).sort();
      expect(documented).toEqual(mountedRoutes(gateway, TICKETS_API_PATH));
      expect(documentedUnder(TICKETS_API_PATH)).toEqual(
        TICKETS_API_OPERATIONS.map(
          (op) => `${op.method} ${openApiPath(op.path, TICKETS_API_PATH)}`,
        ).sort(),
      );
      // Nothing else: every operation of the document is one of the three APIs'.
      expect(documentedUnder('')).toEqual(
        [
          ...documentedUnder(API),
          ...documentedUnder(TICKETS_API_PATH),
          ...documentedUnder(ATTACHMENTS_API_PATH),
        ].sort(),
      );
    });

    it('lists every route the attachments API registers, with its method and path, and no other', () => {
      const mounted = mountedRoutes(gateway, ATTACHMENTS_API_PATH);
      expect(mounted.length, 'the attachments API is mounted').toBeGreaterThan(0);
      const documented = ATTACHMENTS_API_OPERATIONS.map((op) => `${op.method} ${op.path}`).sort();
      expect(documented).toEqual(mounted);
      expect(documentedUnder(ATTACHMENTS_API_PATH)).toEqual(
        ATTACHMENTS_API_OPERATIONS.map(
          (op) => `${op.method} ${openApiPath(op.path, ATTACHMENTS_API_PATH)}`,
        ).sort(),
      );
    });

    it('names the permission each route enforces: refused roles get 403, the others do not', async () => {
      for (const op of ADMIN_OPERATIONS) {
        if (op.permission === null || op.permission === 'open') continue;
        expect(operation(op.method, op.path)['x-permission']).toBe(op.permission);
        for (const role of ADMIN_ROLES) {
          const res = await as(role, op.method, concrete(op.path)).send({});
          const what = `${role} ${op.method} ${op.path}`;
          if (roleMay(role, op.permission)) expect(res.status, what).not.toBe(403);
          else expect([res.status, res.body.error?.code], what).toEqual([403, 'SB_ERR_FORBIDDEN']);
        }
      }
    });
  });

  describe('when a request breaks a schema', () => {
    it('refuses a too long article title with 400 naming the field; the document says maxLength 200', async () => {
      const res = await asAdmin('post', '/articles').send({
        id: 'long-title',
        locale: 'en',
        title: 'x'.repeat(201),
        answer: 'An answer.',
      });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({
        error: { code: 'SB_ERR_VALIDATION', message: expect.any(String), field: 'title' },
      });
      const schema = bodySchema('post', '/articles');
      expect(schema.properties?.['title']?.maxLength).toBe(200);
      expect(schema.required).toEqual(expect.arrayContaining(['id', 'locale', 'title', 'answer']));
      expect(schema.required).not.toContain('tags');
    });

    it('refuses a sign-in without a password with 400 naming it; the document requires it', async () => {
      const res = await request(httpOf(gateway))
        .post(`${API}/auth/login`)
        .send({ email: 'admin@example.test' });
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'SB_ERR_VALIDATION', field: 'password' });
      expect(bodySchema('post', '/auth/login').required).toEqual(['email', 'password']);
      expect(operation('post', '/auth/login').security).toEqual([]);
    });

    it('refuses a ticket page over 100 with 400 naming `limit`; the document says maximum 100', async () => {
      const res = await asAdmin('get', '/tickets?limit=500');
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'SB_ERR_VALIDATION', field: 'limit' });
      const limit = operation('get', '/tickets').parameters?.find((p) => p.name === 'limit');
      expect(limit).toMatchObject({ in: 'query', schema: { maximum: 100 } });
      expect(limit?.required).not.toBe(true);
    });

    it('answers 404 for a path parameter its schema refuses, and documents the 404', async () => {
      const res = await asAdmin('get', '/articles/Not_A_Key');
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('SB_ERR_NOT_FOUND');
      expect(operation('get', '/articles/:key').responses['404']?.$ref).toBe(
        '#/components/responses/NotFound',
      );
    });
  });

  describe('when the tickets API is called', () => {
    it('refuses a reply over 20,000 characters with 400 naming `text`; the document says maxLength 20000', async () => {
      const res = await request(httpOf(gateway))
        .post(concrete('/:id/replies', TICKETS_API_PATH))
        .set('authorization', `Bearer ${operatorToken}`)
        .send({ replyId: 'r-1', agent: { id: 'a1', name: 'Alan' }, text: 'x'.repeat(20_001) });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({
        error: { code: 'SB_ERR_VALIDATION', message: expect.any(String), field: 'text' },
      });
      const schema = bodySchema('post', '/:id/replies', TICKETS_API_PATH);
      expect(schema.properties?.['text']?.maxLength).toBe(20_000);
      expect(schema.required).toEqual(['replyId', 'agent', 'text']);
    });

    it('answers 404 for an id its parameter schema refuses, and documents the 404', async () => {
      const res = await request(httpOf(gateway))
        .get(`${TICKETS_API_PATH}/not-a-ticket-id`)
        .set('authorization', `Bearer ${operatorToken}`);
      expect([res.status, res.body.error?.code]).toEqual([404, 'SB_ERR_NOT_FOUND']);
      const op = operation('get', '/:id', TICKETS_API_PATH);
      expect(op.parameters?.find((p) => p.name === 'id')).toMatchObject({
        in: 'path',
        required: true,
      });
      expect(op.responses['404']?.$ref).toBe('#/components/responses/NotFound');
    });

    it("takes the operator's ADMIN_TOKEN, as bearer or Basic password, and nothing else, as the document says", async () => {
      await expectOperatorOnly(TICKETS_API_OPERATIONS, TICKETS_API_PATH);
    });
  });

  describe('when the attachments API is called', () => {
    it('answers 404 for an id its parameter schema refuses, and documents the 404 and maxLength 600', async () => {
      const res = await request(httpOf(gateway))
        .get(`${ATTACHMENTS_API_PATH}/${'x'.repeat(601)}`)
        .set('authorization', `Bearer ${operatorToken}`);
      expect(res.body.error).toEqual({ code: 'SB_ERR_NOT_FOUND', message: 'no such attachment' });
      expect(res.status).toBe(404);
      const op = operation('get', '/:id', ATTACHMENTS_API_PATH);
      expect(op.parameters?.find((p) => p.name === 'id')).toMatchObject({
        in: 'path',
        required: true,
        schema: { type: 'string', maxLength: 600 },
      });
      expect(op.responses['404']?.$ref).toBe('#/components/responses/NotFound');
    });

    it('answers the stored bytes with the stored content type and the documented headers', async () => {
      const attachments = await PoolAttachments.create(gateway.pool.models.Ticket.db);
      const content = Buffer.from('%PDF-1.4 not really');
      const [id] = await attachments.save('email', 'openapi-test@mail.example.test', [
        {
          name: 'Rechnung März.pdf',
          contentType: 'application/pdf',
          size: content.length,
          sha256: 'b'.repeat(64),
          content,
        },
      ]);
      const res = await request(httpOf(gateway))
        .get(`${ATTACHMENTS_API_PATH}/${encodeURIComponent(id!)}`)
        .set('authorization', `Bearer ${operatorToken}`)
        .buffer(true)
        .parse(binaryBody);
      expect(res.status).toBe(200);
      expect((res.body as Buffer).equals(content)).toBe(true);
      expect(res.headers['content-type']).toMatch(/^application\/pdf/);
      expect(res.headers['content-disposition']).toBe(
        `attachment; filename="Rechnung M_rz.pdf"; filename*=UTF-8''Rechnung%20M%C3%A4rz.pdf`,
      );
      const ok = operation('get', '/:id', ATTACHMENTS_API_PATH).responses['200'];
      expect(ok?.content?.['*/*']?.schema).toMatchObject({ type: 'string', format: 'binary' });
      const headers = Object.keys(ok?.headers ?? {});
      expect(headers).toContain('content-disposition');
      for (const header of headers) expect(res.headers[header], header).toBeDefined();
    });

    it("takes the operator's ADMIN_TOKEN, as bearer or Basic password, and nothing else, as the document says", async () => {
      await expectOperatorOnly(ATTACHMENTS_API_OPERATIONS, ATTACHMENTS_API_PATH);
    });
  });

  describe('when signing in as the security schemes say', () => {
    it('the API sets the documented cookie and checks the documented CSRF header', async () => {
      const { securitySchemes } = doc().components;
      expect(securitySchemes['bearer']).toMatchObject({ type: 'http' });
      const cookie = securitySchemes['session'];
      const csrf = securitySchemes['csrf'];
      expect(cookie).toMatchObject({ type: 'apiKey', in: 'cookie' });
      expect(csrf).toMatchObject({ type: 'apiKey', in: 'header' });
      const agent = request.agent(httpOf(gateway));
      const login = await agent
        .post(`${API}/auth/login`)
        .send({ email: 'agent@example.test', password: PASSWORD });
      expect(String(login.headers['set-cookie'])).toMatch(new RegExp(`^${cookie?.name}=`));
      const without = await agent.post(`${API}/articles/preview`).send({ answer: '*hi*' });
      expect(without.status).toBe(403);
      const withHeader = await agent
        .post(`${API}/articles/preview`)
        .set(csrf?.name ?? '', String(login.body.csrfToken))
        .send({ answer: '*hi*' });
      expect(withHeader.status).toBe(200);
      expect(operation('post', '/articles/preview').security).toEqual([
        { session: [], csrf: [] },
        { bearer: [] },
      ]);
      expect(operation('get', '/articles').security).toEqual([{ session: [] }, { bearer: [] }]);
    });
  });
});

describe('api docs router', () => {
  const app = express();
  app.use(API_DOCS_PATH, apiDocsRouter());
  app.use(errorHandler());

  it('answers the reference as HTML under a CSP that allows no inline script', async () => {
    const res = await request(app).get(API_DOCS_PATH);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp.split(';').find((d) => d.trim().startsWith('script-src'))).not.toContain('unsafe');
    expect(res.text).toContain(`${API_DOCS_PATH}/openapi.json`);
    expect(res.text).not.toMatch(/<script>|https?:\/\//);
  });

  it('answers the document as JSON', async () => {
    const res = await request(app).get(`${API_DOCS_PATH}/openapi.json`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body).toEqual(doc());
  });

  it('serves the viewer from node_modules', async () => {
    const bundle = await request(app).get(`${API_DOCS_PATH}/assets/swagger-ui-bundle.js`);
    expect(bundle.status).toBe(200);
    expect(bundle.headers['content-type']).toMatch(/javascript/);
    const css = await request(app).get(`${API_DOCS_PATH}/assets/swagger-ui.css`);
    expect(css.status).toBe(200);
    expect(css.headers['content-type']).toMatch(/^text\/css/);
  });

  describe('in a real browser', () => {
    let server: Server;
    let base: string;
    beforeAll(async () => {
      server = app.listen(0, '127.0.0.1');
      await new Promise((done) => server.once('listening', done));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      if (server) await closeServer(server);
    });

    it('renders the endpoints with no console error (no CSP violation)', async () => {
      const browser = await launchBrowser();
      try {
        const page = await browser.newPage();
        const problems: string[] = [];
        page.on('pageerror', (error) => problems.push(error.message));
        page.on('console', (m) => {
          if (m.type() === 'error' || m.type() === 'warning') problems.push(m.text());
        });
        await page.goto(`${base}${API_DOCS_PATH}`);
        await page.getByText('Create an article').first().waitFor({ timeout: 20_000 });
        expect(await page.getByText('Switchboard admin API').count()).toBeGreaterThan(0);
        expect(problems).toEqual([]);
      } finally {
        await browser.close();
      }
    });
  });
});
