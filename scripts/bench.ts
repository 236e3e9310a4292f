/**
 * `npm run bench`: the figures of issue 6, each beside its target, on SQLite and again on PostgreSQL
 * when DATABASE_URL is set (a fresh database is created for the run and dropped afterwards).
 * The app runs as its own process (node dist/src/server.js); the Jira and AWS doubles run here, on
 * 127.0.0.1. Exits 1 when a target is missed.
 */
import os from 'node:os';
import path from 'node:path';
import { projectRoot } from '../src/paths.js';
import { intakeFigures } from './lib/bench-intake.js';
import { createBenchDatabase, type BenchDatabase, type DbKind } from './lib/bench-database.js';
import { startStage, type Stage } from './lib/bench-setup.js';
import { syncFigures } from './lib/bench-sync.js';
import { Children, onInterrupt } from './lib/children.js';
import { formatTable, type Figure } from './lib/figures.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const say = (line = '') => process.stdout.write(line + '\n');

const children = new Children();
const open: { stage?: Stage; db?: BenchDatabase }[] = [];
let cleaned: Promise<void> | undefined;
const cleanup = () =>
  (cleaned ??= (async () => {
    for (const o of open) {
      await o.stage?.close().catch(() => undefined);
      await o.db?.drop().catch((err: unknown) => say(`could not drop the benchmark database: ${String(err)}`));
    }
    await children.stopAll();
  })());
const interrupted = onInterrupt(cleanup);

function machine(): string {
  const cpus = os.cpus();
  return `${cpus.length} CPU (${cpus[0]?.model.trim() ?? 'unknown'}), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ` +
    `${os.type()} ${os.release()}, Node ${process.version}`;
}

async function runStage(kind: DbKind, bareUrl: string): Promise<Figure[]> {
  const slot: { stage?: Stage; db?: BenchDatabase } = {};
  open.push(slot);
  slot.db = await createBenchDatabase(kind, process.env.DATABASE_URL);
  say(`${kind}: ${slot.db.label}`);
  slot.stage = await startStage(children, slot.db);
  say(`${kind}: app pid ${slot.stage.app.pid} at ${slot.stage.app.url}; Jira double ${slot.stage.jira.url}; AWS double ${slot.stage.aws.url}`);
  const figures = [...(await syncFigures(slot.stage, kind)), ...(await intakeFigures(slot.stage, bareUrl, kind))];
  await slot.stage.close();
  slot.stage = undefined;
  await slot.db.drop();
  slot.db = undefined;
  return figures;
}

async function main(): Promise<boolean> {
  const started = Date.now();
  say(`npm run bench: ${machine()}`);
  const kinds: DbKind[] = process.env.DATABASE_URL ? ['sqlite', 'postgres'] : ['sqlite'];
  if (!process.env.DATABASE_URL) say('DATABASE_URL is not set: SQLite only (set it to a PostgreSQL server to measure PostgreSQL too).');
  const bare = children.spawnNode('bare-express', ['--import', 'tsx', path.join(projectRoot, 'scripts', 'lib', 'bare-server.ts')], {
    cwd: projectRoot,
    env: { PATH: process.env.PATH },
  });
  const bareUrl = String((await bare.waitForJson((l) => typeof l.url === 'string', 10_000, 'start-up line')).url);

  const figures: Figure[] = [];
  for (const kind of kinds) figures.push(...(await runStage(kind, bareUrl)));
  say();
  say(formatTable(figures));
  const failed = figures.filter((f) => f.pass === false);
  say();
  say(`${figures.length} figures, ${failed.length} targets missed; ${((Date.now() - started) / 1000).toFixed(0)} s.`);
  return failed.length === 0;
}

main()
  .then(
    async (ok) => {
      if (!ok) process.exitCode = 1;
      await cleanup();
    },
    async (err: unknown) => {
      if (interrupted()) return new Promise<void>(() => undefined); // the interrupt handler exits
      process.exitCode = 1;
      process.stderr.write(`\nbench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n\nLast output of each process:\n${children.tails()}\n`);
      await cleanup();
    },
  )
  .then(() => process.exit());
