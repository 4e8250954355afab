import { z } from 'zod';

/**
 * What a business knows about a customer, set by a trusted integration (the API channel) or an
 * admin in the console: `tier` weighs in dispatch's urgency score (DISPATCH_CONFIG_FILE's
 * `customerTiers`, e.g. vip, gold, silver), the rest is shown to agents. Bounded: at most 20 custom
 * fields, short values.
 */
export const ContactAttributesSchema = z
  .object({
    tier: z
      .string()
      .trim()
      .toLowerCase()
      .regex(/^[a-z0-9-]{1,30}$/, 'a tier name such as vip, gold or silver')
      .optional(),
    plan: z.string().trim().min(1).max(60).optional(),
    company: z.string().trim().min(1).max(100).optional(),
    custom: z
      .record(
        z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,39}$/, 'field names: letters, digits, _ and -'),
        z.union([z.string().max(200), z.number().finite(), z.boolean()]),
      )
      .refine((r) => Object.keys(r).length <= 20, 'at most 20 custom fields')
      .optional(),
  })
  .strict();
export type ContactAttributes = z.infer<typeof ContactAttributesSchema>;

/** The `$set` of the given attributes on a contact (omitted ones stay as they are). */
export function attributesUpdate(attributes: ContactAttributes): Record<string, unknown> {
  const set: Record<string, unknown> = {};
  for (const key of ['tier', 'plan', 'company'] as const) {
    if (attributes[key] !== undefined) set[`attributes.${key}`] = attributes[key];
  }
  for (const [key, value] of Object.entries(attributes.custom ?? {}))
    set[`attributes.custom.${key}`] = value;
  return set;
}
