/**
 * The whole life of a Forge installation beside a Connect site, in one app process: lifecycle, the
 * Configure API through Bearer FITs (admin and not), an association with backfill, v1 -> v2 events, a
 * deployment while the app system token has expired (the work waits, health says why, the heartbeat's
 * token resumes it), and pre-uninstall. The Forge site ends in exactly the Jira state the Connect site
 * reaches with the same history; Jira is reached for Forge only with Bearer tokens at /ex/jira/<cloudId>;
 * neither tenant sees the other's association; after pre-uninstall no row of any table mentions the
 * installation, and the Connect site carries on.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../support/databases.js';
import { isTombstone, startForgeHarness, type ForgeHarness } from '../support/forge-harness.js';
import { deploymentEvent, preCreateEvent } from '../support/events.js';
import { flagsV1, flagsV2 } from '../support/fixtures.js';
import { jiraSnapshot, waitIdle } from '../support/pipeline-kit.js';
import { waitFor } from '../support/wait.js';

describe.each(databaseKinds)('Forge door, whole flow beside a Connect site (%s)', (kind) => {
  let h: ForgeHarness;
  let forgeAssociationId: string;
  let connectAssociationId: string;
  const connectTarget = () => ({ app: h.app, profile: h.profile });
  const forgeTarget = () => ({ app: h.app, profile: h.forgeProfile });

  beforeAll(async () => {
    h = await startForgeHarness({ db: kind });
    // Both profiles already hold version 1: saving the association backfills it.
    for (const p of [h.profile, h.forgeProfile]) h.aws.addHostedVersion(h.app.id, p.id, JSON.stringify(flagsV1()), { description: 'first flags' });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('the installation is recorded with its token sealed, never in clear', async () => {
    const rows = (await h.allRows()).filter((r) => r.startsWith('forge_installations:'));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toContain(h.inst.installationId);
    expect(rows[0]).toContain(h.inst.apiBaseUrl);
    expect(rows[0]).toContain('sealed.v1.');
    expect((await h.allRows()).join('\n')).not.toContain(h.inst.systemToken);
  });

  it('the Configure API answers a site admin through a Bearer FIT, and refuses a user who is not one', async () => {
    const projects = await h.forgeApi('GET', '/api/jira/projects');
    expect(projects.status, projects.text).toBe(200);
    expect((projects.json as { projects: { key: string }[] }).projects.map((p) => p.key)).toContain('FLAG');
    const member = await h.forgeApi('GET', '/api/associations', undefined, h.siteJira.memberAccountId);
    expect(member.status).toBe(403);
    expect((member.json as { error: { code: string } }).error.code).toBe('not_site_admin');
    // The admin check asked the Forge site's Jira, as the app, about the FIT's user.
    const check = h.siteJira.requests.filter((r) => r.path === '/rest/api/3/permissions/check');
    expect(check.length).toBeGreaterThan(0);
    expect(check.every((r) => r.via === 'api-gateway' && (r.body as { accountId?: string }).accountId !== undefined)).toBe(true);
  });

  it('an association saved through the Forge door backfills one issue per flag on the Forge site', async () => {
    const saved = await h.forgeAssociate();
    expect(saved).toMatchObject({ projectKey: 'FLAG', configurationProfileId: h.forgeProfile.id, backfill: 'done' });
    forgeAssociationId = saved.id;
    connectAssociationId = (await h.associate({ configurationProfileId: h.profile.id })).id;
    await waitIdle(h.service.db);
    expect(h.siteJira.issues().map((i) => i.summary).sort()).toEqual(['Beta banner', 'Checkout v2']);
    expect(h.jira.issues().map((i) => i.summary).sort()).toEqual(['Beta banner', 'Checkout v2']);
  });

  it('neither door sees the other tenant\'s association', async () => {
    const forgeList = await h.forgeApi('GET', '/api/associations');
    expect((forgeList.json as { associations: { id: string }[] }).associations.map((a) => a.id)).toEqual([forgeAssociationId]);
    const connectList = await h.api('get', '/api/associations');
    expect((connectList.body as { associations: { id: string }[] }).associations.map((a) => a.id)).toEqual([connectAssociationId]);
    expect((await h.forgeApi('DELETE', `/api/associations/${connectAssociationId}`)).status).toBe(404);
    expect((await h.api('delete', `/api/associations/${forgeAssociationId}`)).status).toBe(404);
  });

  it('v2 is written to the Forge site exactly as to the Connect site', async () => {
    for (const [id, target] of [
      [forgeAssociationId, forgeTarget()],
      [connectAssociationId, connectTarget()],
    ] as const) {
      expect((await h.sendEvent(id, preCreateEvent(target, flagsV2(), 2, { description: 'raise checkout limit' }))).status).toBe(202);
    }
    await waitIdle(h.service.db);
    expect(h.siteJira.issues()).toHaveLength(3);
  });

  it('a deployment while the app system token has expired waits, says why, and goes on with the heartbeat\'s token', async () => {
    h.forge.expireSystemTokens(h.inst);
    expect((await h.sendEvent(forgeAssociationId, deploymentEvent(forgeTarget(), 2, { deploymentNumber: 4 }))).status).toBe(202);
    expect((await h.sendEvent(connectAssociationId, deploymentEvent(connectTarget(), 2, { deploymentNumber: 4 }))).status).toBe(202);
    const association = await waitFor('the token wait on the association\'s health', async () => {
      const row = await h.service.models.Association.findByPk(forgeAssociationId);
      return row?.lastErrorCode === 'tenant_token_expired' ? row : undefined;
    });
    expect(association.lastErrorMessage).toMatch(/access is renewed/);
    expect(await h.service.models.StoredEvent.count({ where: { associationId: forgeAssociationId, status: 'pending' } })).toBe(1);
    expect(h.siteJira.issues().flatMap((i) => i.comments).some((c) => /Deployment/i.test(c.text) && /4/.test(c.text))).toBe(false);

    const heartbeat = await h.forge.heartbeat(h.service.url, h.inst);
    expect(heartbeat.status).toBe(200);
    await waitIdle(h.service.db, 15_000);
    const health = await h.forgeApi('GET', '/api/associations');
    expect((health.json as { associations: { health: { status: string; backlog: number } }[] }).associations[0]!.health).toMatchObject({ status: 'ok', backlog: 0 });
  });

  it('the Forge site ends in exactly the Jira state of the Connect site, reached only through the API gateway with Bearer tokens', () => {
    const normalise = (profile: { id: string; name: string }) => ({ [profile.id]: 'PROFILE', [profile.name]: 'PROFILE-NAME' });
    const forgeState = jiraSnapshot(h.siteJira, normalise(h.forgeProfile));
    expect(forgeState).toEqual(jiraSnapshot(h.jira, normalise(h.profile)));
    expect(forgeState.flatMap((i) => i.comments).length).toBeGreaterThan(2);
    expect(h.siteJira.requests.length).toBeGreaterThan(0);
    expect(h.siteJira.requests.every((r) => r.via === 'api-gateway')).toBe(true);
    expect(h.jira.requests.every((r) => r.via === 'site')).toBe(true);
    expect(h.logs()).not.toContain(h.inst.systemTokens[0]!);
  });

  it('pre-uninstall deletes every row of the installation and leaves the Connect site working', async () => {
    const res = await h.forge.preUninstall(h.service.url, h.inst);
    expect(res.status).toBe(200);
    expect(await h.rowsMentioning(h.inst.installationId)).toEqual([]);
    expect(await h.rowsMentioning(forgeAssociationId)).toEqual([]);
    const rows = await h.allRows();
    // Of the installation, only its bare id is kept (no URL, no token), so it cannot come back.
    expect(rows.filter((r) => r.includes(h.inst.installationId)).map(isTombstone)).toEqual([true]);
    expect(rows.some((r) => r.includes(connectAssociationId))).toBe(true);

    // The removed association's events are gone for good; the Connect site's go on.
    expect((await h.sendEvent(forgeAssociationId, preCreateEvent(forgeTarget(), flagsV1(), 3), { secret: h.signingSecretOf(forgeAssociationId) })).status).toBe(410);
    expect((await h.forgeApi('GET', '/api/associations')).status).toBe(401);
    expect((await h.sendEvent(connectAssociationId, preCreateEvent(connectTarget(), flagsV1(), 3))).status).toBe(202);
    await waitIdle(h.service.db);
    expect((await h.api('get', '/api/associations')).status).toBe(200);
  });

  it('a Forge call still under way at the uninstall (a retried lifecycle event, a heartbeat) brings nothing back', async () => {
    const before = await h.allRows();
    expect((await h.forge.heartbeat(h.service.url, h.inst)).status).toBe(200);
    expect((await h.forge.lifecycle(h.service.url, h.inst, 'upgraded')).status).toBe(200);
    expect(await h.allRows()).toEqual(before);
    expect((await h.forgeApi('GET', '/api/associations')).status).toBe(401);
    // A second pre-uninstall finds nothing to delete.
    expect((await h.forge.preUninstall(h.service.url, h.inst)).status).toBe(200);
    expect(await h.allRows()).toEqual(before);
  });

  it('a reinstall is a new installation and starts empty', async () => {
    const again = h.forge.install(h.siteJira);
    expect(again.installationId).not.toBe(h.inst.installationId);
    expect((await h.forge.lifecycle(h.service.url, again, 'installed')).status).toBe(200);
    const list = await h.forge.invokeRemote(h.service.url, again, { path: '/api/associations', accountId: h.siteJira.adminAccountId });
    expect(list.status).toBe(200);
    expect((list.json as { associations: unknown[] }).associations).toEqual([]);
  });

  it('an installation uninstalled before its installed call got through is not recorded by that call\'s late retry', async () => {
    const unlucky = h.forge.install(h.siteJira);
    expect((await h.forge.preUninstall(h.service.url, unlucky)).status).toBe(200);
    expect((await h.forge.lifecycle(h.service.url, unlucky, 'installed')).status).toBe(200);
    expect((await h.forge.heartbeat(h.service.url, unlucky)).status).toBe(200);
    // Only a bare tombstone of its id: no tenant row, no token, no URL.
    expect(await h.rowsMentioning(unlucky.installationId)).toEqual([]);
    expect((await h.allRows()).filter((r) => r.includes(unlucky.installationId))).toHaveLength(1);
    const list = await h.forge.invokeRemote(h.service.url, unlucky, { path: '/api/associations', accountId: h.siteJira.adminAccountId });
    expect(list.status).toBe(401);
  });
});
