/**
 * Fetches one file a customer sent through a provider (an MMS medium on Twilio, a Slack file) and
 * turns it into what the core's attachment store keeps (`InboundFileRecord`): the bytes when they
 * pass the checks, else metadata and why not. The URL comes from a webhook, so everything about
 * it is hostile: hosts are allow-listed (each redirect too), credentials go to the first origin
 * only, the body is read as a stream and abandoned past the cap, and the bytes must be what the
 * declared type says.
 */
import { createHash } from 'node:crypto';
import type { InboundFileRecord } from '../../src/domain/ports.ts';
import { baseType, isAllowedType, matchesType, SNIFF_BYTES } from './sniff.ts';

/** Why a file's content was not kept (the attachment's `notStoredReason`). */
export type NotStoredReason =
  'too-large' | 'type-not-allowed' | 'type-mismatch' | 'host-not-allowed' | 'download-failed';

/** A failure a later try may not have (network, timeout, 5xx, 429): the caller retries. */
export class FileFetchRetryable extends Error {
  override readonly name = 'FileFetchRetryable';
}

export interface FetchFileRequest {
  url: string;
  /** The file name to keep (the provider's, or one made from the URL). */
  name: string;
  /** The type the provider declared (Twilio's MediaContentType, Slack's mimetype). */
  declaredType: string;
  /** Sent to the URL's own origin only, never to a host it redirects to (a presigned CDN URL). */
  headers: Record<string, string>;
  /** Whether a URL (the first one and every redirect) may be fetched at all. */
  isAllowedUrl(url: URL): boolean;
  maxBytes: number;
  timeoutMs: number;
  fetch?: typeof fetch;
}

const MAX_REDIRECTS = 3;
/** What a not-stored record carries as its digest: the bytes were never all there. */
const NO_DIGEST = 'not-computed';

function refused(
  request: FetchFileRequest,
  size: number,
  reason: NotStoredReason,
  detail: string,
): InboundFileRecord {
  return {
    name: request.name,
    contentType: baseType(request.declaredType) || 'application/octet-stream',
    size,
    sha256: NO_DIGEST,
    content: undefined,
    notStored: { reason, detail: detail.slice(0, 500) },
  };
}

function parseUrl(value: string, base?: URL): URL | undefined {
  try {
    return new URL(value, base);
  } catch {
    return undefined;
  }
}

/** Follows redirects by hand, checking every hop's host; the final response, or a refusal. */
async function open(
  request: FetchFileRequest,
  signal: AbortSignal,
): Promise<Response | InboundFileRecord> {
  const doFetch = request.fetch ?? fetch;
  const first = parseUrl(request.url);
  if (!first || !request.isAllowedUrl(first))
    return refused(request, 0, 'host-not-allowed', `not a URL of the provider: ${request.url}`);
  let url = first;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop += 1) {
    let response: Response;
    try {
      response = await doFetch(url, {
        redirect: 'manual',
        signal,
        headers: url.origin === first.origin ? request.headers : {},
      });
    } catch (error) {
      throw new FileFetchRetryable(`fetching ${url.origin}: ${String(error)}`, { cause: error });
    }
    if (response.status >= 300 && response.status < 400) {
      await response.body?.cancel();
      const next = parseUrl(response.headers.get('location') ?? '', url);
      if (!next || !request.isAllowedUrl(next))
        return refused(request, 0, 'host-not-allowed', `redirect to ${next?.origin ?? 'nowhere'}`);
      url = next;
      continue;
    }
    if (response.status === 429 || response.status >= 500) {
      await response.body?.cancel();
      throw new FileFetchRetryable(`${url.origin} answered ${response.status}`);
    }
    if (response.status !== 200) {
      await response.body?.cancel();
      return refused(request, 0, 'download-failed', `HTTP ${response.status}`);
    }
    return response;
  }
  return refused(request, 0, 'download-failed', `more than ${MAX_REDIRECTS} redirects`);
}

/** Reads the body up to `maxBytes`; undefined (the stream cancelled) once it goes past. */
async function readCapped(response: Response, maxBytes: number): Promise<Buffer | undefined> {
  const reader = response.body?.getReader();
  if (!reader) return Buffer.alloc(0);
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return Buffer.concat(chunks, total);
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
}

/**
 * Fetches a file within the limits: the record to store (content set) or, for a file refused
 * (too large, a type not allowed, bytes that are not the declared type, a host not allowed, a
 * permanent HTTP error), its metadata and why. Throws FileFetchRetryable when trying again later
 * may work.
 */
export async function fetchInboundFile(request: FetchFileRequest): Promise<InboundFileRecord> {
  const type = baseType(request.declaredType);
  if (!isAllowedType(type)) return refused(request, 0, 'type-not-allowed', type || 'no type');
  const signal = AbortSignal.timeout(request.timeoutMs);
  try {
    const opened = await open(request, signal);
    if (!(opened instanceof Response)) return opened;
    const declaredLength = Number(opened.headers.get('content-length') ?? NaN);
    if (declaredLength > request.maxBytes) {
      await opened.body?.cancel();
      return refused(
        request,
        declaredLength,
        'too-large',
        `${declaredLength} bytes, limit ${request.maxBytes}`,
      );
    }
    const served = baseType(opened.headers.get('content-type') ?? '');
    if (served !== '' && served !== 'application/octet-stream' && served !== type) {
      await opened.body?.cancel();
      return refused(request, 0, 'type-mismatch', `declared ${type}, served ${served}`);
    }
    const content = await readCapped(opened, request.maxBytes);
    if (content === undefined)
      return refused(request, request.maxBytes + 1, 'too-large', `over ${request.maxBytes} bytes`);
    if (!matchesType(type, content.subarray(0, SNIFF_BYTES)))
      return refused(request, content.length, 'type-mismatch', `the bytes are not ${type}`);
    return {
      name: request.name,
      contentType: type,
      size: content.length,
      sha256: createHash('sha256').update(content).digest('hex'),
      content,
    };
  } catch (error) {
    if (error instanceof FileFetchRetryable) throw error;
    // A timeout or a connection cut mid-body: the next try may get it whole.
    throw new FileFetchRetryable(`reading ${request.name}: ${String(error)}`, { cause: error });
  }
}

/** The record of a file whose every try failed: kept as metadata, so the message still goes on. */
export function gaveUp(request: FetchFileRequest, error: unknown): InboundFileRecord {
  return refused(request, 0, 'download-failed', String(error));
}
