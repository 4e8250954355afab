import { execFileSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  renameSync,
  rmSync,
  writeFileSync,
  chmodSync,
} from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { whichCommand } from './system-packages.ts';

export const FERRETDB_MODULE = 'github.com/FerretDB/FerretDB';
export const FERRETDB_VERSION = 'v1.24.2';

/** The folder that keeps built tools between runs on one machine (`SWITCHBOARD_CACHE_DIR`). */
export function cacheDir(): string {
  return (
    process.env['SWITCHBOARD_CACHE_DIR'] ??
    join(process.env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache'), 'switchboard')
  );
}

/**
 * Returns the path of a FerretDB binary, building it once into the cache folder.
 *
 * Why not a bare `go install ...ferretdb@v1.24.2`: that binary panics at start with "Invalid
 * build/version/version.txt file content", because FerretDB's release tooling generates that file
 * and the module zip lacks it. So we fetch the very same module version through the Go module
 * proxy (`go mod download`), write the version file the tooling would write, and `go build` its
 * `cmd/ferretdb` — the SQLite backend is pure Go, so no C toolchain is involved.
 */
export async function ensureFerretDbBinary(): Promise<string> {
  const dir = join(cacheDir(), `ferretdb-${FERRETDB_VERSION}`);
  const binary = join(dir, 'ferretdb');
  if (existsSync(binary)) return binary;
  const go = whichCommand('go');
  if (!go) {
    throw new Error(
      'FerretDB must be built and Go (>= 1.24) is not installed: install Go, or put mongod on PATH, or set MONGODB_URI',
    );
  }
  mkdirSync(dir, { recursive: true });
  const lock = join(dir, '.building');
  // Two processes (a test run and a start) may race to build: mkdir is the atomic lock.
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (existsSync(binary)) return binary;
      await sleep(1000);
    }
  }
  try {
    if (existsSync(binary)) return binary;
    process.stderr.write(
      `building FerretDB ${FERRETDB_VERSION} once into ${dir} (a few minutes)...\n`,
    );
    const info = JSON.parse(
      execFileSync(go, ['mod', 'download', '-json', `${FERRETDB_MODULE}@${FERRETDB_VERSION}`], {
        encoding: 'utf8',
        cwd: tmpdir(),
        env: { ...process.env, GOFLAGS: '-mod=mod' },
      }),
    ) as { Dir?: string; Error?: string };
    if (!info.Dir) throw new Error(`go mod download failed: ${info.Error ?? 'no folder returned'}`);
    const work = mkdtempSync(join(tmpdir(), 'ferretdb-src-'));
    try {
      cpSync(info.Dir, work, { recursive: true });
      chmodRecursive(work);
      writeFileSync(join(work, 'build', 'version', 'version.txt'), `${FERRETDB_VERSION}\n`);
      const partial = join(dir, `ferretdb.partial-${process.pid}`);
      execFileSync(go, ['build', '-trimpath', '-o', partial, './cmd/ferretdb'], {
        cwd: work,
        stdio: ['ignore', 'inherit', 'inherit'],
      });
      renameSync(partial, binary);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
    return binary;
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** The module cache is read-only; the copy must be writable to add the version file. */
function chmodRecursive(path: string): void {
  execFileSync('chmod', ['-R', 'u+w', path]);
  chmodSync(path, 0o755);
}
