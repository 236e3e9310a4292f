/**
 * FIT verification against the Forge double's key set on 127.0.0.1, and the doubles' own contract: the
 * Jira double takes Forge's Bearer tokens under /ex/jira/<cloudId> only, and only while they are valid.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BAD_FITS, startForgeDouble, type ForgeDouble, type ForgeInstallation } from '../../doubles/forge/index.js';
import { startJiraDouble, type JiraDouble } from '../../doubles/jira/index.js';
import { loadConfig } from '../../../src/config.js';
import { createFitVerifier, ForgeKeysUnavailable, InvalidInvocationToken } from '../../../src/forge/invocation-token.js';

let forge: ForgeDouble;
let jira: JiraDouble;
let inst: ForgeInstallation;

beforeAll(async () => {
  forge = await startForgeDouble();
  jira = await startJiraDouble();
  inst = forge.install(jira);
});
afterAll(async () => {
  await forge.close();
  await jira.close();
});

const verifier = (o: { production?: boolean; cooldownMs?: number } = {}) =>
  createFitVerifier({ appId: forge.appId, jwksUrl: forge.jwksUrl, production: o.production ?? false, jwksCooldownMs: o.cooldownMs ?? 0 });

describe('FIT verification', () => {
  it('a FIT from the key set yields the installation, its Jira base URL and the user', async () => {
    const verify = verifier();
    const invocation = await verify(await forge.fit(inst, { principal: jira.adminAccountId }));
    expect(invocation).toMatchObject({
      installationId: inst.installationId,
      apiBaseUrl: jira.apiBaseUrl,
      accountId: jira.adminAccountId,
      cloudId: jira.cloudId,
    });
    expect(invocation.issuedAt).toBeCloseTo(Date.now() / 1000, -1);
    // A lifecycle call has no user.
    expect((await verify(await forge.fit(inst))).accountId).toBeUndefined();
  });

  it('FORGE_APP_ID may be the UUID or the whole app ARI; anything else stops the start', () => {
    expect(loadConfig({ FORGE_APP_ID: `ari:cloud:ecosystem::app/${forge.appId}` }).forge.appId).toBe(forge.appId);
    expect(loadConfig({ FORGE_APP_ID: forge.appId.toUpperCase() }).forge.appId).toBe(forge.appId);
    expect(loadConfig({}).forge).toMatchObject({ appId: undefined, jwksUrl: 'https://forge.cdn.prod.atlassian-dev.net/.well-known/jwks.json' });
    expect(() => loadConfig({ FORGE_APP_ID: 'my-app' })).toThrow(/FORGE_APP_ID/);
  });

  it.each(BAD_FITS)('refuses a FIT that is %s', async (bad) => {
    const verify = verifier();
    await expect(verify(await forge.fit(inst, { bad }))).rejects.toBeInstanceOf(InvalidInvocationToken);
  });

  it('says why, without the token', async () => {
    const verify = verifier();
    const token = await forge.fit(inst, { bad: 'expired' });
    const err = (await verify(token).catch((e: unknown) => e)) as Error;
    expect(err.message).toBe('the invocation token has expired');
    await expect(verify(await forge.fit(inst, { bad: 'wrong-aud' }))).rejects.toThrow(/aud/);
    await expect(verify(await forge.fit(inst, { bad: 'hs256' }))).rejects.toThrow(/RS256/);
    await expect(verify('not.a.jwt')).rejects.toThrow(/malformed/);
  });

  it('caches the key set, and fetches it again for a kid it does not know (Forge rotated its keys)', async () => {
    const verify = verifier({ cooldownMs: 0 });
    const before = forge.jwksFetches;
    for (let i = 0; i < 3; i++) await verify(await forge.fit(inst));
    expect(forge.jwksFetches - before).toBe(1);
    await forge.rotateKey();
    await expect(verify(await forge.fit(inst))).resolves.toMatchObject({ installationId: inst.installationId });
    expect(forge.jwksFetches - before).toBe(2);
  });

  it('in production, accepts Jira only on api.atlassian.com', async () => {
    const verify = verifier({ production: true });
    await expect(verify(await forge.fit(inst))).rejects.toThrow(/api\.atlassian\.com/);
    const real = `https://api.atlassian.com/ex/jira/${jira.cloudId}`;
    await expect(verify(await forge.fit(inst, { claims: { app: { ...baseApp(), apiBaseUrl: real } } }))).resolves.toMatchObject({ apiBaseUrl: real });
    await expect(verify(await forge.fit(inst, { claims: { app: { ...baseApp(), apiBaseUrl: 'https://api.atlassian.com.evil.example/ex/jira/x' } } }))).rejects.toThrow(InvalidInvocationToken);
  });

  it('a key set it cannot reach is not the caller being refused', async () => {
    const verify = createFitVerifier({ appId: forge.appId, jwksUrl: 'http://127.0.0.1:9/.well-known/jwks.json', production: false });
    await expect(verify(await forge.fit(inst))).rejects.toBeInstanceOf(ForgeKeysUnavailable);
  });
});

function baseApp() {
  return { id: `ari:cloud:ecosystem::app/${forge.appId}`, installationId: inst.installationId, apiBaseUrl: inst.apiBaseUrl, environment: { type: 'DEVELOPMENT', id: inst.environmentId }, module: { type: 'core:endpoint', key: 'x' } };
}

describe('the Jira double behind the API gateway', () => {
  const get = (url: string, authorization?: string) => fetch(url, { headers: authorization ? { Authorization: authorization } : {} });

  it('accepts an app system token as Bearer under /ex/jira/<cloudId> until it expires', async () => {
    const token = forge.issueSystemToken(inst);
    const res = await get(`${jira.apiBaseUrl}/rest/api/3/project/search`, `Bearer ${token}`);
    expect(res.status).toBe(200);
    expect(jira.requests.at(-1)).toMatchObject({ via: 'api-gateway', path: '/rest/api/3/project/search', status: 200 });
    forge.expireSystemTokens(inst);
    expect((await get(`${jira.apiBaseUrl}/rest/api/3/project/search`, `Bearer ${token}`)).status).toBe(401);
  });

  it('refuses an unknown token, a Connect JWT at the gateway, a Bearer token at the site, and another cloudId', async () => {
    const token = forge.issueSystemToken(inst);
    expect((await get(`${jira.apiBaseUrl}/rest/api/3/project/search`, 'Bearer forge-system-made-up')).status).toBe(401);
    expect((await get(`${jira.apiBaseUrl}/rest/api/3/project/search`, 'JWT abc.def.ghi')).status).toBe(401);
    expect((await get(`${jira.url}/rest/api/3/project/search`, `Bearer ${token}`)).status).toBe(401);
    expect((await get(`${new URL(jira.url).origin}/ex/jira/another-cloud/rest/api/3/project/search`, `Bearer ${token}`)).status).toBe(404);
  });

  it('accepts an app user token for the user it was issued to', async () => {
    const token = forge.issueUserToken(inst, jira.adminAccountId);
    expect((await get(`${jira.apiBaseUrl}/rest/api/3/project/search`, `Bearer ${token}`)).status).toBe(200);
  });
});
