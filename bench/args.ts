import { parseArgs } from 'node:util';

/** Integer flags of a bench script (`--messages 2000`), with defaults. */
export function intFlags<K extends string>(defaults: Record<K, number>): Record<K, number> {
  const { values } = parseArgs({
    options: Object.fromEntries(
      Object.keys(defaults).map((key) => [key, { type: 'string' as const }]),
    ),
    strict: true,
  });
  const result = { ...defaults };
  for (const key of Object.keys(defaults) as K[]) {
    const raw = values[key];
    if (typeof raw === 'string') {
      const parsed = Number(raw);
      if (!Number.isInteger(parsed) || parsed <= 0)
        throw new Error(`--${key} must be a positive integer`);
      result[key] = parsed;
    }
  }
  return result;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)] ?? Number.NaN;
}
