/**
 * Dropped connections and slow answers: a write whose answer never came is settled before anything is
 * written again, so once the faults clear Jira holds exactly the state of a run with no faults.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../support/databases.js';
import { startHarness, type Harness } from '../support/harness.js';
import type { FaultSpec, RecordedRequest } from '../doubles/jira/index.js';
import { jiraSnapshot, replayReferenceHistory, waitIdle, type IssueSnapshot } from '../support/pipeline-kit.js';

describe.each(databaseKinds)('Jira unreachable or slow (%s)', (kind) => {
  let clean: IssueSnapshot[];
  let h: Harness | undefined;

  const snapshotOf = (x: Harness) => jiraSnapshot(x.jira, { [x.app.id]: '<app>', [x.profile.id]: '<profile>' });
  async function fresh(): Promise<{ h: Harness; id: string }> {
    h = await startHarness({ db: kind });
    const id = (await h.associate()).id;
    h.jira.clearRequests();
    return { h, id };
  }
  const replay = (x: Harness, id: string, timeoutMs = 25_000) => replayReferenceHistory(x, x, id, () => waitIdle(x.service.db, timeoutMs));

  beforeAll(async () => {
    const { h: ref, id } = await fresh();
    await replay(ref, id);
    clean = snapshotOf(ref);
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
    await h?.close();
    h = undefined;
  });

  async function expectHealthy(x: Harness) {
    const res = await x.api('get', '/api/associations');
    const health = (res.body as { associations: { health: Record<string, unknown> }[] }).associations[0]!.health;
    expect(health).toMatchObject({ status: 'ok', backlog: 0, failedEvents: 0 });
  }

  /** Replays the reference history under `faults`, and checks they really hit the app's writes. */
  async function underFaults(faults: FaultSpec[], hit: (r: RecordedRequest) => boolean) {
    const { h: x, id } = await fresh();
    for (const f of faults) x.jira.faults.add(f);
    await replay(x, id, 40_000);
    x.jira.faults.clear();
    const writes = x.jira.requests.filter((r) => r.method !== 'GET' && !r.path.endsWith('/search/jql'));
    expect(writes.some(hit), 'no write met a fault').toBe(true);
    expect(snapshotOf(x)).toEqual(clean);
    await expectHealthy(x);
    return x;
  }

  it('connections dropped without an answer on every 3rd call (4 of them, writes included): same Jira state as a clean run', async () => {
    await underFaults([{ drop: true, everyNth: 3, times: 4 }], (r) => r.fault === 'drop');
  }, 60_000);

  it('slow answers (1.2 s on every 2nd call): same Jira state as a clean run', async () => {
    const x = await underFaults([{ delayMs: 1200, everyNth: 2, times: 6 }], (r) => r.fault === 'delay');
    expect(x.jira.requests.filter((r) => r.fault === 'delay').length).toBeGreaterThanOrEqual(3);
  }, 60_000);
});
