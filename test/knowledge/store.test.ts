import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { Redis } from 'ioredis';
import {
  readArticleFolder,
  SEED_ARTICLES_DIR,
  writeArticleFolder,
} from '../../knowledge/folder.ts';
import { parseArticleMarkdown } from '../../knowledge/markdown.ts';
import { importArticles, publishArticle, unpublishArticle } from '../../src/nlu/publish.ts';
import { createTrainingQueue } from '../../src/nlu/training-queue.ts';
import { redisDocumentLocks } from '../../src/pool/locks.ts';
import { TicketPool } from '../../src/pool/pool.ts';
import { testConfig } from '../support/gateway.ts';
import { getArticle, listArticles } from '../../src/knowledge/articles.ts';

const run = promisify(execFile);
const config = testConfig();
let pool: TicketPool;
let redis: Redis;
let training: ReturnType<typeof createTrainingQueue>;
const dirs: string[] = [];

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sb-kb-'));
  dirs.push(dir);
  return dir;
}

beforeAll(async () => {
  redis = new Redis(inject('redisUrl'), { maxRetriesPerRequest: 1 });
  pool = await TicketPool.connect(inject('mongoUrl'), {
    dbName: config.MONGODB_DB,
    locks: redisDocumentLocks(redis, { prefix: config.QUEUE_PREFIX }),
  });
  training = createTrainingQueue(redis, config);
});

afterAll(async () => {
  await pool.models.Ticket.db.dropDatabase();
  await training.obliterate({ force: true });
  await training.close();
  await pool.close();
  redis.disconnect();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('knowledge base store', () => {
  describe('when the seed articles are imported twice', () => {
    it('creates them published, then leaves every one unchanged', async () => {
      const { articles, errors } = readArticleFolder(SEED_ARTICLES_DIR);
      expect(errors).toEqual([]);
      const first = await importArticles({ pool, training }, articles, 'test:importer');
      expect(first).toMatchObject({ created: 88, updated: 0, unchanged: 0 });
      const second = await importArticles({ pool, training }, articles, 'test:importer');
      expect(second).toMatchObject({ created: 0, updated: 0, unchanged: 88 });
      const stored = await getArticle(pool.models, 'order-status.zh');
      expect(stored).toMatchObject({ status: 'published', version: 1, updatedBy: 'test:importer' });
      expect(await listArticles(pool.models, { locale: 'en', status: 'published' })).toHaveLength(
        44,
      );
      expect(await pool.models.AuditEvent.countDocuments({ action: 'article.created' })).toBe(88);
      expect(await pool.models.AuditEvent.countDocuments({ action: 'article.updated' })).toBe(0);
      // Both imports' changes queue one retraining per locale; the unchanged second adds none.
      expect((await training.getJobs(['waiting'])).map((j) => j.data.locale).sort()).toEqual([
        'en',
        'zh',
      ]);
    });
  });

  describe('when an article is edited and published', () => {
    it('raises the version, records who, and audits before and after', async () => {
      const before = await getArticle(pool.models, 'gift-cards.en');
      const content = {
        ...before!.content,
        answer: `${before!.content.answer}\n\nGift cards never expire.`,
      };
      const result = await publishArticle({ pool, training }, content, 'admin:ada');
      expect(result.outcome).toBe('updated');
      expect(result.article).toMatchObject({
        version: 2,
        status: 'published',
        updatedBy: 'admin:ada',
      });
      const audit = await pool.models.AuditEvent.findOne({
        subject: 'article:gift-cards.en',
        action: 'article.updated',
      }).lean();
      expect(audit).toMatchObject({
        actor: 'admin:ada',
        before: { version: 1 },
        after: { version: 2 },
      });
      const again = await publishArticle({ pool, training }, content, 'admin:ada');
      expect(again.outcome).toBe('unchanged');
      expect(again.article.version).toBe(2);
    });

    it('unpublishes and republishes without changing the version', async () => {
      const draft = await unpublishArticle({ pool, training }, 'gift-cards.en', 'admin:ada');
      expect(draft.status).toBe('draft');
      expect(
        (await listArticles(pool.models, { locale: 'en', status: 'published' })).map(
          (a) => a.content.id,
        ),
      ).not.toContain('gift-cards');
      const back = await publishArticle({ pool, training }, draft.content, 'admin:ada');
      expect(back).toMatchObject({
        outcome: 'unchanged',
        article: { status: 'published', version: 2 },
      });
      const actions = await pool.models.AuditEvent.find({ subject: 'article:gift-cards.en' })
        .sort({ at: 1 })
        .lean();
      expect(actions.map((a) => a.action)).toEqual([
        'article.created',
        'article.updated',
        'article.unpublished',
        'article.published',
      ]);
    });
  });

  describe('when the knowledge base is exported and imported again', () => {
    it('writes files that import as all unchanged, with the same content', async () => {
      const dir = tempDir();
      const stored = await listArticles(pool.models);
      writeArticleFolder(
        dir,
        stored.map((a) => a.content),
      );
      expect(readdirSync(dir)).toHaveLength(88);
      const reread = readArticleFolder(dir);
      expect(reread.errors).toEqual([]);
      expect(reread.articles).toEqual(stored.map((a) => a.content));
      expect(
        await importArticles({ pool, training }, reread.articles, 'test:importer'),
      ).toMatchObject({
        created: 0,
        updated: 0,
        unchanged: 88,
      });
      // A seed file that was not edited comes back byte for byte.
      expect(readFileSync(join(dir, 'order-status.en.md'), 'utf8')).toBe(
        readFileSync(join(SEED_ARTICLES_DIR, 'order-status.en.md'), 'utf8'),
      );
    });
  });

  describe('when a folder holds malformed files', () => {
    it('rejects each with an error naming the file and imports the others', async () => {
      const dir = tempDir();
      const good = parseArticleMarkdown(
        readFileSync(join(SEED_ARTICLES_DIR, 'warranty.en.md'), 'utf8'),
        'warranty.en.md',
      );
      writeArticleFolder(dir, [
        { ...good, id: 'warranty-extended', title: 'Can I extend my warranty?' },
      ]);
      writeFileSync(
        join(dir, 'no-id.en.md'),
        '---\nlocale: en\ntitle: Lost\nquestions: [where]\n---\nAnswer.\n',
      );
      writeFileSync(
        join(dir, 'bad-yaml.en.md'),
        '---\nid: bad-yaml\nlocale: en\ntitle: [unclosed\n---\nAnswer.\n',
      );
      const folder = readArticleFolder(dir);
      expect(folder.errors.map((e) => e.message)).toEqual([
        expect.stringMatching(/^bad-yaml\.en\.md: front matter is not valid YAML/),
        'no-id.en.md: missing id',
      ]);
      const report = await importArticles(
        { pool, training },
        folder.articles,
        'test:importer',
        folder.errors,
      );
      expect(report).toMatchObject({ created: 1, updated: 0, unchanged: 0 });
      expect(await getArticle(pool.models, 'warranty-extended.en')).toMatchObject({
        status: 'published',
      });
    });
  });

  describe('when the CLI imports and exports', () => {
    const env = () => ({
      ...process.env,
      MONGODB_URI: inject('mongoUrl'),
      REDIS_URL: inject('redisUrl'),
      MONGODB_DB: config.MONGODB_DB,
      QUEUE_PREFIX: config.QUEUE_PREFIX,
      LOG_LEVEL: 'silent',
    });

    it('prints the counts, names rejected files and exits 1 when a file was rejected', async () => {
      const dir = tempDir();
      const good = parseArticleMarkdown(
        readFileSync(join(SEED_ARTICLES_DIR, 'warranty.zh.md'), 'utf8'),
        'warranty.zh.md',
      );
      writeArticleFolder(dir, [good, { ...good, id: 'cli-new', title: '新文章' }]);
      writeFileSync(join(dir, 'broken.zh.md'), 'no front matter here\n');
      const failed = await run('node', ['bin/switchboard.js', 'kb', 'import', dir], {
        env: env(),
      }).then(
        () => undefined,
        (error: { code: number; stdout: string; stderr: string }) => error,
      );
      expect(failed?.code).toBe(1);
      expect(failed?.stdout).toBe('created 1, updated 0, unchanged 1, rejected 1\n');
      expect(failed?.stderr).toContain('rejected broken.zh.md: no front matter');
      const out = tempDir();
      const exported = await run('node', ['bin/switchboard.js', 'kb', 'export', out], {
        env: env(),
      });
      expect(exported.stdout).toBe(`exported 90 articles to ${out}\n`);
      const again = await run('node', ['bin/switchboard.js', 'kb', 'import', out], { env: env() });
      expect(again.stdout).toBe('created 0, updated 0, unchanged 90, rejected 0\n');
    });
  });
});
