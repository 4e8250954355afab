/**
 * Every message in test/fixtures/mail/ (written for the project, one shape of real-world mail
 * each): parseEmail never throws, is fast, and reads what the manifest below expects. Then the
 * same messages cut short and with bytes flipped, from a fixed seed: still no throw, still fast.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseEmail, type ParsedEmail } from '../../../channels/email/parse.ts';

const DIR = new URL('../../fixtures/mail/', import.meta.url);
const FILES = readdirSync(DIR)
  .filter((name) => name.endsWith('.eml'))
  .sort();

interface Expectation {
  /** Whether the mail is recorded as automated (never answered). */
  automated: boolean;
  /** A piece of the body text, or '' when the body is expected to be empty. */
  body: string;
  attachments: number;
  /** The sender's address; undefined when no From can be read. */
  from: string | undefined;
}

const MANIFEST: Record<string, Expectation> = {
  // An HTML body with an invalid Content-Disposition: mailparser dropped it whole (issue 22 item 1).
  'html-invalid-disposition.eml': {
    automated: false,
    body: 'My parcel arrived broken, please send a new one',
    attachments: 0,
    from: 'ann@customers.example',
  },
  'html-disposition-missing-semicolon.eml': {
    automated: false,
    body: 'The invoice shows the wrong address',
    attachments: 0,
    from: 'bo@customers.example',
  },
  'digest-explicit-rfc822.eml': {
    automated: false,
    body: 'I moved; can the parcel go to my new address?',
    attachments: 2,
    from: 'list-digest@lists.example',
  },
  'digest-implicit-parts.eml': {
    automated: false,
    body: 'both want a callback before Friday',
    attachments: 2,
    from: 'digest@shop-partner.example',
  },
  'from-encoded-word-folded.eml': {
    automated: false,
    body: 'hello',
    attachments: 0,
    from: 'rene@example.test',
  },
  'from-group.eml': { automated: false, body: 'hello', attachments: 0, from: 'ada@example.test' },
  'from-malformed.eml': { automated: false, body: 'hello', attachments: 0, from: undefined },
  'from-name-in-comment.eml': {
    automated: false,
    body: 'we bought one',
    attachments: 0,
    from: 'jdoe@machine.example',
  },
  'from-obsolete-dotted-local.eml': {
    automated: false,
    body: 'has expired',
    attachments: 0,
    from: 'john.q.public@example.com',
  },
  'from-obsolete-spacing.eml': {
    automated: false,
    body: 'just to say hello',
    attachments: 0,
    from: 'jdoe@machine.example',
  },
  'from-quoted-local-part.eml': {
    automated: false,
    body: 'change my plan',
    attachments: 0,
    from: 'j.doe@machine.example',
  },
  'from-quoted-local-with-space.eml': {
    automated: false,
    body: 'cancel order 1207',
    attachments: 0,
    from: '"john doe"@example.com',
  },
  'from-route-and-comments.eml': {
    automated: false,
    body: 'refund',
    attachments: 0,
    from: 'pete@silly.test',
  },
  'raw-cp1252-headers-utf8-body.eml': {
    automated: false,
    body: 'résumé fails',
    attachments: 0,
    from: 'zoe@example.test',
  },
  'raw-koi8r-headers-multipart.eml': {
    automated: false,
    body: 'Где мой заказ 1042?',
    attachments: 0,
    from: 'ivan@example.test',
  },
  'raw-latin1-headers.eml': {
    automated: false,
    body: 'le café commandé est arrivé froid',
    attachments: 0,
    from: 'rene@example.test',
  },
  'raw-utf8-headers.eml': {
    automated: false,
    body: 'Bitte die Größe ändern.',
    attachments: 0,
    from: 'juergen@example.test',
  },
};

const PARSE_MS = 50;
const MANGLED_PARSE_MS = 200;
const MUTANTS = 30;

/** A small seeded generator (mulberry32): the same mangled copies on every run. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The parse's CPU time in this process (user + system), not the wall clock: a busy machine (CI
 * beside other work) stretches the wall time, while a parse that is not linear costs CPU anyway.
 */
async function timed(source: Buffer): Promise<{ mail: ParsedEmail; ms: number }> {
  const started = process.cpuUsage();
  const mail = await parseEmail(source);
  const used = process.cpuUsage(started);
  return { mail, ms: (used.user + used.system) / 1000 };
}

describe('the mail fixtures', () => {
  beforeAll(async () => {
    // The first parse loads and compiles mailparser and html-to-text; that is not a mail's cost.
    await parseEmail(Buffer.from('From: warm@up.test\r\nSubject: warm up\r\n\r\n<p>hi</p>\r\n'));
  });

  it('are all in the manifest, and the manifest names no missing file', () => {
    expect(FILES.length).toBeGreaterThan(0);
    expect(FILES).toEqual(Object.keys(MANIFEST).sort());
  });

  it.each(FILES)(
    '%s parses fast, without throwing, into what the manifest expects',
    async (name) => {
      const { mail, ms } = await timed(readFileSync(new URL(name, DIR)));
      const expected = MANIFEST[name];
      expect(expected).toBeDefined();
      if (expected === undefined) return;
      expect(ms).toBeLessThan(PARSE_MS);
      expect(mail.loop !== undefined).toBe(expected.automated);
      expect(mail.text).toContain(expected.body);
      expect(mail.attachments).toHaveLength(expected.attachments);
      expect(mail.from?.address).toBe(expected.from);
    },
  );

  it.each(FILES.map((name, index) => [name, index] as const))(
    '%s cut short and with flipped bytes still parses without throwing, fast',
    async (name, index) => {
      const source = readFileSync(new URL(name, DIR));
      const next = random(0x22_0000 + index);
      const mutants: Buffer[] = [];
      for (let i = 0; i < MUTANTS; i += 1) {
        mutants.push(source.subarray(0, Math.floor(next() * source.length)));
      }
      for (let i = 0; i < MUTANTS; i += 1) {
        const flipped = Buffer.from(source);
        const at = Math.floor(next() * flipped.length);
        flipped[at] = (flipped[at] ?? 0) ^ (1 + Math.floor(next() * 255));
        mutants.push(flipped);
      }
      for (const mutant of mutants) {
        const { ms } = await timed(mutant);
        expect(ms, `${name}: ${mutant.length} bytes`).toBeLessThan(MANGLED_PARSE_MS);
      }
    },
  );
});
