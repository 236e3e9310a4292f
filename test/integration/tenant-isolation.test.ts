/**
 * Two Jira sites on ONE app: neither site's admin can see or touch the other's associations, a plain
 * user of a site is refused on every /api route, and a JWT that is not exactly what Jira signs is refused.
 */
import { encodeSymmetric, SymmetricAlgorithm } from 'atlassian-jwt';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorOf } from '../support/error-answer.js';
import { startJiraDouble, type JiraDouble } from '../doubles/jira/index.js';
import { databaseKinds } from '../support/databases.js';
import { KEYS, REGION, startHarness, type Harness } from '../support/harness.js';

const unauthorizedBody = { error: { code: 'unauthorized', message: expect.any(String) } };

describe.each(databaseKinds)('tenant isolation on %s', (kind) => {
  let h: Harness;
  let siteB: JiraDouble;
  let idA = '';
  let idB = '';

  const as = (site: JiraDouble, accountId: string, method: 'get' | 'post' | 'delete', url: string, body?: object) => {
    const req = request(h.service.app)[method](url).set('Authorization', `JWT ${site.contextJwt(accountId)}`);
    return body ? req.send(body) : req;
  };
  const idsSeenBy = async (site: JiraDouble) => {
    const res = await as(site, site.adminAccountId, 'get', '/api/associations');
    expect(res.status).toBe(200);
    return (res.body as { associations: { id: string }[] }).associations.map((a) => a.id);
  };

  beforeAll(async () => {
    h = await startHarness({ db: kind, worker: false });
    siteB = await startJiraDouble();
    const install = await siteB.install(h.service.config.baseUrl);
    if (install.status !== 204) throw new Error(`site B install failed: ${install.status}`);
    idA = (await h.associate()).id;
    const appB = h.aws.addApplication({ name: 'shop-b' });
    const profileB = h.aws.addProfile(appB.id, { name: 'flags-b', type: 'AWS.AppConfig.FeatureFlags' });
    const b = await as(siteB, siteB.adminAccountId, 'post', '/api/associations', {
      projectKey: 'FLAG', region: REGION, applicationId: appB.id, configurationProfileId: profileB.id, ...KEYS.full,
    });
    if (b.status !== 201) throw new Error(`site B associate failed: ${b.status} ${JSON.stringify(b.body)}`);
    idB = (b.body as { id: string }).id;
  });
  afterAll(async () => {
    await siteB?.close();
    await h?.close();
  });

  it("each site's admin lists only its own associations", async () => {
    expect(await idsSeenBy(h.jira)).toEqual([idA]);
    expect(await idsSeenBy(siteB)).toEqual([idB]);
    const listB = await as(siteB, siteB.adminAccountId, 'get', '/api/associations');
    expect(JSON.stringify(listB.body)).not.toContain(idA);
    expect(JSON.stringify(listB.body)).not.toContain(h.app.id);
  });

  it("site B's admin cannot read or delete site A's association (404), and it stays intact", async () => {
    const read = await as(siteB, siteB.adminAccountId, 'get', `/api/associations/${idA}`);
    expect(read.status).toBe(404);
    expect(JSON.stringify(read.body)).not.toContain(h.app.id);

    const del = await as(siteB, siteB.adminAccountId, 'delete', `/api/associations/${idA}`);
    expect(del.status).toBe(404);
    expect(del.body).toMatchObject({ error: { code: 'association_not_found', message: expect.any(String) } });

    expect(await h.service.models.Association.count({ where: { id: idA, clientKey: h.jira.clientKey } })).toBe(1);
    expect(await idsSeenBy(h.jira)).toEqual([idA]);
    // Site B deleting its own association works, so the 404 above is about ownership, not the route.
    expect((await as(siteB, siteB.adminAccountId, 'delete', `/api/associations/${idB}`)).status).toBe(204);
    expect(await idsSeenBy(siteB)).toEqual([]);
  });

  it('a non-admin user of site A gets 403 on every /api route, and nothing changes', async () => {
    const member = h.jira.memberAccountId;
    const awsBody = { region: REGION, ...KEYS.full };
    const routes = [
      ['get', '/api/associations', undefined],
      ['post', '/api/associations', { projectKey: 'FLAG', region: REGION, applicationId: h.app.id, configurationProfileId: h.profile.id, ...KEYS.full }],
      ['post', '/api/associations?dryRun=true', { projectKey: 'FLAG', region: REGION, applicationId: h.app.id, configurationProfileId: h.profile.id, ...KEYS.full }],
      ['delete', `/api/associations/${idA}`, undefined],
      ['get', '/api/jira/projects', undefined],
      ['get', '/api/jira/projects/FLAG/issue-types', undefined],
      ['post', '/api/aws/applications', awsBody],
      ['post', '/api/aws/configuration-profiles', { ...awsBody, applicationId: h.app.id }],
    ] as const;
    const awsCalls = h.aws.calls.length;
    const extensionAssociations = h.aws.extensionAssociations().length;
    for (const [method, url, body] of routes) {
      const res = await as(h.jira, member, method, url, body);
      expect(res.status, `${method} ${url}`).toBe(403);
      expect(res.body, `${method} ${url}`).toMatchObject({ error: { code: 'not_site_admin', message: expect.any(String) } });
    }
    expect(h.aws.calls.length).toBe(awsCalls); // the member's AWS keys were never used
    expect(h.aws.extensionAssociations().length).toBe(extensionAssociations);
    expect(await idsSeenBy(h.jira)).toEqual([idA]);

    // The Configure page itself is refused too.
    const page = new URL(h.jira.pageUrl(h.service.url, '/configure', member));
    const res = await request(h.service.app).get(page.pathname + page.search);
    expect(res.status).toBe(403);
  });

  it('a JWT signed with a wrong secret, or expired, gets 401 on the API', async () => {
    const iat = Math.floor(Date.now() / 1000);
    const claims = { iss: h.jira.clientKey, sub: h.jira.adminAccountId, qsh: 'context-qsh', iat, exp: iat + 300 };
    const tokens = {
      'wrong secret': encodeSymmetric(claims, 'not-the-shared-secret-of-this-site-0123456789', SymmetricAlgorithm.HS256),
      "site B's secret": encodeSymmetric(claims, siteB.sharedSecret, SymmetricAlgorithm.HS256),
      expired: encodeSymmetric({ ...claims, iat: iat - 1200, exp: iat - 600 }, h.jira.sharedSecret, SymmetricAlgorithm.HS256),
      'unknown site': encodeSymmetric({ ...claims, iss: 'no-such-client-key' }, h.jira.sharedSecret, SymmetricAlgorithm.HS256),
    };
    for (const [what, token] of Object.entries(tokens)) {
      for (const [method, url] of [['get', '/api/associations'], ['delete', `/api/associations/${idA}`]] as const) {
        const res = await request(h.service.app)[method](url).set('Authorization', `JWT ${token}`);
        expect(res.status, `${what}: ${method} ${url}`).toBe(401);
        expect(res.body).toMatchObject(unauthorizedBody);
      }
    }
    const none = await request(h.service.app).get('/api/associations');
    expect(none.status).toBe(401);
    expect(none.body).toMatchObject(unauthorizedBody);
    expect(await idsSeenBy(h.jira)).toEqual([idA]);
  });

  it('the Configure page refuses a JWT whose qsh is for another request, and a context token', async () => {
    const admin = h.jira.adminAccountId;
    const good = new URL(h.jira.pageUrl(h.service.url, '/configure', admin));
    expect((await request(h.service.app).get(good.pathname + good.search)).status).toBe(200);

    const query = new URLSearchParams(good.search);
    for (const [what, jwt] of [
      ['qsh of another path', h.jira.pageJwt(admin, 'GET', '/api/associations')],
      ['qsh of another query', h.jira.pageJwt(admin, 'GET', '/configure?project=OTHER')],
      ['context-qsh token', h.jira.contextJwt(admin)],
    ] as const) {
      query.set('jwt', jwt);
      const res = await request(h.service.app).get(`/configure?${query}`);
      expect(res.status, what).toBe(401);
      // The error page, not the Configure page: no form, no API token.
      expect(errorOf(res.type, res.text), what).toEqual({ code: 'unauthorized', asPage: true });
      expect(res.text, what).not.toContain('Access key ID');
      expect(res.text, what).not.toContain('api-token');
    }
  });
});
