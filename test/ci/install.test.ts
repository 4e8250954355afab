import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/**
 * `npm install` prints no warnings (docs/development.md, "Install warnings"): read from the
 * lockfile, which decides what npm installs, so the check needs no install.
 */
interface LockPackage {
  version?: string;
  hasInstallScript?: boolean;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}
const lock = JSON.parse(
  readFileSync(new URL('../../package-lock.json', import.meta.url), 'utf8'),
) as {
  packages: Record<string, LockPackage>;
};
const manifest = JSON.parse(
  readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
) as {
  allowScripts?: Record<string, boolean>;
};
const development = readFileSync(new URL('../../docs/development.md', import.meta.url), 'utf8');

const nameOf = (path: string): string => path.slice(path.lastIndexOf('node_modules/') + 13);

/** The copy of `name` that the package at `path` resolves: the nearest node_modules upwards. */
function resolveFrom(path: string, name: string): LockPackage | undefined {
  for (let dir = path; ;) {
    const found = lock.packages[`${dir === '' ? '' : `${dir}/`}node_modules/${name}`];
    if (found) return found;
    if (dir === '') return undefined;
    const cut = dir.lastIndexOf('/node_modules/');
    dir = cut < 0 ? '' : dir.slice(0, cut);
  }
}

/** Whether a version's major satisfies a range of `^N…`, `>=N…` and `||` (what React peers use). */
function majorAllowed(version: string, range: string): boolean {
  const major = Number(version.split('.')[0]);
  return range.split('||').some((part) => {
    const alternative = part.trim();
    const caret = /^\^(\d+)/.exec(alternative);
    if (caret) return major === Number(caret[1]);
    const atLeast = /^>=\s*(\d+)/.exec(alternative);
    if (atLeast) return major >= Number(atLeast[1]);
    return alternative === '*';
  });
}

describe('npm install', () => {
  it('has every install script reviewed in allowScripts, and docs/development.md names each', () => {
    const withScripts = [
      ...new Set(
        Object.entries(lock.packages)
          .filter(([path, pkg]) => path !== '' && pkg.hasInstallScript)
          .map(([path]) => nameOf(path)),
      ),
    ].sort();
    const reviewed = manifest.allowScripts ?? {};
    expect(withScripts.filter((name) => !(name in reviewed))).toEqual([]);
    expect(withScripts.filter((name) => !development.includes(`\`${name}\``))).toEqual([]);
  });

  it('meets every React peer range (no ERESOLVE "overriding peer dependency")', () => {
    const unmet = Object.entries(lock.packages).flatMap(([path, pkg]) =>
      ['react', 'react-dom'].flatMap((peer) => {
        const range = pkg.peerDependencies?.[peer];
        if (range === undefined || pkg.peerDependenciesMeta?.[peer]?.optional) return [];
        const version = resolveFrom(path, peer)?.version;
        return version !== undefined && majorAllowed(version, range)
          ? []
          : [`${nameOf(path)} wants ${peer} ${range}, gets ${version ?? 'none'}`];
      }),
    );
    expect(unmet).toEqual([]);
  });
});
