/**
 * PostgreSQL unreachable for 10 s in the middle of an event stream (the app reaches it through a TCP
 * proxy that resets every connection while cut). During the outage /healthz answers 503; events that
 * arrive get an answer the forwarder retries (503 with Retry-After, never a 500 or a 2xx for an event
 * that was not stored); afterwards /healthz is 200 again, every event is delivered and the Jira state
 * is exact, with nothing set aside as failed. Needs TEST_DATABASE_URL (CI sets it).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../support/databases.js';
import { associateVia, healthVia, installOn, startAppProcess, startDoubles, type AppProcess, type Doubles } from '../support/app-process.js';
import { waitFor } from '../support/wait.js';
import { differencesFromExpected, runStream, type Attempt, type Delivery } from '../support/event-stream.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';

const ASSOCIATIONS = 3;
const EVENTS_EACH = 120;
const OUTAGE_MS = 10_000;
/** Cut the database when this many events have been delivered in all. */
const CUT_AT = 90;

describe.runIf(databaseKinds.includes('postgres'))('PostgreSQL unreachable for 10 s mid-stream', () => {
  let doubles: Doubles;
  let db: TestDatabase;
  let proxy: TcpProxy;
  let app: AppProcess;
  const ids: string[] = [];
  const target = (i: number) => ({ app: doubles.app, profile: doubles.profiles[i]! });
  const secretOf = (id: string) =>
    doubles.aws.extensionAssociations().find((a) => a.parameters.EventsUrl?.endsWith(`/api/associations/${id}/events`))!.parameters.SigningSecret!;

  beforeAll(async () => {
    doubles = await startDoubles(ASSOCIATIONS);
    db = await createTestDatabase('postgres');
    const direct = new URL(db.databaseUrl!);
    proxy = await startTcpProxy({ host: direct.hostname, port: Number(direct.port || 5432) });
    const viaProxy = new URL(db.databaseUrl!);
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(proxy.port);
    app = await startAppProcess({ dataDir: db.dataDir, databaseUrl: viaProxy.toString(), env: { WORKER_LEASE_MS: '3000' } });
    await installOn(doubles, app);
    for (const p of doubles.profiles) ids.push(await associateVia(doubles, app, p.id));
  }, 60_000);

  afterAll(async () => {
    proxy?.restore();
    await app?.kill('SIGKILL');
    await proxy?.close();
    await doubles?.close();
    await db?.drop();
  });

  let deliveries: Delivery[] = [];
  const window = { cutAt: 0, restoredAt: 0 };
  const health: { at: number; status: number | string }[] = [];

  it('during the outage /healthz is 503 and events get a retryable 503 with Retry-After; after it, 200 and every event delivered', async () => {
    let delivered = 0;
    const streams = ids.map((id, i) =>
      runStream({ url: () => app.url, associationId: id, secret: secretOf(id), target: target(i), count: EVENTS_EACH, pauseMs: 20, onDelivered: () => delivered++ }),
    );
    let polling = true;
    const poller = (async () => {
      while (polling) {
        const at = Date.now();
        const status = await fetch(`${app.url}/healthz`, { signal: AbortSignal.timeout(5000) }).then((r) => r.status, (e: Error) => e.name);
        health.push({ at, status });
        await new Promise((r) => setTimeout(r, 250));
      }
    })();

    await waitFor(`${CUT_AT} delivered events`, () => delivered >= CUT_AT, 60_000, 5);
    window.cutAt = Date.now();
    proxy.cut();
    await new Promise((r) => setTimeout(r, OUTAGE_MS));
    proxy.restore();
    window.restoredAt = Date.now();
    deliveries = (await Promise.all(streams)).flat();
    await waitFor('/healthz 200 after the outage', () => health.some((h) => h.at > window.restoredAt && h.status === 200), 30_000, 100);
    polling = false;
    await poller;

    // /healthz: 503 throughout the outage (after a second for the pool to notice), 200 again after it.
    const during = health.filter((h) => h.at > window.cutAt + 1000 && h.at < window.restoredAt - 500);
    expect(during.length).toBeGreaterThan(10);
    expect(during.filter((h) => h.status !== 503), 'healthz during the outage').toEqual([]);
    const firstOk = health.find((h) => h.at > window.restoredAt && h.status === 200)!;
    expect(health.filter((h) => h.at > firstOk.at && h.status !== 200), 'healthz after recovery').toEqual([]);
    expect(app.exited, 'the app process is still running').toBe(false);

    // Events: every one delivered in the end; every refusal on the way was one the forwarder retries.
    expect(deliveries).toHaveLength(ASSOCIATIONS * EVENTS_EACH);
    const answers = deliveries.flatMap((d) => d.attempts.filter((a): a is Extract<Attempt, { status: number }> => 'status' in a));
    const refused = answers.filter((a) => a.status >= 300);
    expect(refused.filter((a) => a.status !== 503 || !a.retryAfter), 'refusals that are not 503 + Retry-After').toEqual([]);
    const inOutage = answers.filter((a) => a.at > window.cutAt + 1000 && a.at < window.restoredAt - 500);
    expect(inOutage.length, 'events arrived during the outage').toBeGreaterThan(0);
    expect(inOutage.filter((a) => a.status < 300), 'an event acknowledged while the database was unreachable').toEqual([]);
    for (const d of deliveries) expect([200, 202]).toContain(d.final?.status);
    console.info(
      `[db outage] healthz during: ${during.length} x 503; first 200 ${firstOk.at - window.restoredAt} ms after the restore; ` +
        `event answers during the outage: ${inOutage.length} (all 503 + Retry-After ${[...new Set(inOutage.map((a) => a.retryAfter))].join('/')})`,
    );
  }, 180_000);

  it('ends in the exact Jira state, nothing failed, nothing pending', async () => {
    await waitFor('every association to finish its backlog', async () => (await healthVia(doubles, app)).every((a) => a.health.backlog === 0), 120_000, 500);
    expect(ids.flatMap((_, i) => differencesFromExpected(doubles.jira, target(i), EVENTS_EACH))).toEqual([]);
    for (const a of await healthVia(doubles, app)) expect(a.health, a.id).toMatchObject({ backlog: 0, failedEvents: 0 });
  }, 150_000);
});
