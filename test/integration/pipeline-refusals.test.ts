/**
 * Writes Jira refuses for good (the app lost write access, the project is gone): shown on the
 * association's health with Jira's reason, not retried forever, not silently dropped: once the admin
 * fixes it and saves the association again, the set-aside event goes through.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../support/databases.js';
import { startHarness, type Harness } from '../support/harness.js';
import { preCreateEvent } from '../support/events.js';
import { flagsV1, flagsV2 } from '../support/fixtures.js';
import { eventCounts, issuesByFlag, successfulWrites, waitIdle } from '../support/pipeline-kit.js';

interface Health {
  status: string;
  backlog: number;
  failedEvents: number;
  lastError: { code: string; message: string } | null;
}

describe.each(databaseKinds)('permanent refusals by Jira (%s)', (kind) => {
  let h: Harness;
  let id: string;

  beforeAll(async () => {
    h = await startHarness({ db: kind });
    id = (await h.associate()).id;
    expect((await h.sendEvent(id, preCreateEvent(h, flagsV1(), 1))).status).toBe(202);
    await waitIdle(h.service.db);
    expect(h.jira.issues()).toHaveLength(2);
  });
  afterAll(async () => {
    await h?.close();
  });

  const health = async (): Promise<Health> => {
    const res = await h.api('get', '/api/associations');
    expect(res.status).toBe(200);
    return (res.body as { associations: { id: string; health: Health }[] }).associations.find((a) => a.id === id)!.health;
  };
  /** Jira calls the app makes over `ms` of quiet: none, when nothing is being retried. */
  const callsDuring = async (ms: number) => {
    const before = h.jira.requests.length;
    await new Promise((r) => setTimeout(r, ms));
    return h.jira.requests.length - before;
  };

  it('the app loses write access: the event is set aside once, the reason shows on health, nothing is retried', async () => {
    h.jira.setProjectAccess('FLAG', { write: false });
    h.jira.clearRequests();
    expect((await h.sendEvent(id, preCreateEvent(h, flagsV2(), 2))).status).toBe(202);
    await waitIdle(h.service.db);

    expect(await eventCounts(h.service.db)).toMatchObject({ failed: 1, pending: 0 });
    // Each refused write was tried once: the bulk create of search_ranking and the edits of the two changed flags.
    const tried = h.jira.requests.filter((r) => r.method !== 'GET' && !r.path.endsWith('/search/jql'));
    expect(tried.map((r) => r.status).sort()).toEqual([400, 403, 403]);
    expect(await callsDuring(1500)).toBe(0);

    const now = await health();
    expect(now.status).toBe('failing');
    expect(now.failedEvents).toBe(1);
    expect(now.backlog).toBe(0);
    expect(now.lastError?.code).toBe('jira_refused');
    expect(now.lastError?.message).toMatch(/permission/i);
    expect(now.lastError?.message).toMatch(/beta_banner|checkout_v2|search_ranking/);
    expect(h.jira.issues()).toHaveLength(2);
    expect(issuesByFlag(h.jira).get('checkout_v2')!.comments).toHaveLength(0);
  });

  it('access given back and the association saved again: the set-aside event goes through, exactly once', async () => {
    h.jira.setProjectAccess('FLAG', { write: true });
    h.jira.clearRequests();
    await h.associate();
    await waitIdle(h.service.db);

    expect(await eventCounts(h.service.db)).toMatchObject({ failed: 0, pending: 0, done: 2 });
    const issues = issuesByFlag(h.jira);
    expect([...issues.keys()].sort()).toEqual(['beta_banner', 'checkout_v2', 'search_ranking']);
    expect(issues.get('checkout_v2')!.comments).toHaveLength(1);
    expect(issues.get('checkout_v2')!.comments[0]!.text).toContain('max_items: 25 → 40');
    expect(issues.get('beta_banner')!.comments).toHaveLength(1);
    expect(successfulWrites(h.jira.requests).filter((r) => r.method === 'PUT')).toHaveLength(2);
    expect((await health()).status).toBe('ok');
  });

  it('the project is deleted: the next change is refused for good and shown, not retried', async () => {
    h.jira.removeProject('FLAG');
    const v3 = flagsV2() as { values: Record<string, Record<string, unknown>> };
    v3.values.checkout_v2!.max_items = 50;
    h.jira.clearRequests();
    expect((await h.sendEvent(id, preCreateEvent(h, v3, 3))).status).toBe(202);
    await waitIdle(h.service.db);

    expect(await eventCounts(h.service.db)).toMatchObject({ failed: 1, pending: 0 });
    expect(await callsDuring(1500)).toBe(0);
    const now = await health();
    expect(now.status).toBe('failing');
    expect(now.lastError?.code).toBe('jira_refused');
    expect(now.lastError?.message).toContain('checkout_v2');
    expect(now.lastError?.message).toMatch(/project/i);
  });
});
