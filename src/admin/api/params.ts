/**
 * Path parameters of the admin API, parsed by the same zod schemas the OpenAPI document shows
 * (src/admin/openapi.ts). A path whose parameter a schema refuses names nothing: 404, not 400.
 */
import { Types } from 'mongoose';
import { z } from 'zod';
import { SwitchboardError } from '../../domain/errors.ts';

/** A MongoDB id as text: 24 hex digits. */
export const ObjectIdText = z.string().regex(/^[0-9a-fA-F]{24}$/, 'an id of 24 hex digits');

/** `:id` of a ticket or a contact, as the ObjectId it names. */
export const ObjectIdParams = z.object({
  id: ObjectIdText.transform((id) => new Types.ObjectId(id)),
});

/** The path parameters `schema` reads, or 404 `no such <what>`. */
export function pathParams<S extends z.ZodType>(
  schema: S,
  params: unknown,
  what: string,
): z.output<S> {
  const parsed = schema.safeParse(params);
  if (!parsed.success) throw new SwitchboardError('SB_ERR_NOT_FOUND', `no such ${what}`);
  return parsed.data;
}
