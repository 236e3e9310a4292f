/**
 * Jira's rate limits (429) and overload (503) with Retry-After: the app waits at least as long as asked,
 * loses nothing, and ends in exactly the Jira state of a run with no faults at all.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../support/databases.js';
import { startHarness, type Harness } from '../support/harness.js';
import type { FaultSpec, RecordedRequest } from '../doubles/jira/index.js';
import { jiraSnapshot, replayReferenceHistory, waitIdle, type IssueSnapshot } from '../support/pipeline-kit.js';

/** The app's Jira calls in the order they arrived. */
const inOrder = (requests: RecordedRequest[]) => [...requests].sort((a, b) => a.time - b.time);

/** For every answer with `status`, how long the app waited before its next call (ms). */
function pausesAfter(requests: RecordedRequest[], status: number): number[] {
  const ordered = inOrder(requests);
  const pauses: number[] = [];
  ordered.forEach((r, i) => {
    const next = ordered[i + 1];
    if (r.status === status && next) pauses.push(next.time - r.time);
  });
  return pauses;
}

describe.each(databaseKinds)('Jira rate limits and overload (%s)', (kind) => {
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

  it('a 429 storm (every 2nd call, Retry-After: 1): Retry-After honoured, same Jira state as a clean run', async () => {
    const { h: x, id } = await fresh();
    const storm: FaultSpec = { status: 429, retryAfter: 1, everyNth: 2 };
    x.jira.faults.add(storm);
    await replay(x, id);
    x.jira.faults.clear();

    const limited = x.jira.requests.filter((r) => r.status === 429);
    expect(limited.length).toBeGreaterThanOrEqual(3);
    const pauses = pausesAfter(x.jira.requests, 429);
    expect(pauses.length).toBeGreaterThanOrEqual(3);
    for (const p of pauses) expect(p, 'the app came back before Retry-After').toBeGreaterThanOrEqual(1000);
    expect(snapshotOf(x)).toEqual(clean);
    await expectHealthy(x);
  }, 60_000);

  it('503s with Retry-After (every 3rd call): Retry-After honoured, same Jira state as a clean run', async () => {
    const { h: x, id } = await fresh();
    x.jira.faults.add({ status: 503, retryAfter: 1, everyNth: 3 });
    await replay(x, id);
    x.jira.faults.clear();

    const pauses = pausesAfter(x.jira.requests, 503);
    expect(pauses.length).toBeGreaterThanOrEqual(2);
    for (const p of pauses) expect(p).toBeGreaterThanOrEqual(1000);
    expect(snapshotOf(x)).toEqual(clean);
    await expectHealthy(x);
  }, 60_000);

  it('Retry-After given as an HTTP date is honoured too', async () => {
    const { h: x, id } = await fresh();
    x.jira.faults.add({ status: 429, retryAfter: 2, retryAfterAsDate: true, times: 2, match: { method: 'PUT' } });
    await replay(x, id);
    const pauses = pausesAfter(x.jira.requests, 429);
    expect(pauses).toHaveLength(2);
    // An HTTP date has whole seconds: at least 1 s of the 2 asked for remains after rounding.
    for (const p of pauses) expect(p).toBeGreaterThanOrEqual(1000);
    expect(snapshotOf(x)).toEqual(clean);
  }, 60_000);
});
