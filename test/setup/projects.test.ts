import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { classifyTestFiles, testProjects } from './projects.ts';

// The fixtures' calls are built, not written out, and their imports lead nowhere from here: the scan
// reads strings too, and would put this file in the very projects it describes.
const reads = (fn: string, key: string) => `${fn}('${key}')`;
const PLAYWRIGHT = `'playwright${'-'}core'`;

function classify(files: Record<string, string>) {
  return Object.fromEntries(
    classifyTestFiles(
      Object.keys(files).filter((f) => f.endsWith('.test.ts')),
      (p) => files[p],
    ),
  );
}

describe('test projects', () => {
  describe('when a file uses nothing but its imports from src', () => {
    it('runs in unit', () => {
      expect(
        classify({
          'test/a/pure.test.ts': "import { plan } from '../../src/dispatch/routing.ts';",
        }),
      ).toEqual({ 'test/a/pure.test.ts': 'unit' });
    });
  });

  describe('when a file reads the servers, itself or through a helper two imports away', () => {
    it('runs in integration', () => {
      expect(
        classify({
          'test/a/direct.test.ts': `const url = ${reads('inject', 'redisUrl')};`,
          'test/a/helper.test.ts': "import { start } from './support.ts';",
          'test/a/support.ts': "import { startTestGateway } from '../fake/gateway.ts';",
          'test/fake/gateway.ts': `export const uri = () => ${reads('serviceUrl', 'mongoUrl')};`,
        }),
      ).toEqual({ 'test/a/direct.test.ts': 'integration', 'test/a/helper.test.ts': 'integration' });
    });
  });

  describe('when a file drives Chromium', () => {
    it('runs in browser, even when it also reads the servers', () => {
      expect(
        classify({
          'test/a/page.test.ts': [
            `import { chromium } from ${PLAYWRIGHT};`,
            "import { startTestGateway } from '../fake/gateway.ts';",
          ].join('\n'),
          'test/fake/gateway.ts': reads('serviceUrl', 'mongoUrl'),
        }),
      ).toEqual({ 'test/a/page.test.ts': 'browser' });
    });
  });

  describe('when helpers import each other in a cycle', () => {
    it('still ends, and sees what the cycle uses', () => {
      expect(
        classify({
          'test/a/x.test.ts': "import './x.ts';",
          'test/a/x.ts': "import './y.ts';",
          'test/a/y.ts': `import './x.ts';\n${reads('inject', 'mongoUrl')};`,
        }),
      ).toEqual({ 'test/a/x.test.ts': 'integration' });
    });
  });

  describe("when the project's own test folder is split", () => {
    const root = fileURLToPath(new URL('../../', import.meta.url));
    const projects = testProjects(root);

    it('puts each test file in exactly one project', () => {
      const all = [...projects.unit, ...projects.integration, ...projects.browser];
      expect(new Set(all).size).toBe(all.length);
      expect(all).toContain('test/setup/projects.test.ts');
    });

    it('keeps the gateway tests out of unit and this file in it', () => {
      expect(projects.unit).toContain('test/setup/projects.test.ts');
      expect(projects.integration).toContain('test/pool/tickets.test.ts');
      expect(projects.browser).toContain('test/channels/webchat/browser.test.ts');
    });
  });
});
