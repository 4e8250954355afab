/**
 * The contact page and merges in the admin API: one contact with everything merged into it,
 * merge and unmerge (audited as `contact.merged` and `contact.unmerged`), and the merge
 * suggestions the linking code files for agents (accept = merge, or dismiss). Mounted by
 * contactsRouter (contacts.ts), whose operation list includes these.
 */
import type { RequestHandler } from 'express';
import { Types } from 'mongoose';
import { z } from 'zod';
import { recordAudit } from '../../pool/audit.ts';
import { acceptSuggestion, mergeContacts, unmergeContact } from '../../pool/contact-merge.ts';
import { contactPage, contactsById } from '../../pool/contact-page.ts';
import {
  dismissSuggestion,
  listSuggestions,
  MERGE_REASONS,
  MERGE_SUGGESTION_STATUSES,
  SUGGESTION_PAGE_MAX,
  suggestionViews,
} from '../../pool/merge-suggestions.ts';
import { principalOf } from '../auth.ts';
import type { AdminDeps } from '../deps.ts';
import { Timestamp } from '../openapi/schemas.ts';
import { json, type AdminOperation, type TicketsApiOperation } from '../routes.ts';
import { ObjectIdParams, ObjectIdText, pathParams } from './params.ts';

/** `:id` of a merge suggestion: `<contact id>.<contact id>`. */
export const SuggestionParams = z.object({
  id: z.string().regex(/^[0-9a-f]{24}\.[0-9a-f]{24}$/, 'two contact ids joined by a dot'),
});

/** `POST /contacts/:id/merge`: the contact to merge into `:id`. */
export const MergeSchema = z.object({ from: ObjectIdText }).strict();

/** `GET /merge-suggestions`. */
export const SuggestionQuery = z.object({
  status: z.enum(MERGE_SUGGESTION_STATUSES).default('open'),
  limit: z.coerce.number().int().min(1).max(SUGGESTION_PAGE_MAX).default(25),
  offset: z.coerce.number().int().min(0).max(100_000).default(0),
});

/** `POST /merge-suggestions/:id/accept`: the contact to keep (default: the older one). */
export const AcceptSchema = z.object({ into: ObjectIdText.optional() }).strict();

const Identity = z.object({
  kind: z.string(),
  value: z.string(),
  verified: z.boolean().nullable(),
});
/** What every contact the page and the suggestions show has. */
const ContactHead = z.object({
  id: z.string(),
  name: z.string().nullable(),
  identities: z.array(Identity),
});
const SuggestedContact = ContactHead.extend({ mergedInto: z.string().nullable() });
const Suggestion = z.object({
  id: z.string(),
  reason: z.enum(MERGE_REASONS),
  status: z.enum(MERGE_SUGGESTION_STATUSES),
  identity: z.object({ kind: z.string(), value: z.string() }),
  seen: z.number().int(),
  contacts: z.array(SuggestedContact),
  decidedBy: z.string().nullable(),
  decidedAt: Timestamp.nullable(),
  createdAt: Timestamp.nullable(),
  updatedAt: Timestamp.nullable(),
});
const MergeOutcome = z.object({
  survivorId: z.string(),
  mergedId: z.string(),
  identities: z.array(z.string()).meta({ description: '`<kind>:<value>` of the links moved' }),
  ticketIds: z.array(z.string()),
});
const ContactPage = z.object({
  contact: ContactHead.extend({
    attributes: z.record(z.string(), z.unknown()),
    mergedInto: z.string().nullable(),
    createdAt: Timestamp.nullable(),
  }),
  mergedFrom: z.array(
    ContactHead.extend({
      mergedAt: Timestamp.nullable(),
      mergedBy: z.string().nullable(),
      canUnmerge: z.boolean(),
    }),
  ),
  tickets: z.array(
    z.object({
      id: z.string(),
      number: z.number().int(),
      channel: z.string(),
      status: z.string(),
      subject: z.string().nullable(),
      preview: z.string().nullable(),
      createdAt: Timestamp.nullable(),
      mergedFrom: z.string().nullable(),
    }),
  ),
  ticketsTruncated: z.boolean(),
  suggestions: z.array(Suggestion),
});

export const MERGES = {
  page: {
    method: 'get',
    path: '/contacts/:id',
    tag: 'contacts',
    summary: 'A contact with everything merged into it',
    description:
      'Identities (verified or not), attributes, the contacts merged into it, the tickets of all of them on every channel (newest first, at most 200) and its open merge suggestions.',
    permission: 'contacts.read',
    params: ObjectIdParams,
    response: json(ContactPage, 'The contact page.'),
  },
  merge: {
    method: 'post',
    path: '/contacts/:id/merge',
    tag: 'contacts',
    summary: 'Merge another contact into this one',
    description:
      "`from`'s identity links and tickets (with their messages) move to `:id`; what moved is recorded on `from`, so an unmerge gives it back. Merging the same pair again finishes a half-done merge. Audited as `contact.merged`.",
    permission: 'contacts.merge',
    params: ObjectIdParams,
    body: MergeSchema,
    response: json(MergeOutcome, 'What moved.'),
    also: [409],
  },
  unmerge: {
    method: 'post',
    path: '/contacts/:id/unmerge',
    tag: 'contacts',
    summary: 'Undo the merge of this contact into another',
    description:
      "Gives `:id` back the identity links and tickets its merge moved, takes the identities it added off the survivor and removes `mergedInto`; the pair's suggestion becomes dismissed. 409 when `:id` is not merged, or its survivor was merged since (undo that first). Audited as `contact.unmerged`.",
    permission: 'contacts.merge',
    params: ObjectIdParams,
    bodyOptional: true,
    body: z.object({}).strict(),
    response: json(MergeOutcome, 'What was given back.'),
    also: [409],
  },
  suggestions: {
    method: 'get',
    path: '/merge-suggestions',
    tag: 'contacts',
    summary: 'Merge suggestions',
    description:
      'Pairs of contacts that may be one person (an unverified identity matched another contact), most recently seen first. `status` defaults to `open`.',
    permission: 'contacts.read',
    query: SuggestionQuery,
    response: json(
      z.object({ total: z.number().int(), suggestions: z.array(Suggestion) }),
      'One page of suggestions.',
    ),
  },
  accept: {
    method: 'post',
    path: '/merge-suggestions/:id/accept',
    tag: 'contacts',
    summary: 'Accept a merge suggestion (merge the pair)',
    description:
      'Merges the pair (or the contacts they were merged into since) into `into`, or into the older contact. Accepting again changes nothing; a dismissed suggestion is refused (409).',
    permission: 'contacts.merge',
    params: SuggestionParams,
    bodyOptional: true,
    body: AcceptSchema,
    response: json(
      z.object({ merge: MergeOutcome.nullable() }),
      'What moved; `null` when the pair was one contact already.',
    ),
    also: [409],
  },
  dismiss: {
    method: 'post',
    path: '/merge-suggestions/:id/dismiss',
    tag: 'contacts',
    summary: 'Dismiss a merge suggestion (two people)',
    description: 'Dismissing again changes nothing; a merged suggestion is refused (409: unmerge).',
    permission: 'contacts.merge',
    params: SuggestionParams,
    bodyOptional: true,
    body: z.object({}).strict(),
    response: json(z.object({ suggestion: Suggestion }), 'The suggestion now.'),
    also: [409],
  },
} satisfies Record<string, AdminOperation>;

type Route = (op: AdminOperation | TicketsApiOperation, ...handlers: RequestHandler[]) => void;

/** Mounts the contact page, merge and suggestion routes with contactsRouter's `route`. */
export function mountMergeRoutes(route: Route, deps: AdminDeps): void {
  const mergeDeps = { models: deps.models, locks: deps.locks };

  route(MERGES.page, async (req, res) => {
    const { id } = pathParams(ObjectIdParams, req.params, 'contact');
    res.json(await contactPage(deps.models, id));
  });

  route(MERGES.merge, async (req, res) => {
    const { id } = pathParams(ObjectIdParams, req.params, 'contact');
    const from = new Types.ObjectId(MergeSchema.parse(req.body).from);
    const actor = principalOf(res).actor;
    const moved = await mergeContacts(mergeDeps, { survivorId: id, mergedId: from, by: actor });
    await recordAudit(deps.models, {
      actor,
      action: 'contact.merged',
      subject: `contact:${String(id)}`,
      after: moved,
    });
    res.json(moved);
  });

  route(MERGES.unmerge, async (req, res) => {
    const { id } = pathParams(ObjectIdParams, req.params, 'contact');
    const actor = principalOf(res).actor;
    const restored = await unmergeContact(mergeDeps, { mergedId: id, by: actor });
    await recordAudit(deps.models, {
      actor,
      action: 'contact.unmerged',
      subject: `contact:${String(id)}`,
      before: { mergedInto: restored.survivorId },
      after: restored,
    });
    res.json(restored);
  });

  route(MERGES.suggestions, async (req, res) => {
    const query = SuggestionQuery.parse(req.query);
    res.json(await listSuggestions(deps.models.MergeSuggestion, contactsById(deps.models), query));
  });

  route(MERGES.accept, async (req, res) => {
    const { id } = pathParams(SuggestionParams, req.params, 'merge suggestion');
    const { into } = AcceptSchema.parse(req.body ?? {});
    const actor = principalOf(res).actor;
    const merge = await acceptSuggestion(mergeDeps, {
      id,
      into: into === undefined ? undefined : new Types.ObjectId(into),
      by: actor,
    });
    await recordAudit(deps.models, {
      actor,
      action: 'merge-suggestion.accepted',
      subject: `merge-suggestion:${id}`,
      after: { status: 'merged' },
    });
    if (merge)
      await recordAudit(deps.models, {
        actor,
        action: 'contact.merged',
        subject: `contact:${merge.survivorId}`,
        after: { ...merge, suggestion: id },
      });
    res.json({ merge });
  });

  route(MERGES.dismiss, async (req, res) => {
    const { id } = pathParams(SuggestionParams, req.params, 'merge suggestion');
    const actor = principalOf(res).actor;
    const doc = await dismissSuggestion(deps.models.MergeSuggestion, id, actor);
    await recordAudit(deps.models, {
      actor,
      action: 'merge-suggestion.dismissed',
      subject: `merge-suggestion:${id}`,
      after: { status: doc.status },
    });
    const [suggestion] = await suggestionViews(contactsById(deps.models), [doc]);
    res.json({ suggestion });
  });
}
