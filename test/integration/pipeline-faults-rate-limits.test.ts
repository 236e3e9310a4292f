/**
 * Jira's rate limits (429) and overload (503) with Retry-After: the app waits at least as long as asked,
 * loses nothing, and ends in exactly the Jira state of a run with no faults at all.
 */
import { describe, expect, it } from 'vitest';
import { databaseKinds } from '../support/databases.js';
import type { FaultSpec } from '../doubles/jira/index.js';
import { faultSuite, pausesAfter } from '../support/fault-suite.js';

describe.each(databaseKinds)('Jira rate limits and overload (%s)', (kind) => {
  const { fresh, replay, snapshotOf, clean, expectHealthy } = faultSuite(kind);

  it('a 429 storm (every 2nd call, Retry-After: 1): Retry-After honoured, same Jira state as a clean run', async () => {
    const { h: x, id, calls } = await fresh();
    const storm: FaultSpec = { status: 429, retryAfter: 1, everyNth: 2 };
    x.jira.faults.add(storm);
    await replay(x, id);
    x.jira.faults.clear();

    const limited = x.jira.requests.filter((r) => r.status === 429);
    expect(limited.length).toBeGreaterThanOrEqual(3);
    const pauses = pausesAfter(calls, 429);
    expect(pauses.length).toBeGreaterThanOrEqual(3);
    for (const p of pauses) expect(p, 'the app came back before Retry-After').toBeGreaterThanOrEqual(1000);
    expect(snapshotOf(x)).toEqual(clean());
    await expectHealthy(x);
  }, 60_000);

  it('503s with Retry-After (every 3rd call): Retry-After honoured, same Jira state as a clean run', async () => {
    const { h: x, id, calls } = await fresh();
    x.jira.faults.add({ status: 503, retryAfter: 1, everyNth: 3 });
    await replay(x, id);
    x.jira.faults.clear();

    const pauses = pausesAfter(calls, 503);
    expect(pauses.length).toBeGreaterThanOrEqual(2);
    for (const p of pauses) expect(p).toBeGreaterThanOrEqual(1000);
    expect(snapshotOf(x)).toEqual(clean());
    await expectHealthy(x);
  }, 60_000);

  it('Retry-After given as an HTTP date is honoured too', async () => {
    const { h: x, id, calls } = await fresh();
    x.jira.faults.add({ status: 429, retryAfter: 2, retryAfterAsDate: true, times: 2, match: { method: 'PUT' } });
    await replay(x, id);
    const pauses = pausesAfter(calls, 429);
    expect(pauses).toHaveLength(2);
    // An HTTP date has whole seconds: at least 1 s of the 2 asked for remains after rounding.
    for (const p of pauses) expect(p).toBeGreaterThanOrEqual(1000);
    expect(snapshotOf(x)).toEqual(clean());
  }, 60_000);
});
