import express, { Router } from 'express';
import { SwitchboardError } from '../../src/domain/errors.ts';
import type { InboundSink } from '../../src/domain/ports.ts';
import type { ApiIntegration, IntegrationDirectory } from '../../src/domain/integrations.ts';
import { ApiMessageBodySchema, normalizeApiMessage } from './normalize.ts';
import { authenticateIntegration } from './verify.ts';

/** Where integrations post customer messages. */
export const API_MESSAGES_PATH = '/api/v1/messages';

/**
 * `POST /api/v1/messages`: authenticate, count against the integration's rate limit, then parse
 * and validate, then queue — and answer 202 only once the queue holds the message. Anything
 * invalid is refused before anything is stored.
 */
export function apiChannelRouter(deps: {
  directory: IntegrationDirectory;
  sink: InboundSink;
  maxBodyBytes: number;
  /** Counts one request of the integration; rejects (429, SB_ERR_RATE_LIMITED) over its limit. */
  limitIntegration?: ((integrationId: string) => Promise<void>) | undefined;
}): Router {
  const router = Router();
  router.post(
    API_MESSAGES_PATH,
    // Authenticate before reading the body: an unauthenticated caller gets 401 however big it sends.
    async (req, res, next) => {
      const integration = await authenticateIntegration(deps.directory, req.headers);
      await deps.limitIntegration?.(integration.id);
      res.locals['integration'] = integration;
      next();
    },
    (req, _res, next) => {
      if (!req.is('application/json')) {
        throw new SwitchboardError(
          'SB_ERR_UNSUPPORTED_MEDIA_TYPE',
          'send the message as application/json',
        );
      }
      next();
    },
    express.json({ limit: deps.maxBodyBytes, strict: true }),
    async (req, res) => {
      const integration = res.locals['integration'] as ApiIntegration;
      const body = ApiMessageBodySchema.parse(req.body);
      const accepted = await deps.sink.accept(
        normalizeApiMessage(integration.id, body, new Date(), integration.verifiesIdentities),
      );
      res
        .status(202)
        .json({ status: 'accepted', id: accepted.jobId, duplicate: accepted.duplicate });
    },
  );
  return router;
}
