/**
 * Uninstall while the worker has a Jira write in flight: the write's answer comes back after the purge,
 * and nothing of the site may be re-created by it (flag state, events, version index).
 */
import { Op } from 'sequelize';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../support/databases.js';
import { preCreateEvent } from '../support/events.js';
import { flagsV1, flagsV2 } from '../support/fixtures.js';
import { startHarness, type Harness } from '../support/harness.js';
import { sleep, waitFor } from '../support/wait.js';

describe.each(databaseKinds)('uninstall during processing on %s', (kind) => {
  let h: Harness;
  beforeAll(async () => { h = await startHarness({ db: kind }); });
  afterAll(async () => { await h?.close(); });

  it('leaves no row of the site behind, even with a Jira write in flight', async () => {
    const id = (await h.associate()).id;
    const m = h.service.models;
    expect((await h.sendEvent(id, preCreateEvent(h, flagsV1(), 1))).status).toBe(202);
    await waitFor('v1 processed', async () => (await m.StoredEvent.count({ where: { associationId: id, status: 'pending' } })) === 0);
    h.jira.faults.add({ match: { method: 'PUT' }, delayMs: 1500 });
    h.jira.faults.add({ match: { method: 'POST', path: '/rest/api/3/issue/bulk' }, delayMs: 1500 });
    expect((await h.sendEvent(id, preCreateEvent(h, flagsV2(), 2))).status).toBe(202);
    await waitFor('a write in flight', async () => (await m.FlagState.count({ where: { associationId: id, pendingWrite: { [Op.ne]: null } } })) > 0);
    expect((await h.jira.uninstall()).status).toBe(204);
    await waitFor('the worker to let go', async () => (await m.Association.count({ where: { leaseOwner: { [Op.ne]: null } } })) === 0);
    await sleep(2500); // the delayed Jira answer comes back after 1.5 s
    expect({
      flagStates: await m.FlagState.count({ where: { associationId: id } }),
      events: await m.StoredEvent.count({ where: { associationId: id } }),
      configVersions: await m.ConfigVersion.count({ where: { associationId: id } }),
    }).toEqual({ flagStates: 0, events: 0, configVersions: 0 });
  });
});
