import type { z } from 'zod';
import { SwitchboardError } from './errors.ts';

/**
 * Parses environment variables with a zod schema. Empty values count as unset (so `VAR=` falls
 * back to the default); the first invalid value throws SB_ERR_CONFIG naming the variable.
 */
export function parseEnvironment<S extends z.ZodType>(
  schema: S,
  env: NodeJS.ProcessEnv,
): z.infer<S> {
  const defined = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value !== ''),
  );
  const parsed = schema.safeParse(defined);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const variable = issue?.path.join('.') ?? 'unknown';
    throw new SwitchboardError('SB_ERR_CONFIG', `${variable}: ${issue?.message ?? 'invalid'}`, {
      field: variable,
    });
  }
  return parsed.data;
}

/** True when the variable that switches an optional part (a channel, the desk) on is set. */
export function isSet(env: NodeJS.ProcessEnv, variable: string): boolean {
  return env[variable] !== undefined && env[variable] !== '';
}
