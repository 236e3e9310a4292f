/**
 * The Configure API's door, probed as an attacker would: only a Jira-issued JWT in the Authorization
 * header, HS256 with the site's shared secret, with exp, and a qsh that is context-qsh or this very
 * request's; one 401 for every refusal; no renewal header; a site-admin answer remembered at most 15 s.
 */
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { createQueryStringHash, encodeSymmetric, fromMethodAndUrl, SymmetricAlgorithm } from 'atlassian-jwt';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ADMIN_CACHE_MS } from '../../src/tenancy/site-admin.js';
import { startHarness, type Harness } from '../support/harness.js';

const REFUSED = { error: { code: 'unauthorized', message: 'Authentication failed.' } };

describe('Configure API tokens', () => {
  let h: Harness;
  let associationId = '';

  const now = () => Math.floor(Date.now() / 1000);
  const sign = (claims: Record<string, unknown>, secret = h.jira.sharedSecret) => encodeSymmetric(claims, secret, SymmetricAlgorithm.HS256);
  const qshOf = (method: string, pathWithQuery: string) => createQueryStringHash(fromMethodAndUrl(method, pathWithQuery));
  const claims = (over: Record<string, unknown> = {}) => ({ iss: h.jira.clientKey, sub: h.jira.adminAccountId, qsh: 'context-qsh', iat: now(), exp: now() + 180, ...over });
  const call = (method: 'get' | 'delete', path: string, token?: string) => {
    const req = request(h.service.app)[method](path);
    return token === undefined ? req : req.set('Authorization', `JWT ${token}`);
  };
  const stillThere = async () => (await h.service.models.Association.findByPk(associationId)) !== null;

  beforeAll(async () => {
    h = await startHarness({ worker: false });
    associationId = (await h.associate()).id;
  });
  afterAll(async () => {
    await h?.close();
  });
  afterEach(() => {
    vi.useRealTimers();
    h.jira.faults.clear();
    h.jira.addUser(h.jira.adminAccountId, { admin: true });
  });

  it('accepts a context JWT and a JWT whose qsh is this request, in the Authorization header, and mints no renewal token', async () => {
    const context = await call('get', '/api/associations', sign(claims()));
    expect(context.status).toBe(200);
    expect(context.headers['x-acpt']).toBeUndefined();
    const own = await call('get', '/api/associations', sign(claims({ qsh: qshOf('GET', '/api/associations') })));
    expect(own.status).toBe(200);
    expect(own.headers['x-acpt']).toBeUndefined();
  });

  it('refuses a page-load JWT (qsh of GET /configure) on DELETE, and deletes nothing', async () => {
    const page = new URL(h.jira.pageUrl(h.service.url, '/configure', h.jira.adminAccountId));
    const pageJwt = page.searchParams.get('jwt')!;
    // The page's own JWT is good for the page (which hands out no renewable session token)...
    const pageLoad = await request(h.service.app).get(page.pathname + page.search);
    expect(pageLoad.status).toBe(200);
    expect(pageLoad.headers['x-acpt']).toBeUndefined();
    // ...but not for an API call.
    const res = await call('delete', `/api/associations/${associationId}`, pageJwt);
    expect(res.status).toBe(401);
    expect(res.body).toEqual(REFUSED);
    expect(await stillThere()).toBe(true);
    // A qsh for GET on the same path does not carry over to DELETE either.
    const getQsh = sign(claims({ qsh: qshOf('GET', `/api/associations/${associationId}`) }));
    expect((await call('delete', `/api/associations/${associationId}`, getQsh)).status).toBe(401);
    expect(await stillThere()).toBe(true);
  });

  it.each([
    ['a garbage qsh', () => sign(claims({ qsh: 'not-a-hash' }))],
    ['no qsh', () => sign(claims({ qsh: undefined }))],
    ['no exp', () => sign(claims({ exp: undefined }))],
    ['a non-numeric exp', () => sign(claims({ exp: String(now() + 180) }))],
    ['an expired token', () => sign(claims({ iat: now() - 600, exp: now() - 1 }))],
    ['another secret', () => sign(claims(), 'x'.repeat(43))],
    ['an unknown clientKey', () => sign(claims({ iss: randomUUID() }), 'y'.repeat(43))],
    ['a session token as ACE mints it (iss = app key, aud = site, no qsh)', () => sign({ iss: h.jira.appKey, aud: [h.jira.clientKey], sub: h.jira.adminAccountId, iat: now(), exp: now() + 900 })],
    ['an alg:none token', () => `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify(claims())).toString('base64url')}.`],
    ['garbage', () => 'a.b.c'],
  ])('refuses %s on DELETE with the one 401, and deletes nothing', async (_what, token) => {
    const res = await call('delete', `/api/associations/${associationId}`, token());
    expect(res.status).toBe(401);
    expect(res.body).toEqual(REFUSED);
    expect(res.headers['x-acpt']).toBeUndefined();
    expect(await stillThere()).toBe(true);
  });

  it('refuses tokens carried in the query string (?jwt=, ?acpt=) even when valid', async () => {
    const token = sign(claims());
    for (const param of ['jwt', 'acpt']) {
      const res = await call('delete', `/api/associations/${associationId}?${param}=${token}`);
      expect(res.status, param).toBe(401);
      expect(res.body).toEqual(REFUSED);
      const list = await call('get', `/api/associations?${param}=${token}`);
      expect(list.status, param).toBe(401);
    }
    expect(await stillThere()).toBe(true);
  });

  it('logs the reason and route of a refusal, never the token or its claims', async () => {
    const token = sign(claims({ qsh: 'not-a-hash' }));
    expect((await call('get', '/api/associations', token)).status).toBe(401);
    const line = h.logs().trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'request refused').at(-1);
    expect(line).toMatchObject({ reason: 'bad_qsh', status: 401, tenantKey: h.jira.clientKey });
    expect(String(line?.route)).toContain('/api/associations');
    expect(h.logs()).not.toContain(token);
    expect(h.logs()).not.toContain(token.split('.')[1]);
  });

  it('a revoked site admin loses access once the 15 s admin cache has passed', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() });
    expect((await call('get', '/api/associations', sign(claims()))).status).toBe(200);
    h.jira.addUser(h.jira.adminAccountId, { admin: false });
    // Still remembered (a page's burst of calls costs one Jira request)...
    expect((await call('get', '/api/associations', sign(claims()))).status).toBe(200);
    vi.setSystemTime(Date.now() + ADMIN_CACHE_MS + 1);
    // ...but not longer than 15 s.
    const res = await call('get', '/api/associations', sign(claims()));
    expect(ADMIN_CACHE_MS).toBeLessThanOrEqual(15_000);
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ error: { code: 'not_site_admin' } });
    // A refusal is not remembered either: re-granted, the admin is back at once.
    h.jira.addUser(h.jira.adminAccountId, { admin: true });
    expect((await call('get', '/api/associations', sign(claims()))).status).toBe(200);
  });

  it('a 403 from Jira on the permission check is never taken (or remembered) as admin', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 60_000 }); // past any earlier confirmation
    h.jira.faults.add({ match: { method: 'POST', path: '/rest/api/3/permissions/check' }, status: 403, times: 1 });
    const refused = await call('get', '/api/associations', sign(claims()));
    expect(refused.status).not.toBe(200);
    expect(refused.body).toMatchObject({ error: { code: 'jira_unavailable' } });
    // The next call asks Jira again (the double has been told to refuse it as a non-admin now).
    h.jira.addUser(h.jira.adminAccountId, { admin: false });
    expect((await call('get', '/api/associations', sign(claims()))).status).toBe(403);
  });

  it('a context JWT works for DELETE, which then removes the association', async () => {
    const res = await call('delete', `/api/associations/${associationId}`, sign(claims({ qsh: qshOf('DELETE', `/api/associations/${associationId}`) })));
    expect(res.status).toBe(204);
    expect(await stillThere()).toBe(false);
  });
});
