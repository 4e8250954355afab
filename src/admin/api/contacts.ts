/**
 * GDPR tools of the console, for admins: find a contact, export everything stored about them as
 * a JSON download, and erase their personal data (recorded in the audit log).
 */
import { Router } from 'express';
import type { Queue } from 'bullmq';
import { z } from 'zod';
import { attributesUpdate, ContactAttributesSchema } from '../../domain/contact-attributes.ts';
import { SwitchboardError } from '../../domain/errors.ts';
import type { PersonalDataHolder } from '../../domain/personal-data.ts';
import { recordAudit } from '../../pool/audit.ts';
import { eraseContact, exportContact, searchContacts, type GdprDeps } from '../../pool/gdpr.ts';
import { principalOf, requirePermission } from '../auth.ts';
import type { AdminDeps } from '../deps.ts';
import { ObjectIdParams, pathParams } from './params.ts';

/** `GET /contacts?q=`. */
export const ContactSearchQuery = z.object({ q: z.string().trim().max(200).optional() });

/** `:id` of a contact. */
export const ContactParams = ObjectIdParams;

export function contactsRouter(
  deps: AdminDeps,
  queues?: { inbound: Queue; outbound: Queue; desk?: Queue | undefined },
  slack?: GdprDeps['slack'],
  holders: readonly PersonalDataHolder[] = [],
): Router {
  const router = Router();
  const gdpr = requirePermission('contacts.gdpr');

  router.get('/contacts', gdpr, async (req, res) => {
    const { q } = ContactSearchQuery.parse(req.query);
    res.json({ contacts: await searchContacts(deps.models, q) });
  });

  router.get('/contacts/:id/export', gdpr, async (req, res) => {
    const { id } = pathParams(ContactParams, req.params, 'contact');
    const data = await exportContact(deps.models, holders, id);
    res.setHeader('content-disposition', `attachment; filename="contact-${String(id)}.json"`);
    res.json(data);
  });

  router.patch('/contacts/:id/attributes', requirePermission('contacts.edit'), async (req, res) => {
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

  router.post('/contacts/:id/erase', gdpr, async (req, res) => {
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
