import { readdirSync, readFileSync } from 'node:fs';
import express from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { consoleRouter } from '../../src/admin/console.ts';

const CONSOLE_DIR = new URL('../../src/admin/console/', import.meta.url);
/** Every ES module of the console, relative to its folder (views/ included). */
const MODULES = (readdirSync(CONSOLE_DIR, { recursive: true }) as string[])
  .map((f) => f.split('\\').join('/'))
  .filter((f) => f.endsWith('.js'))
  .sort();

function http() {
  const app = express();
  app.use('/admin', consoleRouter());
  return request(app);
}

describe('admin console files', () => {
  it('has the entry, the shared modules and one module per view', () => {
    expect(MODULES).toEqual(
      expect.arrayContaining(['app.js', 'api.js', 'dom.js', 'router.js', 'table.js']),
    );
    expect(MODULES.filter((f) => f.startsWith('views/')).length).toBeGreaterThanOrEqual(10);
  });

  describe('when the browser loads them', () => {
    it.each(MODULES)('serves %s as JavaScript under the strict policy', async (file) => {
      const res = await http().get(`/admin/${file}`).expect(200);
      expect(res.headers['content-type']).toMatch(/^text\/javascript/);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['content-security-policy']).toContain("script-src 'self';");
      expect(res.text).toBe(readFileSync(new URL(file, CONSOLE_DIR), 'utf8'));
    });

    it('loads the entry as a module script from this origin, with no inline script', async () => {
      const res = await http().get('/admin/').expect(200);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      const scripts = [...res.text.matchAll(/<script\b([^>]*)>([^<]*)<\/script>/g)];
      expect(scripts.map((m) => m[2]?.trim())).toEqual(['', '']);
      expect(res.text).toContain('<script type="module" src="app.js"></script>');
    });

    it('serves the style sheet', async () => {
      const res = await http().get('/admin/style.css').expect(200);
      expect(res.headers['content-type']).toMatch(/^text\/css/);
    });
  });

  describe('when asked for what only the type-check reads', () => {
    it.each(['tsconfig.json', 'api-types.d.ts'])('does not serve %s', async (file) => {
      await http().get(`/admin/${file}`).expect(404);
    });
  });
});
