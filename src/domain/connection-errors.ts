/**
 * Network error codes that mean the request never reached the provider: the connection was
 * refused, the name did not resolve, the host was unreachable or the connection could not be set
 * up in time. After one of these nothing can have been sent. Any other failure without the
 * provider's answer (a timeout while waiting for the response, a reset connection) may come after
 * the provider took the message, so the delivery is uncertain and is confirmed before a resend.
 */
const NEVER_CONNECTED = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  // undici: the TCP/TLS connection was not established within its connect timeout.
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** Whether this error code says the request never left for the provider. */
export function neverConnected(code: unknown): boolean {
  return typeof code === 'string' && NEVER_CONNECTED.has(code);
}
