/**
 * An edit whose answer is lost while Jira is still applying it (a gateway gave up on a slow Jira): the
 * retry must not read the issue before Jira has finished, or it finds no trace of the edit and posts its
 * comment a second time. The retry waits JIRA_SEARCH_LAG_MS (here 6 s, against Jira finishing the
 * edit 4 s after the connection was cut), reads the issue's sync property, finds the edit done and
 * writes nothing more: each changed flag has exactly one change comment.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../support/databases.js';
import { startHarness, type Harness } from '../support/harness.js';
import { preCreateEvent } from '../support/events.js';
import { flagsV1, flagsV2 } from '../support/fixtures.js';
import { issuesByFlag, waitIdle } from '../support/pipeline-kit.js';
import { waitFor } from '../support/wait.js';

describe.each(databaseKinds)('an edit answer lost while Jira is still applying it (%s)', (kind) => {
  let h: Harness;
  let id: string;
  beforeAll(async () => {
    h = await startHarness({ db: kind, env: { searchLagMs: 6000 } });
    id = (await h.associate()).id;
  });
  afterAll(async () => {
    await h?.close();
  });

  it('is looked for once Jira has finished, so its comment is posted once', async () => {
    expect((await h.sendEvent(id, preCreateEvent(h, flagsV1(), 1))).status).toBe(202);
    await waitIdle(h.service.db);
    h.jira.clearRequests();
    h.jira.faults.add({ match: { method: 'PUT', path: /^\/rest\/api\/3\/issue\/[^/]+$/ }, workAfterLoss: true, delayMs: 4000, times: 1 });

    expect((await h.sendEvent(id, preCreateEvent(h, flagsV2(), 2))).status).toBe(202);
    await waitIdle(h.service.db, 20_000);
    // Jira finishes the edit whose connection it cut (the double notes the call once it is done).
    await waitFor('the cut-off edit carried out', async () => h.jira.requests.some((r) => r.fault === 'lost') || undefined);
    await waitIdle(h.service.db, 20_000);

    expect(h.jira.requests.filter((r) => r.fault === 'lost')).toHaveLength(1);
    const issues = issuesByFlag(h.jira);
    expect(issues.get('checkout_v2')!.comments).toHaveLength(1);
    expect(issues.get('beta_banner')!.comments).toHaveLength(1);
    const health = await h.api('get', '/api/associations');
    expect(health.body.associations[0].health).toMatchObject({ status: 'ok', backlog: 0 });
  }, 30_000);
});
