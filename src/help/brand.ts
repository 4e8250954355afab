import { z } from 'zod';
import { parseEnvironment } from '../domain/environment.ts';

/**
 * The brand customers see: the web chat's header, bubble and bot name, and the help centre's
 * pages. Read whether the chat is on or not (the help centre is always there); the variables keep
 * the names they had when only the chat used them.
 */
export const BrandConfigSchema = z.object({
  /** The name shown in the chat header and as the bot's name. */
  WEBCHAT_BRAND_NAME: z.string().trim().min(1).max(80).default('Support'),
  /** Accent colour of the bubble, header and the visitor's messages (`#rrggbb`). */
  WEBCHAT_BRAND_COLOR: z
    .string()
    .regex(/^#[0-9a-fA-F]{6}$/, 'a colour as #rrggbb')
    .default('#0063b1'),
});

export interface Brand {
  name: string;
  color: string;
}

export function loadBrand(env: NodeJS.ProcessEnv = process.env): Brand {
  const brand = parseEnvironment(BrandConfigSchema, env);
  return { name: brand.WEBCHAT_BRAND_NAME, color: brand.WEBCHAT_BRAND_COLOR };
}
