/**
 * Creates whose answers are lost while Jira's search index lags far behind (90 s, longer than the
 * worker waits before it looks): every flag still gets exactly one issue. The worker finds the issues
 * of a lost create by reading the project's newer issue keys, not by searching.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../support/databases.js';
import { startHarness, type Harness } from '../support/harness.js';
import { preCreateEvent } from '../support/events.js';
import { eventCounts, issuesByFlag, largeDocument, waitIdle } from '../support/pipeline-kit.js';

const FLAGS = 120;
const INDEX_LAG_MS = 90_000;

describe.each(databaseKinds)('lost creates under a lagging search index (%s)', (kind) => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ db: kind });
  });
  afterAll(async () => {
    await h?.close();
  });

  it(`${FLAGS} flags, every bulk create's answer lost, the index ${INDEX_LAG_MS / 1000} s behind: exactly one issue per flag`, async () => {
    // Issues people made before, so that the app's issues do not start at number 1.
    const project = h.jira.store.findProject('FLAG')!;
    for (let i = 0; i < 7; i++) h.jira.store.createIssue(project, '10001', `made by a person ${i}`, null, []);
    const { id } = await h.associate();
    h.jira.setSearchLag(INDEX_LAG_MS);
    // Jira carries every bulk create out, and its answer never arrives.
    h.jira.faults.add({ match: { method: 'POST', path: /^\/rest\/api\/3\/issue\/bulk$/ }, loseAnswer: true });

    expect((await h.sendEvent(id, preCreateEvent(h, largeDocument(FLAGS, 1), 1))).status).toBe(202);
    await waitIdle(h.service.db, 60_000);

    const creates = h.jira.requests.filter((r) => r.method === 'POST' && r.path === '/rest/api/3/issue/bulk');
    expect(creates.length).toBeGreaterThanOrEqual(3); // 50 + 50 + 20
    expect(creates.every((r) => r.fault === 'lost')).toBe(true);
    // The index never showed the new issues while the worker looked for them.
    const searches = h.jira.requests.filter((r) => r.path.endsWith('/search/jql'));
    expect(searches.length).toBeGreaterThan(0);

    const issues = issuesByFlag(h.jira); // throws when a flag has two issues
    expect(issues.size).toBe(FLAGS);
    const appIssues = () => h.jira.issues().filter((issue) => issue.properties.appconfigFlag);
    expect(appIssues()).toHaveLength(FLAGS);
    expect(await eventCounts(h.service.db)).toMatchObject({ done: 1, failed: 0, pending: 0 });
    // Each issue's creation was recorded: a new version changes the flags it changes, creates nothing.
    h.jira.faults.clear();
    expect((await h.sendEvent(id, preCreateEvent(h, largeDocument(FLAGS, 2), 2))).status).toBe(202);
    await waitIdle(h.service.db, 60_000);
    expect(issuesByFlag(h.jira).size).toBe(FLAGS + 5); // 5 flags added (the deleted ones keep their issues)
    expect(appIssues()).toHaveLength(FLAGS + 5);
  }, 120_000);
});
