import mongoose, { type Connection } from 'mongoose';
import { registerModels, type PoolModels } from './models.ts';

export interface PoolConnection {
  connection: Connection;
  models: PoolModels;
  close(): Promise<void>;
}

/**
 * Opens a connection of its own (not mongoose's global one) so that tests and processes can hold
 * several databases side by side, and builds every index the pipeline's queries need.
 */
export async function connectPool(
  uri: string,
  options: { dbName?: string } = {},
): Promise<PoolConnection> {
  const connection = mongoose.createConnection(uri, {
    ...(options.dbName === undefined ? {} : { dbName: options.dbName }),
    serverSelectionTimeoutMS: 10_000,
    // Writes must be acknowledged before a channel is told "accepted".
    writeConcern: { w: 'majority' },
    autoIndex: false,
  });
  await connection.asPromise();
  const models = registerModels(connection);
  await Promise.all(Object.values(models).map((model) => model.createIndexes()));
  return {
    connection,
    models,
    close: () => connection.close(),
  };
}
