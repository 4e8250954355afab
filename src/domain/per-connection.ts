import type { Connection } from 'mongoose';

/**
 * `build` run once per database connection, its result kept for that connection: how each store
 * registers its models beside the pool's (mongoose refuses a model registered twice on one
 * connection, and tests hold several connections side by side).
 */
export function perConnection<T>(
  build: (connection: Connection) => T,
): (connection: Connection) => T {
  const built = new WeakMap<Connection, T>();
  return (connection) => {
    let value = built.get(connection);
    if (value === undefined) {
      value = build(connection);
      built.set(connection, value);
    }
    return value;
  };
}
