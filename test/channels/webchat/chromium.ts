import { ensureDebianCommand } from '../../../src/local/system-packages.ts';

/**
 * Debian's Chromium for browser tests, installed with apt-get when missing (as the project's own
 * scripts install Redis and Dovecot): no browser download. See NOTES "Chromium (Debian) with
 * playwright-core".
 */
export function ensureChromium(): string {
  return ensureDebianCommand({ command: 'chromium', debianPackage: 'chromium' });
}

/** Launch flags that keep Chromium off the network and quiet in a container. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];
