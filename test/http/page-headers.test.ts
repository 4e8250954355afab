import express from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { pageCsp, pageHeaders, setPageHeaders } from '../../src/http/page-headers.ts';

const CSP = ["default-src 'none'", "style-src 'self'"];

function directives(header: string): Map<string, string[]> {
  return new Map(
    header.split(';').map((part) => {
      const [name = '', ...sources] = part.trim().split(/\s+/);
      return [name, sources];
    }),
  );
}

describe('page headers', () => {
  describe('when a page may not be framed (the default)', () => {
    it("adds frame-ancestors 'none' and X-Frame-Options DENY to the page's own policy", async () => {
      const app = express().use(pageHeaders({ csp: CSP }));
      app.get('/', (_req, res) => res.send('ok'));
      const res = await request(app).get('/');
      const policy = directives(String(res.headers['content-security-policy']));
      expect(policy.get('default-src')).toEqual(["'none'"]);
      expect(policy.get('style-src')).toEqual(["'self'"]);
      expect(policy.get('frame-ancestors')).toEqual(["'none'"]);
      expect(res.headers['x-frame-options']).toBe('DENY');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['referrer-policy']).toBe('no-referrer');
    });
  });

  describe('when any site may frame the page', () => {
    it('sends neither frame-ancestors nor an X-Frame-Options set before it', async () => {
      const app = express();
      app.use((_req, res, next) => {
        res.setHeader('x-frame-options', 'DENY');
        next();
      });
      app.get('/', (_req, res) => {
        setPageHeaders(res, { csp: CSP, framing: 'any', referrerPolicy: 'same-origin' });
        res.send('ok');
      });
      const res = await request(app).get('/');
      const policy = directives(String(res.headers['content-security-policy']));
      expect(policy.has('frame-ancestors')).toBe(false);
      expect(res.headers['x-frame-options']).toBeUndefined();
      expect(res.headers['referrer-policy']).toBe('same-origin');
    });
  });

  describe('when a policy names frame-ancestors itself', () => {
    it('is refused when the router is built: framing says who may frame', () => {
      expect(() => pageHeaders({ csp: [...CSP, "frame-ancestors 'self'"] })).toThrow(/framing/);
      expect(() => pageCsp({ csp: ['  FRAME-ANCESTORS *'], framing: 'any' })).toThrow(/framing/);
    });
  });
});
