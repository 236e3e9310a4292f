/**
 * A flag whose state is known in no environment any more leaves the Releases panel rather than keep
 * showing a state that no longer holds: production gets a version the app never saw (saved before the
 * profile was tracked), so nobody knows what its flags are there. Deploying a known version brings them back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../support/databases.js';
import { startHarness, type Harness } from '../support/harness.js';
import { deploymentEvent, preCreateEvent } from '../support/events.js';
import { flagsV1 } from '../support/fixtures.js';
import { issuesByFlag, panelValues, waitIdle } from '../support/pipeline-kit.js';

const PRODUCTION = { Id: 'env-prd', Name: 'production' };

describe.each(databaseKinds)('Releases panel when no environment shows a known state (%s)', (kind) => {
  let h: Harness;
  let id: string;

  beforeAll(async () => {
    h = await startHarness({ db: kind });
    id = (await h.associate()).id;
  });
  afterAll(async () => {
    await h?.close();
  });

  const send = async (event: Record<string, unknown>) => {
    expect((await h.sendEvent(id, event)).status).toBe(202);
    await waitIdle(h.service.db);
  };

  it('leaves the panel, then comes back with a known version', async () => {
    await send(preCreateEvent(h, flagsV1(), 5));
    await send(deploymentEvent(h, 5, { environment: PRODUCTION, deploymentNumber: 1 }));
    expect(panelValues(h.jira, 'production')).toEqual({ checkout_v2: true, beta_banner: false });

    // Version 4 was saved before the profile was tracked: its values are unknown to the app.
    await send(deploymentEvent(h, 4, { environment: PRODUCTION, deploymentNumber: 2 }));
    expect(h.jira.featureFlags.flags.size).toBe(0);
    // Every flag left the panel: one call for all of them, not one each.
    const deletes = h.jira.requests.filter((r) => r.method === 'DELETE' && r.path.startsWith('/rest/featureflags/'));
    expect(deletes.map((r) => [r.path, r.query])).toEqual([['/rest/featureflags/0.1/bulkByProperties', { appconfigAssociation: id }]]);
    // JQL no longer finds checkout_v2 enabled in production either.
    expect((issuesByFlag(h.jira).get('checkout_v2')!.properties.appconfigFlagState as { enabledIn: string[] }).enabledIn).toEqual([]);

    await send(deploymentEvent(h, 5, { environment: PRODUCTION, deploymentNumber: 3 }));
    expect(panelValues(h.jira, 'production')).toEqual({ checkout_v2: true, beta_banner: false });
  });
});
