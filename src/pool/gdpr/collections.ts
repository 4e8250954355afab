/**
 * The collections the pool's GDPR code (export.ts, erase.ts) covers itself: contacts, tickets,
 * messages and what hangs on them. Every other collection is a holder's (src/domain/personal-data.ts) or
 * is declared in NOT_PERSONAL_COLLECTIONS; test/admin/personal-data.test.ts keeps that true.
 */
export const POOL_PERSONAL_COLLECTIONS = [
  'contacts',
  'contact_identities',
  'tickets',
  'threads',
  'messages',
  'attachments',
  'suggestions',
  'ticket_notes',
  // Pairs of contacts that may be one person, with the identity that matched.
  'merge_suggestions',
  'audit_events',
  // Card and offer posts in Slack, deleted through the desk (GdprDeps.slack).
  'desk_posts',
] as const;

/** Collections that hold no customer's personal data, and why. */
export const NOT_PERSONAL_COLLECTIONS: Readonly<Record<string, string>> = {
  counters: 'ticket number sequences',
  articles: 'the knowledge base',
  article_drafts: 'unpublished edits of articles',
  article_revisions: 'earlier versions of articles',
  intent_models: 'trained models of the published articles',
  kb_retrain_reports: 'aggregate precision and self-service figures per retrain',
  integrations: 'API integrations: keys, callback URLs, secrets',
  teams: 'agent teams: names, skills, a Slack channel',
  agents: 'staff: agent records, edited through the admin API and the CLI',
  accounts: 'staff: console accounts, disabled and edited through the admin API',
  api_tokens: 'staff: console API tokens, revoked through the admin API',
  api_token_uses: 'staff: when each token was last used',
  sla_events: 'ticket ids and SLA timer events',
  sms_sends: 'our message id → Twilio MessageSid',
  sms_deliveries: 'Twilio MessageSid → delivery status',
  sms_suppression_key: "the key of the suppression list's hashes",
};
