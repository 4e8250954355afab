/**
 * GDPR tools for one contact: find, export everything stored about them, and erase their personal
 * data while keeping the aggregate statistics (tickets keep status, channel, times and urgency).
 *
 * FerretDB 1.x has no transactions: erasure is a sequence of idempotent writes under the
 * contact's lock, so a half-done erasure is finished by running it again. Reads that would scan
 * large collections (audit events, queued jobs) are bounded and say so when the bound was hit.
 */
export { NOT_PERSONAL_COLLECTIONS, POOL_PERSONAL_COLLECTIONS } from './gdpr/collections.ts';
export {
  eraseContact,
  GDPR_JOB_SCAN_MAX,
  type ErasureCounts,
  type GdprDeps,
} from './gdpr/erase.ts';
export { exportContact } from './gdpr/export.ts';
export { ERASED, GDPR_AUDIT_SCAN_MAX, scrub } from './gdpr/footprint.ts';
export { CONTACT_SEARCH_LIMIT, searchContacts, type ContactSummary } from './gdpr/search.ts';
