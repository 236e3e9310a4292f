/**
 * The Connect lifecycle against the real app: signed installs only, re-install keeps the site's data,
 * uninstall deletes every row of the site in every table (and nothing of another site), and a disabled
 * site's work is kept, not dropped, until it is enabled again.
 */
import { QueryTypes } from 'sequelize';
import request from 'supertest';
import { Op } from 'sequelize';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startJiraDouble, type BadInstall, type JiraDouble } from '../doubles/jira/index.js';
import { databaseKinds } from '../support/databases.js';
import { deploymentEvent, preCreateEvent } from '../support/events.js';
import { flagsV1, flagsV2 } from '../support/fixtures.js';
import { KEYS, REGION, startHarness, type Harness } from '../support/harness.js';
import { sleep, waitFor } from '../support/wait.js';

/** The association's parameters as AppConfig passes them along (with the real signing secret). */
const parametersOf = (h: Harness, associationId: string) => ({
  EventsUrl: `${h.service.config.baseUrl}/api/associations/${associationId}/events`,
  SigningSecret: h.signingSecretOf(associationId),
});

/** Every row of every application table (the migrations' bookkeeping aside), read straight from the database. */
async function allRows(h: Harness): Promise<Record<string, Record<string, unknown>[]>> {
  const qi = h.service.db.sequelize.getQueryInterface();
  const tables = (await qi.showAllTables()).map((t) => (typeof t === 'string' ? t : (t as { tableName: string }).tableName));
  const out: Record<string, Record<string, unknown>[]> = {};
  for (const table of tables.filter((t) => t !== 'SequelizeMeta').sort()) {
    out[table] = await h.service.db.sequelize.query<Record<string, unknown>>(`SELECT * FROM "${table}"`, { type: QueryTypes.SELECT });
  }
  return out;
}

/** Rows (per table) that mention any of `needles` (a clientKey, association ids) in any column. */
async function rowsMentioning(h: Harness, needles: string[]): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const [table, rows] of Object.entries(await allRows(h))) {
    counts[table] = rows.filter((r) => needles.some((n) => JSON.stringify(r).includes(n))).length;
  }
  return counts;
}

describe.each(databaseKinds)('Connect lifecycle on %s', (kind) => {
  let h: Harness;
  let siteB: JiraDouble;
  const secretsSeen: string[] = [];
  let associationA = '';
  let associationB = '';
  const appB = { id: '', name: 'shop-b' };
  const profileB = { id: '', name: 'release-flags-b' };

  const asSite = (site: JiraDouble, method: 'get' | 'post' | 'delete', url: string, body?: object) => {
    const req = request(h.service.app)[method](url).set('Authorization', `JWT ${site.contextJwt(site.adminAccountId)}`);
    return body ? req.send(body) : req;
  };
  const eventsOf = (associationId: string) => h.service.models.StoredEvent.findAll({ where: { associationId } });

  beforeAll(async () => {
    h = await startHarness({ db: kind });
    siteB = await startJiraDouble();
    secretsSeen.push(h.jira.sharedSecret);
    const a = h.aws.addApplication({ name: appB.name });
    appB.id = a.id;
    profileB.id = h.aws.addProfile(a.id, { name: profileB.name, type: 'AWS.AppConfig.FeatureFlags' }).id;
  });
  afterAll(async () => {
    await siteB?.close();
    await h?.close();
  });

  const badInstalls: BadInstall[] = ['unsigned', 'hs256', 'unknown-kid', 'wrong-key', 'wrong-aud', 'expired', 'wrong-qsh', 'iss-mismatch'];

  it('refuses every badly signed install with 401 and stores nothing', async () => {
    const intruder = await startJiraDouble();
    try {
      const before = await allRows(h);
      for (const bad of badInstalls) {
        const res = await intruder.install(h.service.config.baseUrl, { bad });
        expect(res.status, bad).toBe(401);
        expect(res.json, bad).toMatchObject({ error: { code: 'unauthorized', message: expect.any(String) } });
      }
      expect(await rowsMentioning(h, [intruder.clientKey, intruder.sharedSecret])).toEqual(
        Object.fromEntries(Object.keys(before).map((t) => [t, 0])),
      );
      expect(await allRows(h)).toEqual(before);
    } finally {
      await intruder.close();
    }
  });

  it('accepts an install signed by Jira (204) and records the site', async () => {
    const res = await siteB.install(h.service.config.baseUrl);
    expect(res.status).toBe(204);
    secretsSeen.push(siteB.sharedSecret);
    const setting = await h.service.models.AddonSetting.findOne({ where: { clientKey: siteB.clientKey, key: 'clientInfo' } });
    const info = (typeof setting?.val === 'string' ? JSON.parse(setting.val) : setting?.val) as Record<string, unknown>;
    expect(info).toMatchObject({ clientKey: siteB.clientKey, baseUrl: siteB.url });
    // The shared secret is kept sealed, and opens to the one Jira sent.
    expect(JSON.stringify(info)).not.toContain(siteB.sharedSecret);
    expect(await h.service.tenancy.connectSharedSecret(siteB.clientKey)).toBe(siteB.sharedSecret);
    const site = await h.service.models.Site.findByPk(siteB.clientKey);
    expect(site?.enabled).toBe(true);
    // The installed site can use the API at once.
    expect((await asSite(siteB, 'get', '/api/associations')).status).toBe(200);
  });

  it('a badly signed re-install of an installed site cannot replace its shared secret', async () => {
    const stored = await h.service.models.AddonSetting.findOne({ where: { clientKey: h.jira.clientKey, key: 'clientInfo' } });
    for (const bad of ['unsigned', 'wrong-key', 'iss-mismatch', 'hs256'] as const) {
      const res = await h.jira.install(h.service.config.baseUrl, { bad, rotateSecret: true });
      expect(res.status, bad).toBe(401);
    }
    const after = await h.service.models.AddonSetting.findOne({ where: { clientKey: h.jira.clientKey, key: 'clientInfo' } });
    expect(after?.val).toEqual(stored?.val);
  });

  it('a re-install keeps the site associations (and takes a rotated secret)', async () => {
    associationA = (await h.associate()).id;
    const res = await h.jira.install(h.service.config.baseUrl, { rotateSecret: true });
    expect(res.status).toBe(204);
    secretsSeen.push(h.jira.sharedSecret);
    const list = await h.api('get', '/api/associations'); // signed with the new secret
    expect(list.status).toBe(200);
    expect((list.body as { associations: { id: string }[] }).associations.map((a) => a.id)).toEqual([associationA]);
    expect((await h.service.models.Site.findByPk(h.jira.clientKey))?.enabled).toBe(true);
  });

  it('enabled/disabled: only HS256 with the site\'s shared secret and the callback\'s qsh is accepted; a wrong signature gets 401 and changes nothing', async () => {
    const site = () => h.service.models.Site.findByPk(h.jira.clientKey);
    const bad = ['unsigned', 'wrong-secret', 'rs256', 'expired', 'wrong-qsh', 'iss-mismatch'] as const;
    for (const [call, enabledBefore] of [[() => h.jira.disable, true], [() => h.jira.enable, false]] as const) {
      const before = await allRows(h);
      expect((await site())?.enabled).toBe(enabledBefore);
      for (const b of bad) {
        const res = await call()({ bad: b });
        expect(res.status, b).toBe(401);
        expect(res.json, b).toMatchObject({ error: { code: 'unauthorized' } });
      }
      // Site B, correctly signed with its own secret, naming site A in the body.
      const crossSite = enabledBefore ? await siteB.disable({ body: { clientKey: h.jira.clientKey } }) : await siteB.enable({ body: { clientKey: h.jira.clientKey } });
      expect(crossSite.status).toBe(401);
      expect(await allRows(h)).toEqual(before);
      // As Jira signs it.
      expect((await call()()).status).toBe(204);
      expect((await site())?.enabled).toBe(!enabledBefore);
    }
    expect((await siteB.disable()).status).toBe(204);
    expect((await h.service.models.Site.findByPk(siteB.clientKey))?.enabled).toBe(false);
    expect((await siteB.enable()).status).toBe(204);
    expect((await h.service.models.Site.findByPk(siteB.clientKey))?.enabled).toBe(true);
  });

  it('a disabled site keeps its events pending with no Jira write, and processes them once enabled', async () => {
    expect((await h.jira.disable()).status).toBe(204);
    expect((await h.service.models.Site.findByPk(h.jira.clientKey))?.enabled).toBe(false);
    h.jira.clearRequests();

    const res = await h.sendEvent(associationA, preCreateEvent(h, flagsV1(), 1, { parameters: parametersOf(h, associationA) }));
    expect(res.status).toBe(202);
    // Anything the worker would take, it takes now; then give its background poll a few rounds too.
    await h.service.worker.drain();
    await sleep(4 * 200);
    expect((await eventsOf(associationA)).map((e) => e.status)).toEqual(['pending']);
    expect(h.jira.requests).toEqual([]);
    expect(h.jira.issues()).toEqual([]);

    expect((await h.jira.enable()).status).toBe(204);
    await waitFor('the kept event to be processed', async () => (await eventsOf(associationA)).every((e) => e.status === 'done'));
    const flagKeys = h.jira.issues().map((i) => (i.properties.appconfigFlag as { flagKey?: string } | undefined)?.flagKey);
    expect(flagKeys.sort()).toEqual(['beta_banner', 'checkout_v2']);
  });

  it('uninstall: a bad or unsigned uninstall gets 401 and deletes nothing', async () => {
    // Give both sites rows in every table: associations, events (two kinds), flag state, config versions.
    expect((await h.sendEvent(associationA, deploymentEvent(h, 1, { parameters: parametersOf(h, associationA) }))).status).toBe(202);
    const b = await asSite(siteB, 'post', '/api/associations', {
      projectKey: 'FLAG', region: REGION, applicationId: appB.id, configurationProfileId: profileB.id, ...KEYS.full,
    });
    expect(b.status).toBe(201);
    associationB = (b.body as { id: string }).id;
    expect((await h.sendEvent(associationB, preCreateEvent({ app: appB, profile: profileB }, flagsV1(), 1, { parameters: parametersOf(h, associationB) }))).status).toBe(202);
    for (const id of [associationA, associationB]) {
      await waitFor(`events of ${id} processed`, async () => (await eventsOf(id)).every((e) => e.status === 'done'));
    }
    // The snapshot below must not move on its own: wait until the worker has let go of its leases too.
    await waitFor('the worker to release its leases', async () => (await h.service.models.Association.count({ where: { leaseOwner: { [Op.ne]: null } } })) === 0);
    const mentionsA = await rowsMentioning(h, [h.jira.clientKey, associationA]);
    for (const table of ['AddonSettings', 'sites', 'associations', 'events', 'flag_states', 'config_versions']) {
      expect(mentionsA[table], table).toBeGreaterThan(0);
    }

    const before = await allRows(h);
    for (const bad of ['unsigned', 'hs256', 'unknown-kid', 'wrong-key', 'wrong-aud', 'expired', 'wrong-qsh', 'iss-mismatch'] as const) {
      const res = await h.jira.uninstall({ bad });
      expect(res.status, bad).toBe(401);
    }
    // Site B signing an uninstall that names site A is refused too.
    const crossSite = await siteB.uninstall({ body: { clientKey: h.jira.clientKey } });
    expect(crossSite.status).toBe(401);
    expect(await allRows(h)).toEqual(before);
  });

  it('uninstall signed by Jira deletes every row of the site in every table, and nothing of another site', async () => {
    const otherBefore = await rowsMentioning(h, [siteB.clientKey, associationB]);
    const res = await h.jira.uninstall();
    expect(res.status).toBe(204);

    const left = await rowsMentioning(h, [h.jira.clientKey, associationA]);
    // Of the site's association only its id is kept, with when it went: its events are answered 410.
    expect(left).toEqual({ ...Object.fromEntries(Object.keys(left).map((t) => [t, 0])), removed_associations: 1 });
    expect((await allRows(h)).removed_associations!.map((r) => Object.keys(r).sort())).toEqual([['id', 'removed_at_ms']]);
    // The same check through the models, table by table.
    const m = h.service.models;
    expect(await m.AddonSetting.count({ where: { clientKey: h.jira.clientKey } })).toBe(0);
    expect(await m.Site.count({ where: { clientKey: h.jira.clientKey } })).toBe(0);
    expect(await m.Association.count({ where: { clientKey: h.jira.clientKey } })).toBe(0);
    expect(await m.StoredEvent.count({ where: { associationId: associationA } })).toBe(0);
    expect(await m.FlagState.count({ where: { associationId: associationA } })).toBe(0);
    expect(await m.ConfigVersion.count({ where: { associationId: associationA } })).toBe(0);

    const otherAfter = await rowsMentioning(h, [siteB.clientKey, associationB]);
    expect(otherAfter).toEqual(otherBefore);
    for (const table of ['AddonSettings', 'sites', 'associations', 'events', 'flag_states', 'config_versions']) {
      expect(otherAfter[table], table).toBeGreaterThan(0);
    }
    expect((await asSite(siteB, 'get', '/api/associations')).body).toMatchObject({ associations: [{ id: associationB }] });
  });

  it('after uninstall, events for the old association get 410 and the old site JWT gets 401', async () => {
    const res = await h.sendEvent(associationA, preCreateEvent(h, flagsV2(), 2, { parameters: parametersOf(h, associationA) }));
    expect(res.status).toBe(410);
    expect(res.body).toMatchObject({ error: { code: 'association_removed' } });
    expect(await h.service.models.StoredEvent.count({ where: { associationId: associationA } })).toBe(0);

    for (const [method, url] of [['get', '/api/associations'], ['delete', `/api/associations/${associationA}`]] as const) {
      const api = await h.api(method, url);
      expect(api.status, `${method} ${url}`).toBe(401);
      expect(api.body).toMatchObject({ error: { code: 'unauthorized' } });
    }
    const pageUrl = new URL(h.jira.pageUrl(h.service.url, '/configure', h.jira.adminAccountId));
    const page = await request(h.service.app).get(pageUrl.pathname + pageUrl.search);
    expect(page.status).toBe(401);
  });

  it('no shared secret of any site ever reached the logs', () => {
    const logs = h.logs();
    expect(logs.length).toBeGreaterThan(0);
    expect(logs).toContain(h.jira.clientKey); // the site is logged, by its clientKey only
    for (const secret of secretsSeen) expect(logs.includes(secret)).toBe(false);
    for (const id of [associationA, associationB]) expect(logs.includes(h.signingSecretOf(id))).toBe(false);
    expect(logs.includes(KEYS.full.secretAccessKey)).toBe(false);
  });
});
