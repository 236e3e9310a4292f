/**
 * Who may use /api/associations: only the site's admins (Jira's permissions/check for the JWT's user),
 * and only for the site's own associations. A second Jira site is installed on the same app; its
 * associations are invisible to the first site (404), and a profile it already tracks is refused (409).
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../support/databases.js';
import { associationForm, startHarness, type Harness } from '../support/harness.js';
import { startJiraDouble, type JiraDouble } from '../doubles/jira/index.js';

describe.each(databaseKinds)('associations API access on %s', (kind) => {
  let h: Harness;
  let other: JiraDouble;
  let ours: { id: string };

  const body = (overrides: Record<string, unknown> = {}) => associationForm(h, overrides);
  /** A call from the other site's Configure page, as its admin by default. */
  const otherApi = (method: 'get' | 'post' | 'delete', path: string, payload?: object, accountId = other.adminAccountId) => {
    const req = request(h.service.app)[method](path).set('Authorization', `JWT ${other.contextJwt(accountId)}`);
    return payload === undefined ? req : req.send(payload);
  };
  const expectError = (res: request.Response, status: number, code: string) => {
    expect(res.status).toBe(status);
    expect(res.headers['content-type']).toMatch(/application\/json/);
    expect(res.body.error).toMatchObject({ code, message: expect.any(String) });
    expect(res.body.error.message.length).toBeGreaterThan(10);
  };

  beforeAll(async () => {
    h = await startHarness({ db: kind });
    other = await startJiraDouble();
    const install = await other.install(h.service.config.baseUrl);
    expect(install.status).toBe(204);
    ours = await h.associate();
  });
  afterAll(async () => {
    await other?.close();
    await h?.close();
  });

  it('refuses a site member who is not a site admin with 403 on GET, POST and DELETE', async () => {
    const member = h.jira.memberAccountId;
    const creates = h.aws.calls.length;

    const get = await h.api('get', '/api/associations', undefined, member);
    expectError(get, 403, 'not_site_admin');
    expect(JSON.stringify(get.body)).not.toContain(ours.id);

    const p = h.aws.addProfile(h.app.id, { name: 'member-flags', type: 'AWS.AppConfig.FeatureFlags' });
    const post = await h.api('post', '/api/associations', body({ configurationProfileId: p.id }), member);
    expectError(post, 403, 'not_site_admin');
    const dry = await h.api('post', '/api/associations?dryRun=true', body(), member);
    expectError(dry, 403, 'not_site_admin');
    // Refused before the keys are used: AWS saw no call.
    expect(h.aws.calls.length).toBe(creates);

    const del = await h.api('delete', `/api/associations/${ours.id}`, undefined, member);
    expectError(del, 403, 'not_site_admin');
    const stillThere = await h.api('get', '/api/associations');
    expect(stillThere.body.associations.map((a: { id: string }) => a.id)).toEqual([ours.id]);
  });

  it('refuses a user Jira does not know, and calls without a valid JWT', async () => {
    expectError(await h.api('get', '/api/associations', undefined, '712020:not-a-user'), 403, 'not_site_admin');
    expectError(await request(h.service.app).get('/api/associations'), 401, 'unauthorized');
    expectError(await request(h.service.app).get('/api/associations').set('Authorization', 'JWT not.a.jwt'), 401, 'unauthorized');
    const forged = h.jira.contextJwt(h.jira.adminAccountId).replace(/.{4}$/, 'AAAA');
    expectError(await request(h.service.app).delete(`/api/associations/${ours.id}`).set('Authorization', `JWT ${forged}`), 401, 'unauthorized');
  });

  it("answers 404 for another site's association id, and never lists it", async () => {
    const p = h.aws.addProfile(h.app.id, { name: 'other-site-flags', type: 'AWS.AppConfig.FeatureFlags' });
    const theirs = await otherApi('post', '/api/associations', body({ configurationProfileId: p.id }));
    expect(theirs.status).toBe(201);

    const list = await h.api('get', '/api/associations');
    expect(list.body.associations.map((a: { id: string }) => a.id)).toEqual([ours.id]);
    const theirList = await otherApi('get', '/api/associations');
    expect(theirList.body.associations.map((a: { id: string }) => a.id)).toEqual([theirs.body.id]);

    const del = await h.api('delete', `/api/associations/${theirs.body.id}`);
    expectError(del, 404, 'association_not_found');
    expect(await h.service.models.Association.count({ where: { id: theirs.body.id } })).toBe(1);

    // And the other way round.
    expectError(await otherApi('delete', `/api/associations/${ours.id}`), 404, 'association_not_found');
    expect(await h.service.models.Association.count({ where: { id: ours.id } })).toBe(1);
  });

  it('answers 404 for an unknown association id', async () => {
    expectError(await h.api('delete', '/api/associations/00000000-0000-4000-8000-000000000000'), 404, 'association_not_found');
    expectError(await h.api('delete', '/api/associations/not-an-id'), 404, 'association_not_found');
  });

  it('refuses (409) a profile whose AWS extension association another Jira site holds, and leaves it alone', async () => {
    const p = h.aws.addProfile(h.app.id, { name: 'contested-flags', type: 'AWS.AppConfig.FeatureFlags' });
    const theirs = await otherApi('post', '/api/associations', body({ configurationProfileId: p.id }));
    expect(theirs.status).toBe(201);

    for (const path of ['/api/associations', '/api/associations?dryRun=true']) {
      const res = await h.api('post', path, body({ configurationProfileId: p.id }));
      expectError(res, 409, 'profile_tracked_elsewhere');
      expect(res.body.error.field).toBe('configurationProfileId');
      expect(res.body.error.message).toMatch(/another Jira site/);
      // No detail of the other site leaks: neither its association id nor its URL.
      expect(JSON.stringify(res.body)).not.toContain(theirs.body.id);
      expect(JSON.stringify(res.body)).not.toContain(other.url);
    }
    const inAws = h.aws.extensionAssociations().filter((a) => a.resourceArn === p.arn);
    expect(inAws).toHaveLength(1);
    expect(inAws[0]!.parameters.EventsUrl).toBe(theirs.body.eventsUrl);
    expect(await h.service.models.Association.count({ where: { configurationProfileId: p.id } })).toBe(1);
  });
});
