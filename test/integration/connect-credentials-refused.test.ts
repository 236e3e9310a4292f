/**
 * Jira answers 401 to a Connect write (it did not take the app's JWT: the site reinstalled with a new
 * shared secret, a clock was off): that is no refusal of the event. The event is retried, its Jira
 * client built again from the site's row, and its comment is written once; health says why meanwhile.
 * The same for the Releases panel: a 401 on a submission or on the JQL-state properties is retried,
 * and the panel and the properties end exactly right.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../support/databases.js';
import { startHarness, type Harness } from '../support/harness.js';
import { deploymentEvent, preCreateEvent } from '../support/events.js';
import { flagsV1, flagsV2 } from '../support/fixtures.js';
import { eventCounts, issuesByFlag, panelValues, waitIdle } from '../support/pipeline-kit.js';
import { waitFor } from '../support/wait.js';

describe.each(databaseKinds)('a 401 from Jira on a Connect write (%s)', (kind) => {
  let h: Harness;
  let id: string;
  beforeAll(async () => {
    h = await startHarness({ db: kind });
    id = (await h.associate()).id;
  });
  afterAll(async () => {
    await h?.close();
  });

  it('is retried, not set aside: the change comment lands once and nothing is marked failed', async () => {
    expect((await h.sendEvent(id, preCreateEvent(h, flagsV1(), 1))).status).toBe(202);
    await waitIdle(h.service.db);
    h.jira.faults.add({ match: { method: 'PUT', path: /^\/rest\/api\/3\/issue\/[^/]+$/ }, status: 401, times: 1 });

    expect((await h.sendEvent(id, preCreateEvent(h, flagsV2(), 2))).status).toBe(202);
    await waitFor('the 401 on health', async () => {
      const row = await h.service.models.Association.findByPk(id);
      return row?.lastErrorCode === 'jira_unauthorized' || undefined;
    });
    await waitIdle(h.service.db, 20_000);

    expect(h.jira.requests.filter((r) => r.status === 401)).toHaveLength(1);
    const issues = issuesByFlag(h.jira);
    expect(issues.get('checkout_v2')!.comments).toHaveLength(1);
    expect(issues.get('beta_banner')!.comments).toHaveLength(1);
    expect(await h.service.models.StoredEvent.count({ where: { associationId: id, status: 'failed' } })).toBe(0);
    const health = await h.api('get', '/api/associations');
    expect(health.body.associations[0].health).toMatchObject({ status: 'ok', backlog: 0 });
  });

  it('on the Releases panel is retried too: the panel and the JQL state end exactly right', async () => {
    h.jira.clearRequests();
    h.jira.faults.add({ match: { method: 'POST', path: '/rest/featureflags/0.1/bulk' }, status: 401, times: 1 });
    h.jira.faults.add({ match: { method: 'POST', path: '/rest/api/3/issue/properties/multi' }, status: 401, times: 1 });
    expect((await h.sendEvent(id, deploymentEvent(h, 2, { environment: { Id: 'env-prd', Name: 'production' }, deploymentNumber: 1, type: 'OnDeploymentComplete' }))).status).toBe(202);
    await waitFor('the panel in production', async () => Object.keys(panelValues(h.jira, 'production')).length === 3 || undefined, 30_000);
    await waitIdle(h.service.db, 30_000);

    expect(h.jira.requests.filter((r) => r.status === 401).length).toBeGreaterThanOrEqual(1);
    expect(panelValues(h.jira, 'production')).toEqual({ checkout_v2: true, beta_banner: true, search_ranking: false });
    const banner = issuesByFlag(h.jira).get('beta_banner')!;
    expect(h.jira.issue(banner.key)?.properties.appconfigFlagState).toEqual({ enabledIn: ['production'], disabledIn: [], deployedVersion: { production: '2' } });
    expect((await eventCounts(h.service.db)).failed).toBe(0);
  }, 40_000);
});
