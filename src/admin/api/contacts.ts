/**
 * GDPR tools of the console, for admins: find a contact, export everything stored about them as
 * a JSON download, and erase their personal data (recorded in the audit log).
 */
import { Router } from 'express';
import type { Queue } from 'bullmq';
import { z } from 'zod';
import { objectIdOr404 } from '../../pool/accounts.ts';
import { eraseContact, exportContact, searchContacts } from '../../pool/gdpr.ts';
import { principalOf, requirePermission } from '../auth.ts';
import type { AdminDeps } from '../deps.ts';

const SearchQuery = z.object({ q: z.string().trim().max(200).optional() });

export function contactsRouter(
  deps: AdminDeps,
  queues?: { inbound: Queue; outbound: Queue },
): Router {
  const router = Router();
  const gdpr = requirePermission('contacts.gdpr');

  router.get('/contacts', gdpr, async (req, res) => {
    const { q } = SearchQuery.parse(req.query);
    res.json({ contacts: await searchContacts(deps.models, q) });
  });

  router.get('/contacts/:id/export', gdpr, async (req, res) => {
    const id = objectIdOr404(req.params['id'], 'contact');
    const data = await exportContact(deps.models, id);
    res.setHeader('content-disposition', `attachment; filename="contact-${String(id)}.json"`);
    res.json(data);
  });

  router.post('/contacts/:id/erase', gdpr, async (req, res) => {
    const id = objectIdOr404(req.params['id'], 'contact');
    const counts = await eraseContact(
      {
        models: deps.models,
        locks: deps.locks,
        queues,
        redis: deps.redis,
        prefix: deps.config.QUEUE_PREFIX,
      },
      id,
      principalOf(res).actor,
    );
    res.json({ erased: true, counts });
  });
  return router;
}
