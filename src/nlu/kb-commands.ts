/**
 * `switchboard kb ...`: import, export and publish knowledge-base articles from the command line.
 * Changes are stored and retraining is queued; a running worker trains and swaps the model in.
 */
import { watchRedisErrors } from '../redis-errors.ts';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { Command } from 'commander';
import { Redis } from 'ioredis';
import {
  SEED_ARTICLES_DIR,
  readArticleFolder,
  writeArticleFolder,
} from '../../knowledge/folder.ts';
import { parseArticleMarkdown } from '../../knowledge/markdown.ts';
import { loadConfig } from '../config.ts';
import { importArticles, publishArticle, type KnowledgeDeps } from './publish.ts';
import { createTrainingQueue } from './training-queue.ts';
import { redisDocumentLocks } from '../pool/locks.ts';
import { TicketPool } from '../pool/pool.ts';
import { resolveInfrastructure } from '../runtime.ts';
import { listArticles } from '../knowledge/articles.ts';

/** Who the audit log names for CLI changes. */
const CLI_ACTOR = `cli:${process.env['USER'] ?? 'unknown'}`;

async function withKnowledge<T>(work: (deps: KnowledgeDeps) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const infrastructure = await resolveInfrastructure(config, { announce: false });
  // The command fails on its own if Redis is away; the listener only keeps stderr clean.
  const redis = watchRedisErrors(
    new Redis(infrastructure.redisUrl, { maxRetriesPerRequest: 1 }),
    undefined,
    'cli',
  );
  const pool = await TicketPool.connect(infrastructure.mongoUri, {
    dbName: config.MONGODB_DB,
    locks: redisDocumentLocks(redis, { prefix: config.QUEUE_PREFIX }),
  });
  const training = createTrainingQueue(redis, config);
  try {
    return await work({ pool, training });
  } finally {
    await training.close();
    await pool.close();
    redis.disconnect();
    await infrastructure.stop();
  }
}

/** Adds the `kb` command group to the program. */
export function registerKbCommands(program: Command): void {
  const kb = program.command('kb').description('knowledge-base articles');
  kb.command('import')
    .description(
      'import a folder of <id>.<locale>.md articles as published (unchanged ones are left alone)',
    )
    .argument('[folder]', 'the folder', SEED_ARTICLES_DIR)
    .action(async (folder: string) => {
      const parsed = readArticleFolder(folder);
      const report = await withKnowledge((deps) =>
        importArticles(deps, parsed.articles, CLI_ACTOR, parsed.errors),
      );
      for (const error of report.rejected) process.stderr.write(`rejected ${error.message}\n`);
      process.stdout.write(
        `created ${report.created}, updated ${report.updated}, unchanged ${report.unchanged}, rejected ${report.rejected.length}\n`,
      );
      if (report.rejected.length > 0) process.exitCode = 1;
    });
  kb.command('export')
    .description('write every article to a folder in the import format')
    .argument('<folder>', 'the folder (created if missing)')
    .action(async (folder: string) => {
      const articles = await withKnowledge((deps) => listArticles(deps.pool.models));
      const paths = writeArticleFolder(
        folder,
        articles.map((a) => a.content),
      );
      process.stdout.write(`exported ${paths.length} articles to ${folder}\n`);
    });
  kb.command('publish')
    .description('store one article file as the published version and queue retraining')
    .argument('<file>', 'an <id>.<locale>.md file')
    .action(async (file: string) => {
      const content = parseArticleMarkdown(readFileSync(file, 'utf8'), basename(file));
      const result = await withKnowledge((deps) => publishArticle(deps, content, CLI_ACTOR));
      process.stdout.write(
        `${content.id}.${content.locale}: ${result.outcome}, version ${result.article.version}, published\n`,
      );
    });
}
