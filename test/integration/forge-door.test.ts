/**
 * The Forge door's guard: every bad invocation token is a 401 that stores nothing, on every Forge
 * route and on the Configure API; the newest app system token wins whatever order calls arrive in; a
 * Connect uninstall leaves a Forge installation untouched; without FORGE_APP_ID the door is closed.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BAD_FITS, startForgeDouble, type ForgeDouble } from '../doubles/forge/index.js';
import { startJiraDouble, type JiraDouble } from '../doubles/jira/index.js';
import { databaseKinds } from '../support/databases.js';
import { isTombstone, startForgeHarness, type ForgeHarness } from '../support/forge-harness.js';
import { associationForm, startHarness, type Harness } from '../support/harness.js';
import { waitFor } from '../support/wait.js';
import { ForgeInstallations } from '../../src/forge/installations.js';
import { startService } from '../../src/service.js';
import { createLogger } from '../../src/log.js';

describe.each(databaseKinds)('Forge door guard (%s)', (kind) => {
  let h: ForgeHarness;
  beforeAll(async () => {
    h = await startForgeHarness({ db: kind });
  });
  afterAll(async () => {
    await h?.close();
  });

  const forgeRows = async () => (await h.allRows()).filter((r) => r.startsWith('forge_installations:') || r.startsWith('associations:') || r.startsWith('sites:'));

  it.each(BAD_FITS)('a FIT that is %s gets 401 on every Forge route and the API, and nothing is stored', async (bad) => {
    const stranger = h.forge.install(h.siteJira); // never recorded: a bad FIT must not record it
    const before = await forgeRows();
    const requestsBefore = h.siteJira.requests.length;
    const answers = [
      await h.forge.lifecycle(h.service.url, stranger, 'installed', { bad }),
      await h.forge.heartbeat(h.service.url, stranger, { bad }),
      await h.forge.preUninstall(h.service.url, h.inst, { bad }),
      await h.forge.invokeRemote(h.service.url, h.inst, { path: '/api/associations', accountId: h.siteJira.adminAccountId }, { bad }),
      await h.forge.invokeRemote(
        h.service.url,
        h.inst,
        { path: '/api/associations', method: 'POST', body: associationForm(h, { configurationProfileId: h.forgeProfile.id }), accountId: h.siteJira.adminAccountId },
        { bad },
      ),
    ];
    for (const a of answers) {
      expect(a.status, a.text).toBe(401);
      expect(a.json).toEqual({ error: { code: 'unauthorized', message: 'Authentication failed.' } });
    }
    expect(await forgeRows()).toEqual(before);
    expect(h.siteJira.requests.length).toBe(requestsBefore);
    // The known installation is still there and its token unchanged.
    expect((await h.forgeApi('GET', '/api/associations')).status).toBe(200);
  });

  it("a valid FIT of a UI call, or of another Forge module, is refused on the lifecycle, heartbeat and pre-uninstall routes (403) and changes nothing", async () => {
    // A Custom UI's invokeRemote may name any path: the flag panel, open to any user who can see the
    // issue, must not reach the uninstall hook.
    const user = h.siteJira.adminAccountId;
    const panel = { principal: user, module: { type: 'jira:issueContext', key: 'flag-panel' } };
    const before = await h.allRows();
    const requestsBefore = h.siteJira.requests.length;
    const answers = [
      await h.forge.preUninstall(h.service.url, h.inst, panel),
      await h.forge.preUninstall(h.service.url, h.inst, { principal: user, module: { type: 'jira:adminPage', key: 'configure' } }),
      await h.forge.preUninstall(h.service.url, h.inst, { module: { type: 'core:endpoint', key: 'lifecycle-endpoint' } }),
      await h.forge.preUninstall(h.service.url, h.inst, { principal: user, module: { type: 'preUninstall', key: 'pre-uninstall' } }),
      await h.forge.preUninstall(h.service.url, h.inst, { claims: { app: { installationId: h.inst.installationId, apiBaseUrl: h.inst.apiBaseUrl } } }),
      await h.forge.lifecycle(h.service.url, h.inst, 'installed', panel),
      await h.forge.heartbeat(h.service.url, h.inst, panel),
      await h.forge.heartbeat(h.service.url, h.inst, { module: { type: 'preUninstall', key: 'pre-uninstall' } }),
    ];
    for (const a of answers) {
      expect(a.status, a.text).toBe(403);
      expect((a.json as { error: { code: string } }).error.code).toBe('not_a_forge_event');
      expect(a.text).not.toContain(h.inst.systemToken);
    }
    expect(await h.allRows()).toEqual(before);
    expect(h.siteJira.requests.length).toBe(requestsBefore);
    expect((await h.forgeApi('GET', '/api/associations')).status).toBe(200);
    // Forge's own calls still get through.
    expect((await h.forge.heartbeat(h.service.url, h.inst)).status).toBe(200);
  });

  it('a FIT without a Bearer scheme, an empty one and a Connect JWT for a Forge installation are refused alike', async () => {
    for (const authorization of ['Bearer', 'Bearer ', 'Basic abc', `JWT ${await h.forge.fit(h.inst, { principal: h.siteJira.adminAccountId })}`]) {
      const res = await h.forge.invokeRemote(h.service.url, h.inst, { path: '/api/associations', accountId: h.siteJira.adminAccountId }, { authorization });
      expect(res.status, authorization).toBe(401);
    }
  });

  it('identity comes from the FIT, not the body: a lifecycle body naming another installation changes nothing of it', async () => {
    const other = h.forge.install(h.siteJira);
    const spoof = await fetch(`${h.service.url}/forge/lifecycle`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', authorization: `Bearer ${await h.forge.fit(h.inst)}`, 'x-forge-oauth-system': h.inst.systemToken },
      body: JSON.stringify({ eventType: 'avi:forge:installed:app', installationId: other.installationId, app: { installationId: other.installationId } }),
    });
    expect(spoof.status).toBe(200);
    expect((await h.allRows()).some((r) => r.includes(other.installationId))).toBe(false);
  });

  it('an API call from an installation Forge never reported is a 401', async () => {
    const unknown = h.forge.install(h.siteJira);
    const res = await h.forge.invokeRemote(h.service.url, unknown, { path: '/api/associations', accountId: h.siteJira.adminAccountId });
    expect(res.status).toBe(401);
  });

  it('keeps the newest app system token: a call issued earlier, arriving later, does not replace it', async () => {
    const newer = h.forge.issueSystemToken(h.inst);
    expect((await h.forge.heartbeat(h.service.url, h.inst, { systemToken: newer })).status).toBe(200);
    const older = h.forge.issueSystemToken(h.inst);
    h.siteJira.bearer.expire(older);
    // An invocation Forge issued two minutes before, carrying another token, is answered but does not win.
    const late = await h.forgeApi('GET', '/api/jira/projects', undefined, undefined, { systemToken: older, issuedAtOffset: -50 });
    expect(late.status, late.text).toBe(200);
    h.siteJira.clearRequests();
    expect((await h.forgeApi('GET', '/api/jira/projects', undefined, undefined, { systemToken: null })).status).toBe(200);
    expect(h.siteJira.requests.every((r) => r.status === 200)).toBe(true);
    expect(h.siteJira.requests.length).toBeGreaterThan(0);
    h.forge.issueSystemToken(h.inst); // what Forge sends from now on (the expired one was the double's latest)
  });

  it("a page's call cannot replace a token Jira still takes (its headers pass through the user's browser); it can replace a refused one", async () => {
    const good = h.forge.issueSystemToken(h.inst);
    expect((await h.forge.heartbeat(h.service.url, h.inst, { systemToken: good })).status).toBe(200);
    // A user's call, newer, carrying a token Jira does not know: answered, not kept.
    expect((await h.forgeApi('GET', '/api/associations', undefined, undefined, { systemToken: 'junk-set-in-the-browser' })).status).toBe(200);
    h.siteJira.clearRequests();
    expect((await h.forgeApi('GET', '/api/jira/projects', undefined, undefined, { systemToken: null })).status).toBe(200);
    expect(h.siteJira.requests.length).toBeGreaterThan(0);
    expect(h.siteJira.requests.every((r) => r.status === 200)).toBe(true);

    // Once Jira refuses the stored token, a page's call brings the next one.
    h.siteJira.bearer.expire(good);
    expect((await h.forgeApi('GET', '/api/jira/projects', undefined, undefined, { systemToken: null })).status).not.toBe(200);
    const fresh = h.forge.issueSystemToken(h.inst);
    expect((await h.forgeApi('GET', '/api/associations', undefined, undefined, { systemToken: fresh })).status).toBe(200);
    h.siteJira.clearRequests();
    expect((await h.forgeApi('GET', '/api/jira/projects', undefined, undefined, { systemToken: null })).status).toBe(200);
    expect(h.siteJira.requests.every((r) => r.status === 200)).toBe(true);
  });

  it('a Connect uninstall leaves the Forge installation and its association untouched', async () => {
    const forgeAssociation = await h.forgeAssociate();
    const connectAssociation = await h.associate();
    expect((await h.jira.uninstall()).status).toBe(204);
    const rows = await h.allRows();
    // Of the Connect site's association only its removed-id note is left (its events are answered 410).
    expect(rows.filter((r) => r.includes(connectAssociation.id)).map(isTombstone)).toEqual([true]);
    expect(rows.some((r) => r.includes(forgeAssociation.id))).toBe(true);
    const list = await h.forgeApi('GET', '/api/associations');
    expect((list.json as { associations: { id: string }[] }).associations.map((a) => a.id)).toEqual([forgeAssociation.id]);
  });

  it('a purge that a stop interrupted is finished when the app starts again', async () => {
    const inst = h.forge.install(h.siteJira);
    expect((await h.forge.lifecycle(h.service.url, inst, 'installed')).status).toBe(200);
    // Pre-uninstall's first step (the installation hidden), then the process stopped before the purge.
    const noSealing = { seal: () => '', open: () => '' };
    expect(await new ForgeInstallations(h.service.db, h.service.models, noSealing).beginUninstall(inst.installationId)).toBe(true);
    expect((await h.allRows()).some((r) => r.includes(inst.installationId))).toBe(true);
    expect((await h.forge.invokeRemote(h.service.url, inst, { path: '/api/associations', accountId: h.siteJira.adminAccountId })).status).toBe(401);

    const restarted = await startService({ ...h.service.config, port: 0, worker: { ...h.service.config.worker, enabled: false } }, createLogger('silent'), { host: '127.0.0.1' });
    try {
      await waitFor('the interrupted purge to finish', async () => (await h.rowsMentioning(inst.installationId)).length === 0);
    } finally {
      await restarted.close();
    }
  });

  it('tokens and FITs never reach the log', () => {
    const logs = h.logs();
    for (const token of h.inst.systemTokens) expect(logs).not.toContain(token);
    expect(logs).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/);
  });
});

describe('Forge door closed (no FORGE_APP_ID)', () => {
  let h: Harness;
  let forge: ForgeDouble;
  let siteJira: JiraDouble;
  beforeAll(async () => {
    h = await startHarness();
    forge = await startForgeDouble();
    siteJira = await startJiraDouble();
  });
  afterAll(async () => {
    await h?.close();
    await forge?.close();
    await siteJira?.close();
  });

  it('/forge/* are 404 and a Bearer token on the API is a 401, even a well-signed one', async () => {
    const inst = forge.install(siteJira);
    for (const path of ['/forge/lifecycle', '/forge/heartbeat', '/forge/pre-uninstall']) {
      const res = await request(h.service.app).post(path).set('Authorization', `Bearer ${await forge.fit(inst)}`).send({});
      expect(res.status, path).toBe(404);
    }
    const api = await forge.invokeRemote(h.service.url, inst, { path: '/api/associations', accountId: siteJira.adminAccountId });
    expect(api.status).toBe(401);
    // The Connect door is as it was.
    expect((await h.api('get', '/api/associations')).status).toBe(200);
  });
});
