/**
 * Retry-After in its other forms: an HTTP date (waited out by the client), and a wait longer than the
 * client's in-process budget, which the worker turns into a rescheduled event (kept, shown as backlog).
 */
import { QueryTypes } from 'sequelize';
import { describe, expect, it } from 'vitest';
import { rateGateFor } from '../../src/jira/index.js';
import { databaseKinds } from '../support/databases.js';
import { faultSuite, pausesAfter } from '../support/fault-suite.js';
import { deploymentEvent, preCreateEvent } from '../support/events.js';
import { flagsV1, flagsV2 } from '../support/fixtures.js';
import { eventCounts, waitIdle } from '../support/pipeline-kit.js';
import { waitFor } from '../support/wait.js';

describe.each(databaseKinds)('Retry-After (%s)', (kind) => {
  const { fresh, replay, snapshotOf, clean, expectHealthy } = faultSuite(kind);

  it('8 rate limits in a row (more than the client tries per call): the worker takes over, still never earlier than asked', async () => {
    const { h: x, id, calls } = await fresh();
    x.jira.faults.add({ status: 429, retryAfter: 1, times: 8 });
    await replay(x, id);
    expect(x.jira.requests.filter((r) => r.status === 429)).toHaveLength(8);
    const pauses = pausesAfter(calls, 429);
    expect(pauses).toHaveLength(8);
    for (const p of pauses) expect(p).toBeGreaterThanOrEqual(1000);
    expect(x.logs()).toContain('Jira unavailable or rate limited; event rescheduled');
    expect(snapshotOf(x)).toEqual(clean());
  }, 60_000);

  it('a Retry-After longer than the client waits in-process: the worker reschedules the event that far out, keeps it, then finishes', async () => {
    const { h: x, id } = await fresh();
    x.jira.faults.add({ status: 429, retryAfter: 90, times: 1, match: { method: 'POST', path: '/rest/api/3/issue/bulk' } });
    const first = await x.sendEvent(id, preCreateEvent(x, flagsV1(), 1, { description: 'first flags' }));
    expect(first.status).toBe(202);

    type Row = { attempts: number; available_at: string | Date; last_error: string | null; status: string };
    const row = await waitFor('the event to be rescheduled', async () => {
      const rows = await x.service.db.sequelize.query<Row>('SELECT attempts, available_at, last_error, status FROM events', { type: QueryTypes.SELECT });
      return rows[0] && rows[0].attempts >= 1 ? rows[0] : undefined;
    });
    expect(row.status).toBe('pending');
    const waitMs = new Date(row.available_at).getTime() - Date.now();
    expect(waitMs).toBeGreaterThan(85_000); // 90 s asked for (minus the moments since), never less
    expect(waitMs).toBeLessThan(90_000 * 1.2 + 1000); // jitter of at most 20%
    expect(row.last_error).toContain('429');

    // Nothing is lost and nothing hammers Jira while it waits: the backlog shows, no call is made.
    const calls = x.jira.requests.length;
    await new Promise((r) => setTimeout(r, 1500));
    expect(x.jira.requests.length).toBe(calls);
    const list = await x.api('get', '/api/associations');
    expect((list.body as { associations: { health: { backlog: number } }[] }).associations[0]!.health.backlog).toBe(1);
    expect(x.jira.issues()).toHaveLength(0);

    // Meanwhile the site's gate stays closed: nothing else may call Jira inside the window either.
    expect(rateGateFor(x.jira.tenant().baseUrl).remainingMs()).toBeGreaterThan(85_000);

    // Time passes (rather than waiting 90 s in a test): the event falls due, the site's window is over, and it goes through.
    rateGateFor(x.jira.tenant().baseUrl).reopen();
    await x.service.db.sequelize.query('UPDATE events SET available_at = :now', { replacements: { now: new Date() } });
    await waitIdle(x.service.db);
    expect((await eventCounts(x.service.db)).done).toBe(1);
    // The rest of the history, then the same state as the clean run.
    for (const e of [preCreateEvent(x, flagsV2(), 2, { description: 'raise checkout limit' }), deploymentEvent(x, 2, { deploymentNumber: 4 })]) {
      expect((await x.sendEvent(id, e)).status).toBe(202);
      await waitIdle(x.service.db);
    }
    expect(snapshotOf(x)).toEqual(clean());
    await expectHealthy(x);
  }, 60_000);
});
