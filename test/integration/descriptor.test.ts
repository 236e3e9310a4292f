/**
 * The Connect descriptor as Jira reads it, and proof that every URL it names is served by the app:
 * signed requests succeed, unsigned ones get a 401 JSON error. Unknown routes answer a JSON 404.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorOf } from '../support/error-answer.js';
import { databaseKinds } from '../support/databases.js';
import { startHarness, type Harness } from '../support/harness.js';

interface Descriptor {
  key: string;
  baseUrl: string;
  authentication: { type: string };
  apiMigrations: Record<string, unknown>;
  lifecycle: Record<string, string>;
  scopes: string[];
  modules: {
    configurePage: { url: string; key: string };
    postInstallPage: { url: string; key: string };
    jiraEntityProperties: {
      entityType?: string;
      keyConfigurations: { propertyKey: string; extractions: { objectName: string; type: string }[] }[];
    }[];
  };
}

const errorBody = { error: { code: expect.any(String), message: expect.any(String) } };

describe.each(databaseKinds)('descriptor and its URLs on %s', (kind) => {
  let h: Harness;
  let d: Descriptor;

  beforeAll(async () => {
    h = await startHarness({ db: kind, worker: false });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('GET /atlassian-connect.json serves the descriptor Jira needs', async () => {
    const res = await request(h.service.app).get('/atlassian-connect.json');
    expect(res.status).toBe(200);
    expect(res.type).toBe('application/json');
    d = res.body as Descriptor;
    expect(d.baseUrl).toBe(h.service.config.baseUrl);
    expect(d.key).toMatch(/^[a-z0-9.-]+$/);
    expect(d.authentication).toEqual({ type: 'jwt' });
    expect(d.apiMigrations).toMatchObject({ 'signed-install': true, 'context-qsh': true, gdpr: true });
    expect(Object.keys(d.lifecycle).sort()).toEqual(['disabled', 'enabled', 'installed', 'uninstalled']);
    for (const url of Object.values(d.lifecycle)) expect(url).toMatch(/^\/[a-z]/);
    expect([...d.scopes].sort()).toEqual(['DELETE', 'READ', 'WRITE']);
    expect(d.modules.configurePage.url).toBe('/configure');
    expect(d.modules.postInstallPage.url).toBe('/configure');
    // No placeholder is left unfilled anywhere.
    expect(JSON.stringify(d)).not.toMatch(/\{\{\w+\}\}/);
  });

  it('indexes the appconfigFlag issue property for JQL', () => {
    const issueModules = d.modules.jiraEntityProperties.filter((m) => (m.entityType ?? 'issue') === 'issue');
    const config = issueModules.flatMap((m) => m.keyConfigurations).find((k) => k.propertyKey === 'appconfigFlag');
    expect(config).toBeDefined();
    const extractions = Object.fromEntries(config!.extractions.map((e) => [e.objectName, e.type]));
    expect(extractions).toMatchObject({ flagKey: 'string', applicationId: 'string', configurationProfileId: 'string' });
  });

  it('declares the Releases-panel provider, the per-environment JQL index and the flag panel shown only on flag issues', () => {
    const modules = d.modules as unknown as Record<string, unknown>;
    expect(modules.jiraFeatureFlagInfoProvider).toMatchObject({ key: expect.stringMatching(/^[a-zA-Z0-9-]{1,100}$/), name: { value: expect.any(String) }, homeUrl: expect.stringMatching(/^https:\/\//) });
    const state = d.modules.jiraEntityProperties.flatMap((m) => m.keyConfigurations).find((k) => k.propertyKey === 'appconfigFlagState');
    expect(state?.extractions).toEqual([
      { objectName: 'enabledIn', type: 'string', alias: 'appconfigEnabledIn' },
      { objectName: 'disabledIn', type: 'string', alias: 'appconfigDisabledIn' },
    ]);
    const contexts = modules.jiraIssueContexts as { target: { url: string }; conditions: unknown[] }[];
    expect(contexts).toHaveLength(1);
    expect(contexts[0]!.target.url).toMatch(/^\/panel\/flag\?/);
    expect(contexts[0]!.conditions).toEqual([{ condition: 'entity_property_exists', params: { entity: 'issue', propertyKey: 'appconfigFlag' } }]);
  });

  it('every lifecycle URL refuses an unsigned call with a 401 JSON error', async () => {
    const calls = {
      installed: () => h.jira.install(h.service.config.baseUrl, { bad: 'unsigned' }),
      enabled: () => h.jira.enable({ bad: 'unsigned' }),
      disabled: () => h.jira.disable({ bad: 'unsigned' }),
      uninstalled: () => h.jira.uninstall({ bad: 'unsigned' }),
    };
    for (const [event, call] of Object.entries(calls)) {
      const res = await call();
      expect(res.status, event).toBe(401);
      expect(res.json, event).toMatchObject(errorBody);
    }
    // The same by hand, straight at the descriptor's URLs, with a plausible body and no JWT.
    for (const url of Object.values(d.lifecycle)) {
      const res = await request(h.service.app).post(url).send({ clientKey: h.jira.clientKey, baseUrl: h.jira.url, key: d.key });
      expect(res.status, url).toBe(401);
      expect(res.type, url).toBe('application/json');
      expect(res.body, url).toMatchObject(errorBody);
    }
    expect(await h.service.models.Site.findByPk(h.jira.clientKey)).not.toBeNull();
  });

  it('the configure URL serves the page to a signed request and a 401 error page to an unsigned or tampered one', async () => {
    const full = new URL(h.jira.pageUrl(h.service.url, d.modules.configurePage.url, h.jira.adminAccountId));
    const ok = await request(h.service.app).get(full.pathname + full.search);
    expect(ok.status).toBe(200);
    expect(ok.type).toBe('text/html');

    const unsigned = await request(h.service.app).get(d.modules.configurePage.url).set('Accept', 'text/html');
    expect(unsigned.status).toBe(401);
    expect(unsigned.type).toBe('text/html');
    expect(errorOf(unsigned.type, unsigned.text)).toEqual({ code: 'unauthorized', asPage: true });

    const jwt = full.searchParams.get('jwt')!;
    const forged = `${jwt.slice(0, -4)}${jwt.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`;
    full.searchParams.set('jwt', forged);
    const tampered = await request(h.service.app).get(full.pathname + full.search);
    expect(tampered.status).toBe(401);
    expect(errorOf(tampered.type, tampered.text)).toEqual({ code: 'unauthorized', asPage: true });
  });

  it('every lifecycle URL accepts the call Jira signs', async () => {
    expect((await h.jira.disable()).status).toBe(204);
    expect((await h.service.models.Site.findByPk(h.jira.clientKey))?.enabled).toBe(false);
    expect((await h.jira.enable()).status).toBe(204);
    expect((await h.service.models.Site.findByPk(h.jira.clientKey))?.enabled).toBe(true);
    expect((await h.jira.install(h.service.config.baseUrl)).status).toBe(204);
    expect((await h.jira.uninstall()).status).toBe(204);
    expect(await h.service.models.Site.findByPk(h.jira.clientKey)).toBeNull();
  });

  it('unknown routes answer a JSON 404 in the error shape', async () => {
    for (const [method, url] of [['get', '/no-such-page'], ['post', '/installed/extra'], ['delete', '/atlassian-connect.json/x'], ['get', '/healthz/deep']] as const) {
      const res = await request(h.service.app)[method](url);
      expect(res.status, `${method} ${url}`).toBe(404);
      expect(res.type).toBe('application/json');
      expect(res.body).toEqual({ error: { code: 'not_found', message: expect.any(String) } });
    }
  });
});
