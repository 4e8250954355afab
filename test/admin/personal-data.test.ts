import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import mongoose from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/app.ts';
import { NOT_PERSONAL_COLLECTIONS, POOL_PERSONAL_COLLECTIONS } from '../../src/pool/gdpr.ts';
import { startTestGateway, testConfig } from '../support/gateway.ts';
import { dropDatabase } from './support.ts';

const ROOT = new URL('../../', import.meta.url).pathname;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

/**
 * Every collection a model is registered for anywhere in src/ and channels/: the third argument
 * of `.model('Name', schema, 'collection')`, or mongoose's plural of the name when there is none.
 * Read from the source, so models registered only when a feature is on are found too.
 */
function declaredCollections(): Map<string, string> {
  const found = new Map<string, string>();
  const call = /\.model(?:<[^>]*>)?\(\s*'(\w+)',\s*\w+(?:,\s*'(\w+)')?\s*,?\s*\)/g;
  for (const file of [...sourceFiles(join(ROOT, 'src')), ...sourceFiles(join(ROOT, 'channels'))]) {
    for (const match of readFileSync(file, 'utf8').matchAll(call)) {
      const [, name, collection] = match;
      const plural = mongoose.pluralize();
      found.set(collection ?? (plural ? plural(name!) : name!), file.slice(ROOT.length));
    }
  }
  return found;
}

let gateway: Gateway;

beforeAll(async () => {
  gateway = await startTestGateway({ config: testConfig({ QUEUE_PREFIX: 'sbpd' }) });
});

afterAll(async () => {
  await dropDatabase(gateway);
  await gateway.stop();
});

describe('personal data', () => {
  it('has an answer for every collection: a holder, the pool’s own erasure, or a reason it holds none', () => {
    const held = new Set(gateway.personalData.flatMap((holder) => holder.collections));
    const accounted = new Set<string>([
      ...held,
      ...POOL_PERSONAL_COLLECTIONS,
      ...Object.keys(NOT_PERSONAL_COLLECTIONS),
    ]);
    const declared = declaredCollections();
    const unaccounted = [...declared].filter(([name]) => !accounted.has(name));
    expect(unaccounted, 'collections with no holder (src/domain/personal-data.ts)').toEqual([]);
    // Nothing is claimed twice, and no claim names a collection that does not exist.
    const claims = [
      ...gateway.personalData.flatMap((holder) => holder.collections),
      ...POOL_PERSONAL_COLLECTIONS,
      ...Object.keys(NOT_PERSONAL_COLLECTIONS),
    ];
    expect(claims.filter((name, i) => claims.indexOf(name) !== i)).toEqual([]);
    expect(claims.filter((name) => !declared.has(name))).toEqual([]);
  });

  it('reads the models the running gateway registered the same way (the scan misses none)', () => {
    const declared = declaredCollections();
    const db = gateway.pool.models.Ticket.db;
    const registered = Object.values(db.models).map((model) => model.collection.collectionName);
    expect(registered.length).toBeGreaterThan(10);
    expect(registered.filter((name) => !declared.has(name))).toEqual([]);
  });

  it('registers a holder for every channel that stores something, whether it is on or not', () => {
    // The test gateway runs with no channel configured but the API: the holders are there anyway.
    expect(gateway.adapters.has('email')).toBe(false);
    expect(gateway.personalData.map((holder) => holder.name).sort()).toEqual([
      'email',
      'email-confirmation',
      'learning',
      'slack-files',
      'sms',
      'webchat',
    ]);
  });
});
