import express from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { errorHandler } from '../../src/http/errors.ts';
import { FileLinks, FILE_LINKS_PATH, fileLinksRouter } from '../../src/http/file-links.ts';
import type { AttachmentMeta } from '../../src/pool/attachments.ts';
import { binaryBody } from '../support/binary-body.ts';

const ID = 'sms.MM0123.0';
const BYTES = Buffer.from('%PDF-1.4 the bytes');
const meta = {
  id: ID,
  name: 'Rechnung März.pdf',
  contentType: 'application/pdf',
} as AttachmentMeta;
const links = new FileLinks(Buffer.alloc(32, 7), 'https://support.example.test');
let now = new Date('2026-01-01T10:00:00Z');

const app = express();
app.use(
  FILE_LINKS_PATH,
  fileLinksRouter({
    links: () => Promise.resolve(links),
    attachments: {
      get: (id) => Promise.resolve(id === ID ? { meta, content: BYTES } : null),
    },
    now: () => now,
  }),
);
app.use(errorHandler(undefined));

/** The path and query of a link (supertest wants no origin). */
const pathOf = (link: string) => link.replace('https://support.example.test', '');

describe('file links', () => {
  describe('when the link is fresh', () => {
    it('serves the bytes as a download, never sniffed', async () => {
      now = new Date('2026-01-01T10:00:00Z');
      const link = links.linkFor(ID, 60, now);
      expect(link.startsWith('https://support.example.test/files/sms.MM0123.0?exp=')).toBe(true);
      const res = await request(app).get(pathOf(link)).buffer(true).parse(binaryBody);
      expect(res.status).toBe(200);
      expect((res.body as Buffer).equals(BYTES)).toBe(true);
      expect(res.headers['content-type']).toBe('application/pdf');
      expect(res.headers['content-disposition']).toMatch(
        /^attachment; filename="Rechnung M_rz\.pdf"/,
      );
      expect(res.headers['x-content-type-options']).toBe('nosniff');
    });
  });

  describe('when the link has expired', () => {
    it('answers 403', async () => {
      const link = links.linkFor(ID, 60, new Date('2026-01-01T10:00:00Z'));
      now = new Date('2026-01-01T10:01:00Z');
      const res = await request(app).get(pathOf(link));
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('SB_ERR_FORBIDDEN');
    });
  });

  describe('when the link is tampered with', () => {
    it('answers 403 for another id, a later expiry, a wrong key or no signature', async () => {
      now = new Date('2026-01-01T10:00:00Z');
      const link = new URL(links.linkFor(ID, 60, now));
      const other = new URL(link);
      other.pathname = `${FILE_LINKS_PATH}/sms.MM0123.1`;
      const later = new URL(link);
      later.searchParams.set('exp', String(Number(link.searchParams.get('exp')) + 3600));
      const foreign = new URL(
        new FileLinks(Buffer.alloc(32, 8), undefined).linkFor(ID, 60, now),
        link,
      );
      const unsigned = new URL(link);
      unsigned.searchParams.delete('sig');
      for (const url of [other, later, foreign, unsigned]) {
        const res = await request(app).get(`${url.pathname}${url.search}`);
        expect(res.status, url.href).toBe(403);
      }
    });
  });
});
