/** The mailbox of the EMAIL_* variables. */
export const DEFAULT_MAILBOX = 'default';

/**
 * A mail's key (its Message-ID, or `h<hash>`) scoped to the mailbox it arrived in: the idempotency
 * key, thread key and Message-ID lookup key. The same mail sent to two of our mailboxes must give
 * two keys, or the second copy would count as a duplicate of the first.
 *
 * The `default` mailbox keeps the bare key (as with one mailbox); other mailboxes put
 * `<mailbox id>/` in front. Mailbox ids never contain `/`, and a default-mailbox key that contains
 * a `/` itself gets `default/` in front, so the mapping is one-to-one: two different
 * (mailbox, key) pairs never give the same scoped key, whatever a sender puts in a Message-ID.
 */
export function scopedKey(mailboxId: string, key: string): string {
  return mailboxId === DEFAULT_MAILBOX && !key.includes('/') ? key : `${mailboxId}/${key}`;
}

/** The inverse of scopedKey: which mailbox and which bare key. */
export function unscopeKey(scoped: string): { mailboxId: string; key: string } {
  const slash = scoped.indexOf('/');
  return slash < 0
    ? { mailboxId: DEFAULT_MAILBOX, key: scoped }
    : { mailboxId: scoped.slice(0, slash), key: scoped.slice(slash + 1) };
}
