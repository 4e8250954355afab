/**
 * IMAP round trips by the batch (issue 21): a scan asks for the envelopes of up to BATCH_MAILS
 * mails in one FETCH, their sources in one FETCH per BATCH_BYTES of mail, and marks those it
 * handled in one STORE (or MOVE), instead of three commands per mail. imapflow's fetch is an
 * iterator over one command's responses, and no other command may run on the connection until it
 * ends: each batch is read whole first, then handled.
 */
import type { FetchMessageObject, FetchQueryObject, ImapFlow } from 'imapflow';

/** Mails whose envelopes one FETCH asks for. */
export const BATCH_MAILS = 50;
/** The most bytes of mail sources one FETCH brings (a single larger mail comes on its own). */
export const BATCH_BYTES = 32 * 1024 * 1024;

/** One FETCH of these UIDs; what the server answered, by UID (a UID expunged meanwhile is absent). */
export async function fetchByUid(
  client: ImapFlow,
  uids: readonly number[],
  query: FetchQueryObject,
): Promise<Map<number, FetchMessageObject>> {
  const found = new Map<number, FetchMessageObject>();
  if (uids.length === 0) return found;
  for await (const message of client.fetch(uids.join(','), { ...query, uid: true }, { uid: true }))
    found.set(message.uid, message);
  return found;
}

/**
 * Consecutive runs of mails (in the given order) whose downloaded sizes add up to at most
 * `maxBytes` (one heavier item makes a run of its own); an item of size 0 is always taken.
 */
export function byteRuns<T>(
  items: readonly T[],
  size: (item: T) => number,
  maxBytes: number,
): T[][] {
  const runs: T[][] = [];
  let run: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const weight = size(item);
    if (run.length > 0 && bytes + weight > maxBytes) {
      runs.push(run);
      run = [];
      bytes = 0;
    }
    run.push(item);
    bytes += weight;
  }
  if (run.length > 0) runs.push(run);
  return runs;
}

/**
 * The key of a mail known only by its envelope (too large to download): its Message-ID, else a
 * digest of sender, subject, date and size, stable across re-scans.
 */
export function envelopeKey(meta: FetchMessageObject, digest: (text: string) => string): string {
  const envelope = meta.envelope;
  if (envelope?.messageId) return envelope.messageId.replace(/^<|>$/g, '');
  const parts = [
    envelope?.from?.[0]?.address ?? '',
    envelope?.subject ?? '',
    String(envelope?.date ?? ''),
    String(meta.size),
  ];
  return `h${digest(parts.join('\n'))}`;
}
