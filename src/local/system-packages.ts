import { execFileSync, spawnSync } from 'node:child_process';

/** Full path of a command on PATH (or in the usual sbin folders), or undefined. */
export function whichCommand(command: string): string | undefined {
  const path = [process.env['PATH'] ?? '', '/usr/sbin', '/sbin', '/usr/local/sbin'].join(':');
  const result = spawnSync('sh', ['-c', `command -v ${command}`], {
    env: { ...process.env, PATH: path },
    encoding: 'utf8',
  });
  const found = result.stdout.trim();
  return result.status === 0 && found !== '' ? found : undefined;
}

let aptUpdated = false;

/** `apt-get install` (after one `apt-get update` per process); the caller checks we are root. */
export function installDebianPackage(debianPackage: string): void {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (!aptUpdated) {
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
    aptUpdated = true;
  }
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', debianPackage], {
    stdio: 'inherit',
    env,
  });
}

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/**
 * Makes sure a command from a Debian package is installed: installs the package with apt-get when
 * the command is missing and we run as root; otherwise throws an error that says what to install
 * or which variable to set instead.
 */
export function ensureDebianCommand(options: {
  command: string;
  debianPackage: string;
  insteadVariable?: string;
}): string {
  const existing = whichCommand(options.command);
  if (existing) return existing;
  const alternative = options.insteadVariable
    ? ` or set ${options.insteadVariable} to a running server`
    : '';
  if (!isRoot()) {
    throw new Error(
      `${options.command} is not installed: run "sudo apt-get install -y ${options.debianPackage}"${alternative}`,
    );
  }
  installDebianPackage(options.debianPackage);
  const installed = whichCommand(options.command);
  if (!installed) {
    throw new Error(
      `apt-get installed ${options.debianPackage} but ${options.command} is still missing${alternative}`,
    );
  }
  return installed;
}
