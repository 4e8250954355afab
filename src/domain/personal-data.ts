/**
 * A holder of personal data: any store that keeps something about a contact beyond the pool's
 * tickets and messages (a channel's opt-outs, stored files, a transcript, a feature's records).
 * GDPR export and erasure loop over the registered holders, so a new store of personal data is
 * covered by registering, not by editing the GDPR code.
 */
export interface PersonalDataSubject {
  /** The contact's id, as a string. */
  contactId: string;
  /** Its identities (email, phone…), normalized as the pool keeps them. */
  identities: Array<{ kind: string; value: string }>;
  /** The ids of its tickets and messages, for stores keyed by those. */
  ticketIds: string[];
  messageIds: string[];
}

export interface PersonalDataHolder {
  /** A stable name, the export's section and the erasure report's key. */
  readonly name: string;
  /** What this holder keeps about the subject, as plain JSON. */
  export(subject: PersonalDataSubject): Promise<unknown>;
  /** Removes it; returns how many records went. */
  erase(subject: PersonalDataSubject): Promise<number>;
}
