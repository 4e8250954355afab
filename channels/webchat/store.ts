import { Schema, type Connection } from 'mongoose';
import type { StoredFile, WebchatFileStore } from './ports.ts';

// The web chat channel's uploads, beside the pool's models on the same connection. Looked up by
// _id only (FerretDB 1.x pushes only _id equality down to its backend). Files are limited to a
// few MB by WEBCHAT_UPLOAD_MAX_BYTES, well under a document's 16 MB.
const webchatFileSchema = new Schema(
  {
    _id: { type: String },
    conversationId: { type: String, required: true },
    name: { type: String, required: true },
    contentType: { type: String, required: true },
    size: { type: Number, required: true },
    data: { type: Buffer, required: true },
  },
  { timestamps: true },
);

interface WebchatFileDoc {
  _id: string;
  conversationId: string;
  name: string;
  contentType: string;
  size: number;
  data: Buffer | { buffer: Uint8Array };
}

function createModels(connection: Connection) {
  return { WebchatFile: connection.model('WebchatFile', webchatFileSchema, 'webchat_files') };
}

const registered = new WeakMap<Connection, ReturnType<typeof createModels>>();

/** Registers the web chat's collections on the connection (once per connection). */
export function registerWebchatModels(connection: Connection): ReturnType<typeof createModels> {
  let models = registered.get(connection);
  if (!models) {
    models = createModels(connection);
    registered.set(connection, models);
  }
  return models;
}

/** The web chat's file storage on the pool's database (see ./ports.ts). */
export class PoolWebchatFileStore implements WebchatFileStore {
  private readonly models: ReturnType<typeof createModels>;

  constructor(connection: Connection) {
    this.models = registerWebchatModels(connection);
  }

  async save(file: StoredFile): Promise<void> {
    await this.models.WebchatFile.updateOne(
      { _id: file.id },
      {
        $setOnInsert: {
          conversationId: file.conversationId,
          name: file.name,
          contentType: file.contentType,
          size: file.size,
          data: file.data,
        },
      },
      { upsert: true },
    );
  }

  async get(id: string): Promise<StoredFile | undefined> {
    const doc = (await this.models.WebchatFile.findById(id).lean()) as WebchatFileDoc | null;
    if (!doc) return undefined;
    // lean() gives the driver's Binary; its `buffer` holds the bytes.
    const data = Buffer.isBuffer(doc.data) ? doc.data : Buffer.from(doc.data.buffer);
    return {
      id: doc._id,
      conversationId: doc.conversationId,
      name: doc.name,
      contentType: doc.contentType,
      size: doc.size,
      data,
    };
  }
}
