/**
 * A create whose answer is lost, and the association moved to another project before the worker looks
 * for the issues it made: the issues are found where the create made them, and no flag gets a second
 * issue in the new project. (The move keeps existing issues where they are; only flags without an
 * issue get one in the new project.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../support/databases.js';
import { startHarness, type Harness } from '../support/harness.js';
import { preCreateEvent } from '../support/events.js';
import { eventCounts, issuesByFlag, largeDocument, waitIdle } from '../support/pipeline-kit.js';

const FLAGS = 6;
/** How long the worker waits after the lost answer before it looks: the move happens meanwhile. */
const SEARCH_LAG_MS = 2_500;

describe.each(databaseKinds)('a lost create, then a move to another project (%s)', (kind) => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ db: kind, env: { searchLagMs: SEARCH_LAG_MS } });
    h.jira.addProject({ key: 'MOVED', name: 'Moved here' });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('adopts the issues the lost create made in the old project; none is made twice', async () => {
    const { id } = await h.associate();
    h.jira.faults.add({ match: { method: 'POST', path: /^\/rest\/api\/3\/issue\/bulk$/ }, loseAnswer: true, times: 1 });
    expect((await h.sendEvent(id, preCreateEvent(h, largeDocument(FLAGS, 1), 1))).status).toBe(202);
    const lostCreates = () => h.jira.requests.filter((r) => r.path === '/rest/api/3/issue/bulk' && r.fault === 'lost');
    await expect.poll(lostCreates, { timeout: 10_000 }).toHaveLength(1);

    // The admin moves the profile to MOVED while the worker waits to look for the lost create's issues.
    const moved = await h.associate({ projectKey: 'MOVED' });
    expect(moved).toMatchObject({ id, projectKey: 'MOVED', movedFromProject: 'FLAG' });
    await waitIdle(h.service.db, 30_000);

    const issues = issuesByFlag(h.jira); // throws when a flag has two issues
    expect(issues.size).toBe(FLAGS);
    expect([...issues.values()].map((i) => i.key.split('-')[0])).toEqual(Array(FLAGS).fill('FLAG'));
    expect(h.jira.issues().filter((i) => i.key.startsWith('MOVED-'))).toEqual([]);
    expect(h.jira.requests.filter((r) => r.path === '/rest/api/3/issue/bulk')).toHaveLength(1);
    expect(await eventCounts(h.service.db)).toMatchObject({ done: 1, failed: 0, pending: 0 });
    // The operator's line says which site and association the lost answer was about.
    const lost = h.logs().split('\n').filter((l) => l.includes('answer to a create lost')).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lost).toEqual([expect.objectContaining({ level: 40, tenantKey: h.jira.clientKey, associationId: id })]);
  }, 60_000);

  it('the old project deleted meanwhile: the look-up there finds nothing (Jira refuses JQL naming it), and each flag gets one issue in the new project', async () => {
    const p = h.aws.addProfile(h.app.id, { name: 'flags-of-a-closed-project', type: 'AWS.AppConfig.FeatureFlags' });
    h.jira.addProject({ key: 'CLOSED', name: 'To be deleted' });
    h.jira.addProject({ key: 'NEXT', name: 'Where it goes' });
    const { id } = await h.associate({ configurationProfileId: p.id, projectKey: 'CLOSED' });
    h.jira.clearRequests();
    h.jira.faults.add({ match: { method: 'POST', path: /^\/rest\/api\/3\/issue\/bulk$/ }, loseAnswer: true, times: 1 });
    const event = preCreateEvent({ app: h.app, profile: p }, largeDocument(FLAGS, 1), 1);
    expect((await h.sendEvent(id, event)).status).toBe(202);
    const lostCreates = () => h.jira.requests.filter((r) => r.path === '/rest/api/3/issue/bulk' && r.fault === 'lost');
    await expect.poll(lostCreates, { timeout: 10_000 }).toHaveLength(1);

    expect(await h.associate({ configurationProfileId: p.id, projectKey: 'NEXT' })).toMatchObject({ id, movedFromProject: 'CLOSED' });
    h.jira.removeProject('CLOSED');
    await waitIdle(h.service.db, 30_000);

    const mine = h.jira.issues().filter((i) => (i.properties.appconfigFlag as { configurationProfileId?: string } | undefined)?.configurationProfileId === p.id);
    expect(mine.map((i) => i.key.split('-')[0])).toEqual(Array(FLAGS).fill('NEXT'));
    expect(new Set(mine.map((i) => (i.properties.appconfigFlag as { flagKey: string }).flagKey)).size).toBe(FLAGS);
    expect(await eventCounts(h.service.db)).toMatchObject({ failed: 0, pending: 0 });
  }, 60_000);
});
