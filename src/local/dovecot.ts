import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { findFreePort } from './free-port.ts';
import { startManagedProcess, type ManagedProcess } from './managed-process.ts';
import { ensureDebianCommand, isRoot } from './system-packages.ts';
import { waitForPort } from './wait-for-port.ts';

/** One mail account of the local Dovecot: `name` logs in over IMAP, `name@<any domain>` over LMTP. */
export interface DovecotUser {
  name: string;
  password: string;
}

export interface LocalDovecot {
  host: string;
  imapPort: number;
  lmtpPort: number;
  /** The folder holding config, users file, logs and the maildirs. */
  dir: string;
  process: ManagedProcess;
  /** Adds (or replaces) accounts; Dovecot re-reads the passwd-file on its own. */
  addUsers(users: DovecotUser[]): void;
  /** Drops every IMAP connection of a user (`doveadm kick`), as a server restart would. */
  kick(user: string): void;
  /** Stops Dovecot and, unless `keepDir`, removes its folder. */
  stop(options?: { keepDir?: boolean }): Promise<void>;
}

const USER_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;

/**
 * Starts Debian's Dovecot 2.3 (installing dovecot-imapd and dovecot-lmtpd with apt-get when missing
 * and we are root) as a real IMAP server on free loopback ports, with a config file of its own in
 * a temp folder: plaintext auth without TLS, users in a passwd-file, maildirs in the folder, and an
 * LMTP listener to deliver mail into it. For tests and local experiments, never for production.
 * See /work/shared/NOTES.md, "Dovecot 2.3".
 */
export async function startLocalDovecot(
  options: { users?: DovecotUser[]; dir?: string } = {},
): Promise<LocalDovecot> {
  const dovecot = ensureDebianCommand({ command: 'dovecot', debianPackage: 'dovecot-imapd' });
  // The LMTP server is a separate package; its binary is not on PATH, so look for the file.
  ensureLmtp();
  const doveadm = ensureDebianCommand({ command: 'doveadm', debianPackage: 'dovecot-core' });
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'sb-dovecot-'));
  const root = isRoot();
  // Dovecot's unprivileged processes (dovecot, dovenull, the mail user) must reach the folder.
  chmodSync(dir, 0o755);
  for (const sub of ['run', 'state', 'mail']) mkdirSync(join(dir, sub), { recursive: true });
  const me = userInfo();
  const mailUid = root ? 65534 : me.uid;
  const mailGid = root ? 65534 : me.gid;
  if (root) chownSync(join(dir, 'mail'), mailUid, mailGid);

  const usersFile = join(dir, 'users');
  const known = new Map<string, string>();
  const writeUsers = () => {
    const lines = [...known].map(([name, password]) => `${name}:{PLAIN}${password}::::::`);
    writeFileSync(usersFile, `${lines.join('\n')}\n`, { mode: 0o640 });
    if (root) chownSync(usersFile, 0, dovecotGid());
  };
  const addUsers = (users: DovecotUser[]) => {
    for (const user of users) {
      if (!USER_NAME.test(user.name)) throw new Error(`invalid Dovecot user name: ${user.name}`);
      if (/[:\s]/.test(user.password)) throw new Error('a Dovecot password has no ":" or spaces');
      known.set(user.name, user.password);
    }
    writeUsers();
  };
  addUsers(options.users ?? []);

  const imapPort = await findFreePort();
  let lmtpPort = await findFreePort();
  while (lmtpPort === imapPort) lmtpPort = await findFreePort();
  const configFile = join(dir, 'dovecot.conf');
  writeFileSync(
    configFile,
    dovecotConfig({ dir, usersFile, imapPort, lmtpPort, mailUid, mailGid, root, me: me.username }),
  );
  const proc = await startManagedProcess({
    name: 'dovecot',
    command: dovecot,
    args: ['-F', '-c', configFile],
    logFile: join(dir, 'dovecot.stdout.log'),
    pidFile: join(dir, 'dovecot.pid'),
  });
  try {
    await waitForPort(imapPort, { isAlive: () => proc.isAlive() });
    await waitForPort(lmtpPort, { isAlive: () => proc.isAlive() });
  } catch (error) {
    await proc.stop();
    throw new Error(`Dovecot did not start; see ${join(dir, 'dovecot.log')}`, { cause: error });
  }
  return {
    host: '127.0.0.1',
    imapPort,
    lmtpPort,
    dir,
    process: proc,
    addUsers,
    kick(user) {
      execFileSync(doveadm, ['-c', configFile, 'kick', user], { stdio: 'ignore' });
    },
    async stop(stopOptions = {}) {
      await proc.stop();
      if (!stopOptions.keepDir && options.dir === undefined) {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

function ensureLmtp(): void {
  // `command -v` accepts an absolute path: the LMTP server lives outside PATH.
  ensureDebianCommand({ command: '/usr/lib/dovecot/lmtp', debianPackage: 'dovecot-lmtpd' });
}

function dovecotGid(): number {
  const line = execFileSync('getent', ['group', 'dovecot'], { encoding: 'utf8' }).trim();
  const gid = Number(line.split(':')[2]);
  if (!Number.isInteger(gid)) throw new Error('the dovecot group is missing');
  return gid;
}

function dovecotConfig(c: {
  dir: string;
  usersFile: string;
  imapPort: number;
  lmtpPort: number;
  mailUid: number;
  mailGid: number;
  root: boolean;
  me: string;
}): string {
  // Not root: every Dovecot process runs as the current user.
  const unprivileged = c.root
    ? ''
    : `default_internal_user = ${c.me}\ndefault_login_user = ${c.me}\n`;
  return `# Written by src/local/dovecot.ts: a throwaway Dovecot on loopback, used alone (-c).
base_dir = ${c.dir}/run
state_dir = ${c.dir}/state
log_path = ${c.dir}/dovecot.log
${unprivileged}protocols = imap lmtp
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
# LMTP "bot@example.test" and IMAP login "bot" are one user.
auth_username_format = %Ln
first_valid_uid = 1
first_valid_gid = 1
mail_location = maildir:${c.dir}/mail/%n
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%n ${c.usersFile}
}
userdb {
  driver = static
  args = uid=${c.mailUid} gid=${c.mailGid} home=${c.dir}/mail/%n
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${c.imapPort}
  }
  inet_listener imaps {
    port = 0
  }
}
service lmtp {
  inet_listener lmtp {
    address = 127.0.0.1
    port = ${c.lmtpPort}
  }
}
protocol lmtp {
  postmaster_address = postmaster@example.test
}
protocol imap {
  mail_max_userip_connections = 100
}
`;
}
