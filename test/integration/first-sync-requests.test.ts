/**
 * What a first sync costs in Jira: the bulk creates and nothing else. The project's newest issue
 * number is noted when the association is saved (the Configure page asks Jira then), so the worker's
 * first create needs no search of its own; an association saved before that number was noted (none
 * stored) searches once, before its first create only.
 */
import { QueryTypes } from 'sequelize';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../support/databases.js';
import { startHarness, type Harness } from '../support/harness.js';
import { preCreateEvent } from '../support/events.js';
import { eventCounts, issuesByFlag, largeDocument, waitIdle } from '../support/pipeline-kit.js';
import type { RecordedRequest } from '../doubles/jira/index.js';

const FLAGS = 1000;
// The Configure page's own reads (who is admin) are not the worker's doing.
const workerCalls = (requests: RecordedRequest[]) => requests.filter((r) => r.path !== '/rest/api/3/permissions/check').map((r) => `${r.method} ${r.path}`);

describe.each(databaseKinds)('the Jira requests of a first sync (%s)', (kind) => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ db: kind, profiles: 2 });
    // Issues people made before: the app's issues do not start at number 1.
    const project = h.jira.store.findProject('FLAG')!;
    for (let i = 0; i < 3; i++) h.jira.store.createIssue(project, '10001', `made by a person ${i}`, null, []);
  });
  afterAll(async () => {
    await h?.close();
  });

  const issueFloorOf = async (id: string) =>
    (await h.service.db.sequelize.query<{ issue_floor: number | string | null }>('SELECT issue_floor FROM associations WHERE id = :id', { replacements: { id }, type: QueryTypes.SELECT }))[0]
      ?.issue_floor;

  it(`${FLAGS} new flags: exactly ${FLAGS / 50} bulk creates and nothing else, one issue per flag`, async () => {
    const { id } = await h.associate();
    expect(Number(await issueFloorOf(id))).toBe(3);
    h.jira.clearRequests();
    expect((await h.sendEvent(id, preCreateEvent(h, largeDocument(FLAGS, 1), 1))).status).toBe(202);
    await waitIdle(h.service.db, 60_000);

    expect(workerCalls(h.jira.requests)).toEqual(Array.from({ length: FLAGS / 50 }, () => 'POST /rest/api/3/issue/bulk'));
    expect(issuesByFlag(h.jira, h.profile.id).size).toBe(FLAGS);
    expect(await eventCounts(h.service.db)).toMatchObject({ done: 1, failed: 0, pending: 0 });
  }, 120_000);

  it('an association saved before the newest issue number was noted searches once, before its first create only', async () => {
    const profile = h.profiles[1]!;
    const { id } = await h.associate({ configurationProfileId: profile.id });
    await h.service.db.sequelize.query('UPDATE associations SET issue_floor = NULL WHERE id = :id', { replacements: { id } });
    const target = { app: h.app, profile };

    h.jira.clearRequests();
    expect((await h.sendEvent(id, preCreateEvent(target, largeDocument(3, 1), 1))).status).toBe(202);
    await waitIdle(h.service.db);
    expect(workerCalls(h.jira.requests)).toEqual(['POST /rest/api/3/search/jql', 'POST /rest/api/3/issue/bulk']);

    // Its issues are known now: the next new flags are created without a search.
    h.jira.clearRequests();
    expect((await h.sendEvent(id, preCreateEvent(target, largeDocument(3, 2), 2))).status).toBe(202);
    await waitIdle(h.service.db);
    const calls = workerCalls(h.jira.requests);
    expect(calls.filter((c) => c.endsWith('/search/jql'))).toEqual([]);
    expect(calls.filter((c) => c.endsWith('/issue/bulk'))).toHaveLength(1);
    expect(issuesByFlag(h.jira, profile.id).size).toBe(3 + 5);
  });
});
