import { SwitchboardError } from '../../src/domain/errors.ts';
import type { ApiIntegration, IntegrationDirectory } from '../../src/domain/integrations.ts';

/**
 * The integration behind a request's `Authorization: Bearer <key>` header (or `X-Api-Key`). Fails
 * closed: no header, a malformed key or an unknown key is 401, with no hint which.
 */
export async function authenticateIntegration(
  directory: IntegrationDirectory,
  headers: { authorization?: string | undefined; 'x-api-key'?: string | string[] | undefined },
): Promise<ApiIntegration> {
  const bearer = /^Bearer\s+(\S+)$/i.exec(headers.authorization ?? '')?.[1];
  const headerKey = headers['x-api-key'];
  const key = bearer ?? (typeof headerKey === 'string' ? headerKey : undefined);
  if (!key)
    throw new SwitchboardError(
      'SB_ERR_UNAUTHENTICATED',
      'missing API key (Authorization: Bearer <key>)',
    );
  const integration = await directory.findByKey(key);
  if (!integration) throw new SwitchboardError('SB_ERR_UNAUTHENTICATED', 'invalid API key');
  return integration;
}
