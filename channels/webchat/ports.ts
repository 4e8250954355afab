/** A file a visitor uploaded into a conversation. */
export interface StoredFile {
  /** Random, unguessable: the file's URL is its only key. */
  id: string;
  conversationId: string;
  name: string;
  contentType: string;
  size: number;
  data: Buffer;
}

/**
 * Where uploaded files are kept, shared by every process (the ticket pool's MongoDB; see
 * src/pool/webchat-store.ts). The channel knows this interface only.
 */
export interface WebchatFileStore {
  /** Stores a file; storing the same id again changes nothing. */
  save(file: StoredFile): Promise<void>;
  get(id: string): Promise<StoredFile | undefined>;
}
