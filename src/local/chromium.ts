/**
 * Debian's Chromium for browser tests (driven by playwright-core, which downloads no browser):
 * installed with apt-get when missing and we are root, like Dovecot (see system-packages.ts).
 * The launch flags are the ones measured in /work/shared/NOTES.md ("Chromium"): without the
 * networking flags it tries to reach the internet and fails. This is the one launcher: every
 * browser test takes its flags from here.
 */
import { ensureDebianCommand } from './system-packages.ts';

/** Flags every headless launch uses. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // Shared memory in /tmp instead of /dev/shm, which a container may cap at 64 MB (Docker's
  // default), too small for a renderer: pages then crash. https://pptr.dev/troubleshooting
  '--disable-dev-shm-usage',
] as const;

/** The path of the chromium binary, installing Debian's package first when it is missing. */
export function ensureChromium(): string {
  return ensureDebianCommand({ command: 'chromium', debianPackage: 'chromium' });
}
