/**
 * Is this error a backing store (MongoDB or Redis) being unreachable, by the drivers' error names
 * and messages? Such errors are transient: requests answer 503, workers retry, and a background
 * call that fails with one must not bring a process down.
 */
export function isStoreUnreachable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { name, message } = error as { name?: unknown; message?: unknown };
  const errorName = typeof name === 'string' ? name : '';
  return (
    /^Mongo(ServerSelection|Network|NetworkTimeout|NotConnected|TopologyClosed)Error$/.test(
      errorName,
    ) ||
    errorName === 'MaxRetriesPerRequestError' ||
    /Connection is closed|ECONNREFUSED|ECONNRESET/.test(String(message))
  );
}
