/**
 * A Forge installation whose uninstall began but whose purge has not finished (the database was busy;
 * it is retried at the next start) takes no more events: they are answered 410, so the forwarder
 * deletes its extension association, and nothing is stored.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../support/databases.js';
import { startForgeHarness, type ForgeHarness } from '../support/forge-harness.js';
import { deploymentEvent } from '../support/events.js';

describe.each(databaseKinds)('events for a Forge installation being uninstalled (%s)', (kind) => {
  let h: ForgeHarness;
  beforeAll(async () => {
    h = await startForgeHarness({ db: kind });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('are answered 410 and not stored, whether or not the intake had the association in memory', async () => {
    const { id } = await h.forgeAssociate();
    const target = { app: h.app, profile: h.forgeProfile };
    const stored = () => h.service.models.StoredEvent.count({ where: { associationId: id } });
    // One event while installed: 202, and the intake now knows the association.
    expect((await h.sendEvent(id, deploymentEvent(target, 1, { deploymentNumber: 1 }))).status).toBe(202);
    const before = await stored();

    // The uninstall begins (as pre-uninstall does first) and its purge does not happen.
    await h.service.models.ForgeInstallation.update({ uninstallingAt: new Date() }, { where: { installationId: h.inst.installationId } });
    const secret = h.signingSecretOf(id);
    const res = await h.sendEvent(id, deploymentEvent(target, 1, { deploymentNumber: 2 }), { secret });
    expect(res.status).toBe(410);
    expect(res.body.error.code).toBe('association_removed');
    expect(await stored()).toBe(before);
  });
});
