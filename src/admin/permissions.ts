/**
 * Who may do what in the admin API: one table, read by the routers (`requirePermission`), the
 * documentation and the role tests, so an endpoint cannot exist without a rule.
 */
import type { AdminRole } from '../accounts/models.ts';

export const PERMISSIONS = {
  /** Read articles, search them, preview markdown, ask "try the bot", see the model status. */
  'kb.read': ['agent', 'supervisor', 'admin'],
  /** Create, edit, publish, unpublish and roll back articles. */
  'kb.write': ['admin'],
  /** Search and open tickets, list agents. */
  'tickets.read': ['agent', 'supervisor', 'admin'],
  /** Tag and resolve tickets. */
  'tickets.write': ['agent', 'supervisor', 'admin'],
  /** Reassign tickets to another agent. */
  'tickets.assign': ['supervisor', 'admin'],
  /** Set agents' languages, skills, capacity, role and status. */
  'agents.manage': ['supervisor', 'admin'],
  /** The service dashboard and its CSV exports. */
  'dashboard.read': ['supervisor', 'admin'],
  /** The unanswered and suggested-answers inboxes and the learning report. */
  'learning.read': ['supervisor', 'admin'],
  /** Approve or dismiss suggested answers (approving edits the knowledge base). */
  'learning.write': ['admin'],
  /** The audit log and its export. */
  'audit.read': ['admin'],
  /** Accounts and API tokens. */
  'accounts.manage': ['admin'],
  /** List the outbound messages that failed to reach their customer, and send one again. */
  'deliveries.resend': ['supervisor', 'admin'],
  /** Set a customer's tier, plan, company and custom fields. */
  'contacts.edit': ['supervisor', 'admin'],
  /** Find contacts, open a contact's page (identities, tickets on every channel), list merge suggestions. */
  'contacts.read': ['agent', 'supervisor', 'admin'],
  /** Merge and unmerge contacts; accept or dismiss merge suggestions. */
  'contacts.merge': ['supervisor', 'admin'],
  /** Export all of a contact's data, erase it (GDPR). */
  'contacts.gdpr': ['admin'],
} as const satisfies Record<string, readonly AdminRole[]>;

export type Permission = keyof typeof PERMISSIONS;

export function roleMay(role: AdminRole, permission: Permission): boolean {
  return (PERMISSIONS[permission] as readonly AdminRole[]).includes(role);
}
