/**
 * `npm run bench`: the figures of issue 15, each beside its floor and target, on SQLite and again on PostgreSQL
 * when DATABASE_URL is set (a fresh database is created for the run and dropped afterwards).
 * The app runs as its own process (node dist/src/server.js); the Jira and AWS doubles run here, on
 * 127.0.0.1. Each group of rows gets a fresh app and database (so memory is measured from the same idle
 * process, and no row inherits another's work): the sync rows and the deployment after them; the
 * growth sizes 100 and 5,000 (1,000 is the first-sync row); the large documents (on V8's default heap, and
 * again under a heap ceiling); intake.
 * Exits 1 when a target is missed.
 */
import os from 'node:os';
import path from 'node:path';
import { projectRoot } from '../src/paths.js';
import { intakeFigures, type BareServer, type BareUrls } from './lib/bench-intake.js';
import { createBenchDatabase, type BenchDatabase, type DbKind } from './lib/bench-database.js';
import { startStage, type Stage } from './lib/bench-setup.js';
import { syncFigures, type FirstSync } from './lib/bench-sync.js';
import { growthFigures, growthPoint, GROWTH_SIZES } from './lib/bench-growth.js';
import { HEAP_CEILING_MB, largeDocumentFigures } from './lib/bench-large.js';
import { panelFigures } from './lib/bench-panel.js';
import { JIRA_LATENCY_MS, WRITE_CONCURRENCY } from './lib/bench-run.js';
import { Children, onInterrupt } from './lib/children.js';
import { startScriptArenaMax } from './lib/app-process.js';
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

/** A fresh database and app for `fn`, closed and dropped afterwards. */
async function withStage<T>(kind: DbKind, what: string, fn: (stage: Stage) => Promise<T>, nodeArgs: string[] = []): Promise<T> {
  const slot: { stage?: Stage; db?: BenchDatabase } = {};
  open.push(slot);
  slot.db = await createBenchDatabase(kind, process.env.DATABASE_URL);
  slot.stage = await startStage(children, slot.db, { nodeArgs });
  say(`${kind} ${what}: app pid ${slot.stage.app.pid} at ${slot.stage.app.url}; ${slot.db.label}`);
  const t0 = Date.now();
  const result = await fn(slot.stage);
  say(`${kind} ${what}: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  await slot.stage.close();
  slot.stage = undefined;
  await slot.db.drop();
  slot.db = undefined;
  return result;
}

async function runKind(kind: DbKind, bare: BareUrls): Promise<Figure[]> {
  const started = Date.now();
  const sync = await withStage(kind, 'sync rows and deployment', async (stage) => {
    const s = await syncFigures(stage, kind);
    // Version 3 (the 429 row's) changed flags 51-100; its first deployment changes every flag's state.
    const panel = await panelFigures(stage, kind, 3, 50);
    return { ...s, panel };
  });
  const points: FirstSync[] = [sync.first];
  for (const flags of GROWTH_SIZES.filter((n) => n !== sync.first.flags)) {
    points.push(await withStage(kind, `growth ${flags} flags`, (stage) => growthPoint(stage, flags)));
  }
  const large = [
    ...(await withStage(kind, 'large documents', (stage) => largeDocumentFigures(stage, kind))),
    ...(await withStage(kind, 'large documents, heap ceiling', (stage) => largeDocumentFigures(stage, kind, HEAP_CEILING_MB), [`--max-old-space-size=${HEAP_CEILING_MB}`])),
  ];
  const intake = await withStage(kind, 'intake', (stage) => intakeFigures(stage, bare, kind));
  say(`${kind}: ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return [...sync.figures, ...growthFigures(points, kind), ...intake, ...large, ...sync.panel];
}

async function startBare(kind: 'node' | 'express'): Promise<BareServer> {
  const child = children.spawnNode(`bare-${kind}`, ['--import', 'tsx', path.join(projectRoot, 'scripts', 'lib', 'bare-server.ts'), '--kind', kind], {
    cwd: projectRoot,
    env: { PATH: process.env.PATH },
  });
  return { url: String((await child.waitForJson((l) => typeof l.url === 'string', 10_000, 'start-up line')).url), pid: child.pid };
}

async function main(): Promise<boolean> {
  const started = Date.now();
  const startedAt = new Date().toISOString();
  say(`npm run bench: ${machine()}`);
  const kinds: DbKind[] = process.env.DATABASE_URL ? ['sqlite', 'postgres'] : ['sqlite'];
  if (!process.env.DATABASE_URL) say('DATABASE_URL is not set: SQLite only (set it to a PostgreSQL server to measure PostgreSQL too).');
  const bare: BareUrls = { node: await startBare('node'), express: await startBare('express') };

  const figures: Figure[] = [];
  for (const kind of kinds) figures.push(...(await runKind(kind, bare)));
  const failed = figures.filter((f) => f.pass === false);
  say();
  say(`Machine: ${machine()}`);
  say(
    `Run: ${startedAt}, ${kinds.join(' and ')}, total ${((Date.now() - started) / 1000).toFixed(0)} s. ` +
      `App started as \`npm start\` starts it (MALLOC_ARENA_MAX=${startScriptArenaMax() ?? 'unset'}). ` +
      `Jira double answering in ${JIRA_LATENCY_MS} ms; floors assume the app runs up to ${WRITE_CONCURRENCY} issue writes at a time (WRITE_CONCURRENCY = ${WRITE_CONCURRENCY}).`,
  );
  say();
  say(formatTable(figures));
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
