/**
 * The Releases panel is published once per worker round, not once per event: a backlog of saved
 * versions and deployments to two environments, worked off in one round, costs one feature-flag
 * submission and one bulk property call, and Jira ends showing exactly what processing the events one by
 * one shows. When that one publish fails, the round's last event is what keeps it due: it stays pending
 * (the events before it are done), and once Jira answers the panel ends exact, nothing failed.
 */
import { QueryTypes } from 'sequelize';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../support/databases.js';
import { startHarness, type Harness } from '../support/harness.js';
import { deploymentEvent, preCreateEvent } from '../support/events.js';
import { flagsV1, flagsV2 } from '../support/fixtures.js';
import { eventCounts, issuesByFlag, panelValues, waitIdle } from '../support/pipeline-kit.js';
import { waitFor } from '../support/wait.js';

const STAGING = { Id: 'env-stg', Name: 'staging' };
const PRODUCTION = { Id: 'env-prd', Name: 'production' };
const FLAGS = '/rest/featureflags/0.1/bulk';
const PROPS = '/rest/api/3/issue/properties/multi';

describe.each(databaseKinds)('Releases panel published once per round (%s)', (kind) => {
  let h: Harness;
  let id: string;

  beforeAll(async () => {
    h = await startHarness({ db: kind, worker: false });
    id = (await h.associate()).id;
  });
  afterAll(async () => {
    await h?.close();
  });

  const send = async (event: Record<string, unknown>) => {
    const res = await h.sendEvent(id, event);
    expect(res.status).toBe(202);
  };
  const flagState = (flagKey: string) => issuesByFlag(h.jira).get(flagKey)?.properties.appconfigFlagState;
  const statuses = () =>
    h.service.db.sequelize.query<{ id: number | string; status: string; last_error: string | null }>('SELECT id, status, last_error FROM events ORDER BY id', {
      type: QueryTypes.SELECT,
    });

  it('a backlog of five events in one round: one submission, one property call, the panel exact', async () => {
    await send(preCreateEvent(h, flagsV1(), 1));
    await send(deploymentEvent(h, 1, { environment: STAGING, deploymentNumber: 1, type: 'OnDeploymentComplete' }));
    await send(preCreateEvent(h, flagsV2(), 2));
    await send(deploymentEvent(h, 2, { environment: PRODUCTION, deploymentNumber: 2, type: 'OnDeploymentStart' }));
    await send(deploymentEvent(h, 2, { environment: PRODUCTION, deploymentNumber: 2, type: 'OnDeploymentComplete' }));
    h.jira.clearRequests();
    h.service.worker.start();
    await waitIdle(h.service.db, 60_000);

    expect(h.jira.requests.filter((r) => r.method === 'POST' && r.path === FLAGS)).toHaveLength(1);
    expect(h.jira.requests.filter((r) => r.method === 'POST' && r.path === PROPS)).toHaveLength(1);
    // search_ranking is not in version 1: off in staging.
    expect(panelValues(h.jira, 'staging')).toEqual({ checkout_v2: true, beta_banner: false, search_ranking: false });
    expect(panelValues(h.jira, 'production')).toEqual({ checkout_v2: true, beta_banner: true, search_ranking: false });
    expect(flagState('beta_banner')).toEqual({ enabledIn: ['production'], disabledIn: ['staging'], deployedVersion: { production: '2', staging: '1' } });
    expect(flagState('search_ranking')).toEqual({ enabledIn: [], disabledIn: ['production', 'staging'], deployedVersion: { production: '2', staging: '1' } });
    expect(await eventCounts(h.service.db)).toMatchObject({ pending: 0, failed: 0, done: 5 });
  });

  it('the publish fails: the round’s last event stays pending, the ones before it are done; then the panel ends exact', async () => {
    await h.service.worker.stop();
    const before = (await statuses()).length;
    await send(deploymentEvent(h, 2, { environment: STAGING, deploymentNumber: 3, type: 'OnDeploymentStart' }));
    await send(deploymentEvent(h, 2, { environment: STAGING, deploymentNumber: 3, type: 'OnDeploymentComplete' }));
    h.jira.clearRequests();
    // Five 500s: every attempt the Jira client makes of the one submission.
    h.jira.faults.add({ match: { method: 'POST', path: FLAGS }, status: 500, times: 5 });
    h.service.worker.start();

    await waitFor('the failure recorded', async () => (await statuses()).at(-1)?.last_error != null, 20_000);
    const [start, complete] = (await statuses()).slice(before);
    expect(start?.status).toBe('done');
    expect(complete?.status).toBe('pending');
    expect(complete?.last_error).toContain('500');

    await waitIdle(h.service.db, 60_000);
    expect(panelValues(h.jira, 'staging')).toEqual({ checkout_v2: true, beta_banner: true, search_ranking: false });
    expect(flagState('search_ranking')).toEqual({ enabledIn: [], disabledIn: ['production', 'staging'], deployedVersion: { production: '2', staging: '2' } });
    expect(h.jira.requests.filter((r) => r.path === FLAGS && r.status === 202)).toHaveLength(1);
    expect(await eventCounts(h.service.db)).toMatchObject({ pending: 0, failed: 0 });
  });
});
