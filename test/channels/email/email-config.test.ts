import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { loadEmailConfig } from '../../../channels/email/config.ts';
import { scopedKey, unscopeKey } from '../../../channels/email/keys.ts';
import { isSwitchboardError } from '../../../src/domain/errors.ts';

const dir = mkdtempSync(join(tmpdir(), 'sb-email-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const env: NodeJS.ProcessEnv = {
  EMAIL_IMAP_HOST: 'imap.example.test',
  EMAIL_IMAP_USER: 'support',
  EMAIL_IMAP_PASSWORD: 'pw',
  EMAIL_SMTP_HOST: 'smtp.example.test',
  EMAIL_SMTP_USER: 'support-smtp',
  EMAIL_SMTP_PASSWORD: 'smtp-pw',
  EMAIL_ADDRESS: 'support@example.test',
  EMAIL_REPLY_RATE_PER_HOUR: '3',
};

function billing(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'billing',
    address: 'billing@example.test',
    imap: { host: 'imap.billing.test', user: 'billing', password: 'b-pw' },
    smtp: { host: 'smtp.billing.test' },
    ...overrides,
  };
}

let files = 0;
function file(content: unknown, ext = 'yml'): string {
  files += 1;
  const path = join(dir, `mailboxes-${files}.${ext}`);
  writeFileSync(
    path,
    typeof content === 'string'
      ? content
      : ext === 'json'
        ? JSON.stringify(content)
        : stringify(content),
  );
  return path;
}

/** The SB_ERR_CONFIG thrown by loading, or a failure when nothing (or something else) is thrown. */
function configError(extra: NodeJS.ProcessEnv): { message: string; field: string | undefined } {
  try {
    loadEmailConfig({ ...env, ...extra });
  } catch (error) {
    if (isSwitchboardError(error) && error.code === 'SB_ERR_CONFIG') {
      return { message: error.message, field: error.field };
    }
    throw error;
  }
  throw new Error('expected SB_ERR_CONFIG, the configuration loaded');
}

describe('email config', () => {
  describe('when only the EMAIL_* variables are set', () => {
    it('is one mailbox, "default", with the attachment limit at 5 MB', () => {
      const config = loadEmailConfig(env);
      expect(config?.mailboxes.map((m) => m.id)).toEqual(['default']);
      expect(config?.mailboxes[0]?.config.EMAIL_ADDRESS).toBe('support@example.test');
      expect(config?.EMAIL_ATTACHMENT_MAX_BYTES).toBe(5 * 1024 * 1024);
    });
  });

  describe('when EMAIL_MAILBOXES_FILE lists more mailboxes', () => {
    it('adds each with its own settings, the defaults, and the shared EMAIL_* settings', () => {
      const path = file({
        mailboxes: [
          billing({ fromName: 'Billing', processed: { mode: 'move', folder: 'Done' } }),
          {
            id: 'sales-eu',
            address: 'sales@example.eu',
            imap: {
              host: 'imap.example.eu',
              port: 143,
              tls: 'starttls',
              user: 'sales',
              passwordEnv: 'SALES_PW',
              folder: 'Support',
            },
            smtp: {
              host: 'smtp.example.eu',
              port: 465,
              tls: 'implicit',
              user: 'sales',
              password: 's',
            },
          },
        ],
      });
      const config = loadEmailConfig({ ...env, EMAIL_MAILBOXES_FILE: path, SALES_PW: 'from-env' });
      expect(config?.mailboxes.map((m) => m.id)).toEqual(['default', 'billing', 'sales-eu']);
      const [, bill, sales] = config!.mailboxes;
      expect(bill?.config).toMatchObject({
        EMAIL_IMAP_HOST: 'imap.billing.test',
        EMAIL_IMAP_PORT: 993,
        EMAIL_IMAP_TLS: 'implicit',
        EMAIL_IMAP_MAILBOX: 'INBOX',
        EMAIL_SMTP_PORT: 587,
        EMAIL_ADDRESS: 'billing@example.test',
        EMAIL_FROM_NAME: 'Billing',
        EMAIL_PROCESSED_MODE: 'move',
        EMAIL_PROCESSED_FOLDER: 'Done',
        // Shared settings come from EMAIL_*.
        EMAIL_REPLY_RATE_PER_HOUR: 3,
      });
      // The EMAIL_* mailbox's SMTP login is not lent to another mailbox.
      expect(bill?.config.EMAIL_SMTP_USER).toBeUndefined();
      expect(bill?.config.EMAIL_SMTP_PASSWORD).toBeUndefined();
      expect(sales?.config).toMatchObject({
        EMAIL_IMAP_PORT: 143,
        EMAIL_IMAP_TLS: 'starttls',
        EMAIL_IMAP_PASSWORD: 'from-env',
        EMAIL_IMAP_MAILBOX: 'Support',
        EMAIL_SMTP_TLS: 'implicit',
        EMAIL_SMTP_USER: 'sales',
        EMAIL_FROM_NAME: 'Support',
      });
    });

    it('reads a JSON file the same way', () => {
      const path = file({ mailboxes: [billing()] }, 'json');
      const config = loadEmailConfig({ ...env, EMAIL_MAILBOXES_FILE: path });
      expect(config?.mailboxes.map((m) => m.id)).toEqual(['default', 'billing']);
    });
  });

  describe('when a mailbox entry is wrong', () => {
    it.each([
      [
        'a bad port',
        billing({ imap: { host: 'h', user: 'u', password: 'p', port: 99999 } }),
        'mailboxes[0].imap.port',
      ],
      ['a misspelt key', billing({ smtp: { host: 'h', prot: 'lmtp' } }), 'mailboxes[0].smtp'],
      ['a bad TLS mode', billing({ smtp: { host: 'h', tls: 'maybe' } }), 'mailboxes[0].smtp.tls'],
      ['no address', billing({ address: undefined }), 'mailboxes[0].address'],
      ['an invalid address', billing({ address: 'billing' }), 'mailboxes[0].address'],
      ['the reserved id', billing({ id: 'default' }), 'mailboxes[0].id'],
      ['an id with a slash', billing({ id: 'a/b' }), 'mailboxes[0].id'],
      [
        'no IMAP password',
        billing({ imap: { host: 'h', user: 'u' } }),
        'mailboxes[0].imap.password',
      ],
      [
        'both password and passwordEnv',
        billing({ imap: { host: 'h', user: 'u', password: 'p', passwordEnv: 'X' } }),
        'mailboxes[0].imap.password',
      ],
      [
        'an unset passwordEnv',
        billing({ imap: { host: 'h', user: 'u', passwordEnv: 'NOT_SET_ANYWHERE' } }),
        'mailboxes[0].imap.passwordEnv',
      ],
    ])('throws SB_ERR_CONFIG naming the field for %s', (_what, entry, field) => {
      const error = configError({ EMAIL_MAILBOXES_FILE: file({ mailboxes: [entry] }) });
      expect(error.field).toBe(`EMAIL_MAILBOXES_FILE:${field}`);
      expect(error.message).toContain(`EMAIL_MAILBOXES_FILE`);
      expect(error.message).toContain(field);
    });

    it('refuses two mailboxes with one id, one IMAP folder or one address', () => {
      expect(
        configError({ EMAIL_MAILBOXES_FILE: file({ mailboxes: [billing(), billing()] }) }).field,
      ).toBe('EMAIL_MAILBOXES_FILE:mailboxes[1].id');
      // Two pollers on one folder would take every mail twice.
      const sameFolder = billing({
        id: 'other',
        address: 'other@example.test',
        imap: { host: 'IMAP.example.test', user: 'support', password: 'p' },
      });
      const folder = configError({ EMAIL_MAILBOXES_FILE: file({ mailboxes: [sameFolder] }) });
      expect(folder.field).toBe('EMAIL_MAILBOXES_FILE:mailboxes[0].imap');
      expect(folder.message).toContain('"default"');
      const sameAddress = billing({ address: 'SUPPORT@example.test' });
      expect(configError({ EMAIL_MAILBOXES_FILE: file({ mailboxes: [sameAddress] }) }).field).toBe(
        'EMAIL_MAILBOXES_FILE:mailboxes[0].address',
      );
    });
  });

  describe('when the file itself is wrong', () => {
    it('names a missing file, bad YAML, an empty list and a file without EMAIL_IMAP_HOST', () => {
      expect(configError({ EMAIL_MAILBOXES_FILE: join(dir, 'nope.yml') }).message).toMatch(
        /cannot read .*nope\.yml/,
      );
      expect(
        configError({ EMAIL_MAILBOXES_FILE: file('mailboxes: [\n  - id: x\n') }).message,
      ).toMatch(/not valid YAML/);
      expect(configError({ EMAIL_MAILBOXES_FILE: file({ mailboxes: [] }) }).field).toBe(
        'EMAIL_MAILBOXES_FILE:mailboxes',
      );
      expect(configError({ EMAIL_MAILBOXES_FILE: file([billing()]) }).message).toContain(
        'EMAIL_MAILBOXES_FILE',
      );
      const path = file({ mailboxes: [billing()] });
      expect(() => loadEmailConfig({ EMAIL_MAILBOXES_FILE: path })).toThrow(/EMAIL_IMAP_HOST/);
    });
  });

  describe('when EMAIL_ATTACHMENT_MAX_BYTES is out of range', () => {
    it('names the variable', () => {
      expect(configError({ EMAIL_ATTACHMENT_MAX_BYTES: String(16 * 1024 * 1024) }).field).toBe(
        'EMAIL_ATTACHMENT_MAX_BYTES',
      );
      expect(configError({ EMAIL_ATTACHMENT_MAX_BYTES: '-1' }).field).toBe(
        'EMAIL_ATTACHMENT_MAX_BYTES',
      );
      expect(
        loadEmailConfig({ ...env, EMAIL_ATTACHMENT_MAX_BYTES: '0' })?.EMAIL_ATTACHMENT_MAX_BYTES,
      ).toBe(0);
    });
  });
});

describe('email mailbox keys', () => {
  it('keeps default keys bare and never maps two (mailbox, key) pairs to one key', () => {
    expect(scopedKey('default', 'abc@x.test')).toBe('abc@x.test');
    expect(scopedKey('billing', 'abc@x.test')).toBe('billing/abc@x.test');
    // A default-mailbox Message-ID that looks like another mailbox's scoped key stays apart.
    expect(scopedKey('default', 'billing/abc@x.test')).toBe('default/billing/abc@x.test');
    const pairs: Array<[string, string]> = [];
    for (const mailbox of ['default', 'billing', 'b']) {
      for (const key of ['abc@x.test', 'billing/abc@x.test', 'default/abc@x.test', 'h0123', 'b/']) {
        pairs.push([mailbox, key]);
      }
    }
    const scoped = pairs.map(([mailbox, key]) => scopedKey(mailbox, key));
    expect(new Set(scoped).size).toBe(pairs.length);
    expect(scoped.map(unscopeKey)).toEqual(pairs.map(([mailboxId, key]) => ({ mailboxId, key })));
  });
});
