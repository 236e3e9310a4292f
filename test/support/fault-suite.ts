/**
 * Shared setup of the pipeline fault suites: each test replays the reference history against a fresh
 * harness (with Jira faults injected) and compares Jira's end state with a clean, fault-free run.
 * Call `faultSuite(kind)` inside the caller's `describe`: it registers the hooks there.
 */
import { afterEach, beforeAll, expect } from 'vitest';
import { startHarness, type Harness } from './harness.js';
import type { DbKind } from './databases.js';
import type { FaultSpec, RecordedRequest } from '../doubles/jira/index.js';
import { type IssueSnapshot, jiraSnapshot, replayReferenceHistory, waitIdle } from './pipeline-kit.js';
import { watchAppFetch, type AppCall } from './app-fetch.js';

export interface FaultSuite {
  /**
   * A new harness with one association and an empty request log; closed after the test. `calls`: the
   * requests the app starts to Jira from then on (its writes run a few at a time, so only the app's side
   * tells which request started after it knew of an answer).
   */
  fresh(): Promise<{ h: Harness; id: string; calls: AppCall[] }>;
  /** Sends the reference history, waiting for the queue to drain after each event. */
  replay(x: Harness, id: string, timeoutMs?: number): Promise<void>;
  /** Jira's issues, with the run's own ids replaced so runs compare. */
  snapshotOf(x: Harness): IssueSnapshot[];
  /** The snapshot of the fault-free reference run (taken in beforeAll). */
  clean(): IssueSnapshot[];
  /** The association reports ok, nothing pending, nothing failed. */
  expectHealthy(x: Harness): Promise<void>;
  /** Replays the reference history under `faults`, and checks they really hit the app's writes. */
  underFaults(faults: FaultSpec[], hit: (r: RecordedRequest) => boolean): Promise<Harness>;
}

export function faultSuite(kind: DbKind): FaultSuite {
  let clean: IssueSnapshot[] | undefined;
  let h: Harness | undefined;
  let restoreFetch: (() => void) | undefined;

  const snapshotOf = (x: Harness) => jiraSnapshot(x.jira, { [x.app.id]: '<app>', [x.profile.id]: '<profile>' });
  async function fresh(): Promise<{ h: Harness; id: string; calls: AppCall[] }> {
    h = await startHarness({ db: kind });
    const id = (await h.associate()).id;
    h.jira.clearRequests();
    const watched = watchAppFetch(h.jira.tenant().baseUrl);
    restoreFetch = watched.restore;
    return { h, id, calls: watched.calls };
  }
  const replay = (x: Harness, id: string, timeoutMs = 25_000) => replayReferenceHistory(x, x, id, () => waitIdle(x.service.db, timeoutMs));
  const cleanSnapshot = (): IssueSnapshot[] => {
    if (!clean) throw new Error('the reference run has not been taken (faultSuite must be called inside a describe)');
    return clean;
  };

  beforeAll(async () => {
    const { h: ref, id } = await fresh();
    await replay(ref, id);
    clean = snapshotOf(ref);
    restoreFetch?.();
    await ref.close();
    h = undefined;
    // The reference itself is what the output rules ask for: three issues, 2 + 1 + 1 comments.
    expect(clean.map((i) => [i.flagKey, i.comments.length])).toEqual([
      ['beta_banner', 2],
      ['checkout_v2', 2],
      ['search_ranking', 1],
    ]);
  }, 60_000);
  afterEach(async () => {
    restoreFetch?.();
    restoreFetch = undefined;
    await h?.close();
    h = undefined;
  });

  async function expectHealthy(x: Harness) {
    const res = await x.api('get', '/api/associations');
    const health = (res.body as { associations: { health: Record<string, unknown> }[] }).associations[0]!.health;
    expect(health).toMatchObject({ status: 'ok', backlog: 0, failedEvents: 0 });
  }

  async function underFaults(faults: FaultSpec[], hit: (r: RecordedRequest) => boolean) {
    const { h: x, id } = await fresh();
    for (const f of faults) x.jira.faults.add(f);
    await replay(x, id, 40_000);
    x.jira.faults.clear();
    const writes = x.jira.requests.filter((r) => r.method !== 'GET' && !/\/search\/jql$|\/issue\/bulkfetch$/.test(r.path));
    expect(writes.some(hit), 'no write met a fault').toBe(true);
    expect(snapshotOf(x)).toEqual(cleanSnapshot());
    await expectHealthy(x);
    return x;
  }

  return { fresh, replay, snapshotOf, clean: cleanSnapshot, expectHealthy, underFaults };
}

/**
 * For every answer with `status`, how long the app waited after it before starting its next request (ms).
 * Requests already under way when the answer came were sent before the app knew, and do not count.
 */
export function pausesAfter(calls: AppCall[], status: number): number[] {
  const pauses: number[] = [];
  for (const c of calls) {
    if (c.status !== status || c.answered === undefined) continue;
    const starts = calls.filter((n) => n.startedSeq > c.answeredSeq!).map((n) => n.started);
    if (starts.length > 0) pauses.push(Math.min(...starts) - c.answered);
  }
  return pauses;
}
