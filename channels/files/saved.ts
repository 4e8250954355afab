import type { InboundFileRecord } from '../../src/domain/ports.ts';

/**
 * What a message records of a kept file, in `channelData.attachments` (the shape email and web
 * chat use too): the store's id, and whether the content is there or why not. The desk and the
 * console build agents' links from it.
 */
export interface SavedFile {
  id: string;
  name: string;
  contentType: string;
  size: number;
  stored: boolean;
  notStoredReason?: string;
}

/** The saved-file entries of records the store kept under `ids` (same order). */
export function savedFiles(
  records: readonly InboundFileRecord[],
  ids: readonly string[],
): SavedFile[] {
  return records.map((record, i) => ({
    id: ids[i] ?? '',
    name: record.name,
    contentType: record.contentType,
    size: record.size,
    stored: record.content !== undefined,
    ...(record.notStored ? { notStoredReason: record.notStored.reason } : {}),
  }));
}
