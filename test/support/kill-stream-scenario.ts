/**
 * The kill-during-stream suite (kill-restart.test.ts on SQLite, kill-restart-postgres.test.ts on
 * PostgreSQL): 1,000 signed events (4 associations, 250 each, streamed side by side as the forwarder
 * sends them) while the app process is SIGKILLed twice and restarted on the same database and port.
 * Every event the app acknowledged is processed exactly once: each flag's issue carries one comment per
 * version that changed it, in order, none twice, none missing; nothing is left pending or failed.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type DbKind, type TestDatabase } from './databases.js';
import { KEYS, TEST_OPERATOR_KEY } from './harness.js';
import { associateVia, healthVia, installOn, startAppProcess, startDoubles, type AppProcess, type Doubles } from './app-process.js';
import { successfulWrites } from './pipeline-kit.js';
import { waitFor } from './wait.js';
import { differencesFromExpected, runStream, streamEvent, deliverRecorded, type Delivery } from './event-stream.js';

const ASSOCIATIONS = 4;
const EVENTS_EACH = 250;
/** Kill when this many events have been delivered in all. */
const KILL_AT = [300, 650];
const LEASE_MS = 3000;

/** A port nobody listens on now, so every incarnation of the app can listen on the same one (as behind a load balancer). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export function describeKillDuringStream(kind: DbKind, enabled = true): void {
  describe.runIf(enabled)(`1,000 events streamed while the app is SIGKILLed twice (${kind})`, () => {
    let doubles: Doubles;
    let db: TestDatabase;
    let app: AppProcess | undefined;
    let port: number;
    const ids: string[] = [];
    const outputs: string[] = [];

    const start = async () => {
      app = await startAppProcess({ dataDir: db.dataDir, databaseUrl: db.databaseUrl, env: { WORKER_LEASE_MS: String(LEASE_MS), PORT: String(port) } });
      return app;
    };
    const secretOf = (id: string) =>
      doubles.aws.extensionAssociations().find((a) => a.parameters.EventsUrl?.endsWith(`/api/associations/${id}/events`))!.parameters.SigningSecret!;
    const target = (i: number) => ({ app: doubles.app, profile: doubles.profiles[i]! });

    beforeAll(async () => {
      doubles = await startDoubles(ASSOCIATIONS);
      db = await createTestDatabase(kind);
      port = await freePort();
      await start();
      await installOn(doubles, app!);
      for (const p of doubles.profiles) ids.push(await associateVia(doubles, app!, p.id));
      doubles.jira.clearRequests();
    }, 60_000);

    afterAll(async () => {
      await app?.kill('SIGKILL');
      await doubles?.close();
      await db?.drop();
    });

    let deliveries: Delivery[][] = [];

    it('streams every event through two kills: each delivered, none answered 5xx, none acknowledged twice', async () => {
      let delivered = 0;
      const url = `http://127.0.0.1:${port}`;
      const streams = ids.map((id, i) =>
        runStream({ url: () => url, associationId: id, secret: secretOf(id), target: target(i), count: EVENTS_EACH, onDelivered: () => delivered++ }),
      );
      const backlogAtKill: number[] = [];
      for (const at of KILL_AT) {
        await waitFor(`${at} delivered events`, () => delivered >= at, 120_000, 5);
        backlogAtKill.push((await healthVia(doubles, app!)).reduce((n, a) => n + a.health.backlog, 0));
        await app!.kill('SIGKILL');
        outputs.push(app!.output());
        await start();
      }
      deliveries = await Promise.all(streams);
      const all = deliveries.flat();
      expect(all).toHaveLength(ASSOCIATIONS * EVENTS_EACH);

      const answers = all.flatMap((d) => d.attempts.filter((a): a is Extract<typeof a, { status: number }> => 'status' in a));
      expect(answers.filter((a) => a.status >= 500), 'no 5xx answer').toEqual([]);
      for (const d of all) {
        expect([200, 202], `v${d.version}: ${JSON.stringify(d.attempts)}`).toContain(d.final?.status);
        expect(d.attempts.filter((a) => 'status' in a && a.status === 202).length, `v${d.version} acknowledged twice`).toBeLessThanOrEqual(1);
        // "Already have it" only for an event whose earlier attempt lost its answer in a kill.
        if (d.final?.status === 200) expect(d.attempts.some((a) => 'error' in a), `v${d.version}: 200 without a lost attempt`).toBe(true);
      }
      // The kills really hit the stream: some attempts found no app, or lost their answer.
      expect(all.some((d) => d.attempts.some((a) => 'error' in a))).toBe(true);
      console.info(`[kill-restart ${kind}] backlog at the kills: ${backlogAtKill.join(', ')}; retried deliveries: ${all.filter((d) => d.attempts.length > 1).length}`);
    }, 240_000);

    it('processes every acknowledged event exactly once: the Jira state is exact', async () => {
      await waitFor(
        'every association to finish its backlog',
        async () => (await healthVia(doubles, app!)).every((a) => a.health.backlog === 0),
        180_000,
        500,
      );
      const problems = ids.flatMap((_, i) => differencesFromExpected(doubles.jira, target(i), EVENTS_EACH));
      expect(problems).toEqual([]);
      for (const a of await healthVia(doubles, app!)) expect(a.health, a.id).toMatchObject({ backlog: 0, failedEvents: 0 });
    }, 200_000);

    it('a forwarder retry of an acknowledged event after the restarts is a duplicate and writes nothing', async () => {
      const writesBefore = successfulWrites(doubles.jira.requests).length;
      for (let i = 0; i < ids.length; i++) {
        for (const v of [0, 1, 124, EVENTS_EACH - 1]) {
          const raw = JSON.stringify(streamEvent(target(i), v));
          const d = await deliverRecorded(() => app!.url, `/api/associations/${ids[i]}/events`, raw, secretOf(ids[i]!));
          expect(d.final?.status, JSON.stringify(d.attempts)).toBe(200);
        }
      }
      await new Promise((r) => setTimeout(r, 1500));
      expect(successfulWrites(doubles.jira.requests).length).toBe(writesBefore);
      expect(ids.flatMap((_, i) => differencesFromExpected(doubles.jira, target(i), EVENTS_EACH))).toEqual([]);
    }, 60_000);

    it('no secret in any log line of the three processes', () => {
      const text = [...outputs, app!.output()].join('\n');
      expect(text).toContain('app listening');
      for (const secret of [KEYS.full.secretAccessKey, TEST_OPERATOR_KEY, doubles.jira.sharedSecret, ...ids.map(secretOf)]) expect(text).not.toContain(secret);
    });
  });
}
