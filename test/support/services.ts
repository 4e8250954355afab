import { inject } from 'vitest';

/**
 * The address of one of the run's test servers (test/setup/global-services.ts). Calling this (or
 * `inject('mongoUrl' | 'redisUrl')`) puts a test file in the `integration` project
 * (test/setup/projects.ts); a file that gets here in the `unit` project, which starts no servers,
 * fails at once with this message instead of skipping or timing out.
 */
export function serviceUrl(name: 'mongoUrl' | 'redisUrl'): string {
  const url = inject(name);
  if (typeof url !== 'string' || url === '')
    throw new Error(
      `this test needs the test servers (${name}) but runs in a vitest project that starts none: ` +
        `test/setup/projects.ts puts a file in "integration" when it or a helper it imports calls ` +
        `inject('${name}'); make it do so (serviceUrl in test/support/services.ts does)`,
    );
  return url;
}
