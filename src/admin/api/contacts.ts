/**
 * Contacts in the admin API: find a contact; for admins, the GDPR tools (export everything stored
 * about them as a JSON download, erase their personal data, recorded in the audit log); the
 * contact page, merges and merge suggestions (contact-merge.ts).
 */
import { Router } from 'express';
import type { Queue } from 'bullmq';
import { z } from 'zod';
import { attributesUpdate, ContactAttributesSchema } from '../../domain/contact-attributes.ts';
import { SwitchboardError } from '../../domain/errors.ts';
import type { PersonalDataHolder } from '../../domain/personal-data.ts';
import { recordAudit } from '../../pool/audit.ts';
import { eraseContact, exportContact, searchContacts, type GdprDeps } from '../../pool/gdpr.ts';
import { principalOf } from '../auth.ts';
import type { AdminDeps } from '../deps.ts';
import { Contact } from '../openapi/schemas.ts';
import { json, routes, type AdminOperation } from '../routes.ts';
import { MERGES, mountMergeRoutes } from './contact-merge.ts';
import { ObjectIdParams, pathParams } from './params.ts';

/** `GET /contacts?q=`. */
export const ContactSearchQuery = z.object({ q: z.string().trim().max(200).optional() });

/** `:id` of a contact. */
export const ContactParams = ObjectIdParams;

/** The contacts API: what contactsRouter mounts and the OpenAPI document describes. */
const CONTACTS = {
  search: {
    method: 'get',
    path: '/contacts',
    tag: 'contacts',
    summary: 'Find contacts',
    description:
      'At most 25: exact identity matches first, then names or identities containing `q`. Without `q`, the newest.',
    permission: 'contacts.read',
    query: ContactSearchQuery,
    response: json(z.object({ contacts: z.array(Contact) }), 'The contacts.'),
  },
  export: {
    method: 'get',
    path: '/contacts/:id/export',
    tag: 'contacts',
    summary: 'Export everything about a contact',
    description:
      'A JSON download `contact-<id>.json`: the contact, identities, tickets, messages, CSAT, web chat files, SMS opt-outs, email records, suggestions and audit events.',
    permission: 'contacts.gdpr',
    params: ContactParams,
    response: { description: 'The export.', download: 'contact-<id>.json' },
  },
  attributes: {
    method: 'patch',
    path: '/contacts/:id/attributes',
    tag: 'contacts',
    summary: "Set a customer's tier, plan, company or custom fields",
    description:
      "`tier` weighs in dispatch's urgency score (`customerTiers`). Omitted fields stay; audited.",
    permission: 'contacts.edit',
    params: ContactParams,
    body: ContactAttributesSchema,
    response: json(
      z.object({ attributes: z.record(z.string(), z.unknown()) }),
      'The attributes now.',
    ),
  },
  erase: {
    method: 'post',
    path: '/contacts/:id/erase',
    tag: 'contacts',
    summary: "Erase a contact's personal data",
    description:
      'Under the contact lock: queued jobs, identity links, message texts, attachments, transcripts, opt-outs, email records and suggestions; recorded as `contact.erased`. Running it again is safe. See docs/admin-api.md for the full list.',
    permission: 'contacts.gdpr',
    params: ContactParams,
    response: json(
      z.object({ erased: z.literal(true), counts: z.record(z.string(), z.unknown()) }),
      'What was erased, counted.',
    ),
  },
} satisfies Record<string, AdminOperation>;

/** The contacts API's operations, in the document's order. */
export const CONTACT_OPERATIONS: readonly AdminOperation[] = [
  ...Object.values(CONTACTS),
  ...Object.values(MERGES),
];

export function contactsRouter(
  deps: AdminDeps,
  queues?: { inbound: Queue; outbound: Queue; desk?: Queue | undefined },
  slack?: GdprDeps['slack'],
  holders: readonly PersonalDataHolder[] = [],
): Router {
  const router = Router();
  const route = routes(router);

  route(CONTACTS.search, async (req, res) => {
    const { q } = ContactSearchQuery.parse(req.query);
    res.json({ contacts: await searchContacts(deps.models, q) });
  });
  mountMergeRoutes(route, deps);

  route(CONTACTS.export, async (req, res) => {
    const { id } = pathParams(ContactParams, req.params, 'contact');
    const data = await exportContact(deps.models, holders, id);
    res.setHeader('content-disposition', `attachment; filename="contact-${String(id)}.json"`);
    res.json(data);
  });

  route(CONTACTS.attributes, async (req, res) => {
    const { id } = pathParams(ContactParams, req.params, 'contact');
    const change = ContactAttributesSchema.parse(req.body);
    const before = await deps.models.Contact.findById(id).lean();
    if (!before) throw new SwitchboardError('SB_ERR_NOT_FOUND', 'no such contact');
    const set = attributesUpdate(change);
    const after =
      Object.keys(set).length === 0
        ? before
        : await deps.models.Contact.findOneAndUpdate(
            { _id: id },
            { $set: set },
            { returnDocument: 'after' },
          ).lean();
    const attributesOf = (doc: { attributes?: unknown } | null | undefined) =>
      (doc?.attributes ?? {}) as Record<string, unknown>;
    await recordAudit(deps.models, {
      actor: principalOf(res).actor,
      action: 'contact.attributes',
      subject: `contact:${String(id)}`,
      before: { attributes: attributesOf(before) },
      after: { attributes: attributesOf(after) },
    });
    res.json({ attributes: attributesOf(after) });
  });

  route(CONTACTS.erase, async (req, res) => {
    const { id } = pathParams(ContactParams, req.params, 'contact');
    const counts = await eraseContact(
      {
        models: deps.models,
        locks: deps.locks,
        queues,
        slack,
        holders,
      },
      id,
      principalOf(res).actor,
    );
    res.json({ erased: true, counts });
  });
  return router;
}
