/**
 * A Forge installation whose stored app system token this process cannot open (the operator key was
 * changed, or the value damaged): no Forge call fails for it. Jira work waits, as for an expired token,
 * the next call from Forge (here the admin's Configure page) is answered and stores its fresh token in
 * place of the unreadable one, and the waiting work goes on. Nothing answers 500 or logs an error.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../support/databases.js';
import { startForgeHarness, type ForgeHarness } from '../support/forge-harness.js';
import { deploymentEvent } from '../support/events.js';
import { flagsV1 } from '../support/fixtures.js';
import { waitIdle } from '../support/pipeline-kit.js';
import { waitFor } from '../support/wait.js';
import { SEAL_PURPOSE, Sealer } from '../../src/secrets/sealed.js';

describe.each(databaseKinds)('a Forge token sealed under another operator key (%s)', (kind) => {
  let h: ForgeHarness;
  let associationId: string;

  beforeAll(async () => {
    h = await startForgeHarness({ db: kind });
    h.aws.addHostedVersion(h.app.id, h.forgeProfile.id, JSON.stringify(flagsV1()), { description: 'first flags' });
    associationId = (await h.forgeAssociate()).id;
    await waitIdle(h.service.db);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('makes work wait instead of failing, and the next Forge call replaces it so the work goes on', async () => {
    const other = new Sealer(randomBytes(32), SEAL_PURPOSE.forgeAppToken);
    await h.service.models.ForgeInstallation.update(
      { systemTokenSealed: other.seal('a-token-sealed-elsewhere', h.inst.installationId) },
      { where: { installationId: h.inst.installationId } },
    );

    const event = deploymentEvent({ app: h.app, profile: h.forgeProfile }, 1, { deploymentNumber: 1 });
    expect((await h.sendEvent(associationId, event)).status).toBe(202);
    const waiting = await waitFor('the token wait on the association\'s health', async () => {
      const row = await h.service.models.Association.findByPk(associationId);
      return row?.lastErrorCode === 'tenant_token_expired' ? row : undefined;
    });
    expect(waiting.lastErrorMessage).toMatch(/access is renewed/);
    expect(await h.service.models.StoredEvent.count({ where: { associationId, status: 'pending' } })).toBe(1);

    // The next call from Forge (the admin opening the Configure page) is answered, and its token is stored.
    const listed = await h.forgeApi('GET', '/api/associations');
    expect(listed.status).toBe(200);
    await waitIdle(h.service.db, 15_000);
    const health = await h.forgeApi('GET', '/api/associations');
    expect((health.json as { associations: { health: { status: string; backlog: number } }[] }).associations[0]!.health).toMatchObject({ status: 'ok', backlog: 0 });
    expect(await h.service.models.StoredEvent.count({ where: { associationId, status: 'done' } })).toBeGreaterThanOrEqual(2); // the backfill and the deployment
    expect(h.logs()).not.toMatch(/"level":50/);
  });
});
