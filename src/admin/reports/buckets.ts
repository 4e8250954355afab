/** One hour in milliseconds. */
export const HOUR_MS = 3_600_000;

/** The chart bucket of a time: `2026-12-05T16:00Z` by hour, `2026-12-05` by day (UTC). */
export function bucketKey(at: Date, bucket: 'hour' | 'day'): string {
  const iso = at.toISOString();
  return bucket === 'hour' ? `${iso.slice(0, 13)}:00Z` : iso.slice(0, 10);
}
