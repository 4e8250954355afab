import { describe, expect, it } from 'vitest';
import {
  fetchInboundFile,
  FileFetchRetryable,
  type FetchFileRequest,
} from '../../../channels/files/fetch-file.ts';
import { matchesType } from '../../../channels/files/sniff.ts';

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);

function request(fetch: typeof globalThis.fetch, overrides: Partial<FetchFileRequest> = {}) {
  return {
    url: 'https://files.example.test/a.png',
    name: 'a.png',
    declaredType: 'image/png',
    headers: { authorization: 'Bearer secret' },
    isAllowedUrl: (url: URL) => url.hostname.endsWith('example.test'),
    maxBytes: 1024,
    timeoutMs: 2000,
    fetch,
    ...overrides,
  } satisfies FetchFileRequest;
}

describe('fetchInboundFile', () => {
  describe('when the body never ends (no Content-Length)', () => {
    it('stops reading past the cap and refuses the file as too large', async () => {
      let pulled = 0;
      let cancelled = false;
      const endless = new ReadableStream<Uint8Array>({
        pull(controller) {
          pulled += 1;
          controller.enqueue(pulled === 1 ? PNG : new Uint8Array(256));
        },
        cancel() {
          cancelled = true;
        },
      });
      const record = await fetchInboundFile(
        request(() => Promise.resolve(new Response(endless, { status: 200 }))),
      );
      expect(record.content).toBeUndefined();
      expect(record.notStored?.reason).toBe('too-large');
      expect(cancelled).toBe(true);
      expect(pulled).toBeLessThan(10);
    });
  });

  describe('when the provider answers 503', () => {
    it('throws a retryable error', async () => {
      await expect(
        fetchInboundFile(request(() => Promise.resolve(new Response('busy', { status: 503 })))),
      ).rejects.toBeInstanceOf(FileFetchRetryable);
    });
  });

  describe('when a redirect leaves the provider origin', () => {
    it('does not send the credentials to the new origin', async () => {
      const seen: Array<{ url: string; auth: string | null }> = [];
      const record = await fetchInboundFile(
        request((input, init) => {
          const url = input instanceof URL ? input.href : JSON.stringify(input);
          seen.push({ url, auth: new Headers(init?.headers).get('authorization') });
          return Promise.resolve(
            url.startsWith('https://files.')
              ? new Response(null, {
                  status: 302,
                  headers: { location: 'https://cdn.example.test/a' },
                })
              : new Response(PNG, { status: 200, headers: { 'content-type': 'image/png' } }),
          );
        }),
      );
      expect(record.content?.equals(PNG)).toBe(true);
      expect(seen).toEqual([
        { url: 'https://files.example.test/a.png', auth: 'Bearer secret' },
        { url: 'https://cdn.example.test/a', auth: null },
      ]);
    });
  });

  describe('when the served type differs from the declared one', () => {
    it('refuses the file', async () => {
      const record = await fetchInboundFile(
        request(() =>
          Promise.resolve(
            new Response(PNG, { status: 200, headers: { 'content-type': 'text/html' } }),
          ),
        ),
      );
      expect(record.notStored?.reason).toBe('type-mismatch');
    });
  });
});

describe('matchesType', () => {
  it('takes UTF-8 text and refuses binary declared as text', () => {
    expect(matchesType('text/plain', Buffer.from('Grüße,\r\n\tline two'))).toBe(true);
    expect(matchesType('text/plain', Buffer.from([0x48, 0x00, 0x49]))).toBe(false);
    expect(matchesType('text/plain', Buffer.from([0xc3, 0x28]))).toBe(false);
  });

  it('knows the image and PDF signatures', () => {
    expect(matchesType('image/gif', Buffer.from('GIF89a...'))).toBe(true);
    expect(matchesType('image/webp', Buffer.from('RIFF\x10\x00\x00\x00WEBPVP8 '))).toBe(true);
    expect(matchesType('image/webp', Buffer.from('RIFF\x10\x00\x00\x00WAVEfmt '))).toBe(false);
    expect(matchesType('image/jpeg', Buffer.from([0xff, 0xd8, 0xff, 0xe0]))).toBe(true);
    expect(matchesType('application/pdf', Buffer.from('%!PS-Adobe'))).toBe(false);
  });
});
