import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createQueryStringHash, encodeSymmetric, fromMethodAndUrl, SymmetricAlgorithm } from 'atlassian-jwt';
import { appRequestJwt } from '../../../src/jira/jwt.js';
import { startJiraDouble, type JiraDouble } from '../../doubles/jira/index.js';

const para = (text: string) => ({ type: 'paragraph', content: [{ type: 'text', text }] });
const doc = (...texts: string[]) => ({ type: 'doc', version: 1, content: texts.map(para) });

/** The loose shape of what the double answers, for assertions. */
interface JiraBody {
  errorMessages?: string[];
  errors?: Record<string, string>;
  issues?: unknown[];
  id?: string;
  [k: string]: unknown;
}

/** Calls the double as the app would, with an optional hand-made token to test what it refuses. */
async function call(jira: JiraDouble, method: string, pathAndQuery: string, body?: unknown, token?: string) {
  const url = new URL(jira.url + pathAndQuery);
  const jwt = token ?? appRequestJwt(jira.tenant(), method, url);
  const res = await fetch(url, {
    method,
    headers: { Authorization: `JWT ${jwt}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text ? (JSON.parse(text) as JiraBody) : undefined };
}

describe('the Jira double', () => {
  let jira: JiraDouble;
  const create = (summary: string, extra: Record<string, unknown> = {}) =>
    call(jira, 'POST', '/rest/api/3/issue', { fields: { project: { key: 'FLAG' }, issuetype: { id: '10001' }, summary, ...extra } });

  beforeAll(async () => {
    jira = await startJiraDouble({ appKey: 'test-app' });
  });
  afterAll(() => jira.close());
  beforeEach(() => jira.faults.clear());

  describe('checks the app JWT on every REST call', () => {
    const claims = (over: Record<string, unknown>) => {
      const iat = Math.floor(Date.now() / 1000);
      return { iss: 'test-app', iat, exp: iat + 180, qsh: createQueryStringHash(fromMethodAndUrl('GET', '/rest/api/3/project/FLAG')), ...over };
    };
    const sign = (over: Record<string, unknown>, secret = jira.sharedSecret) => encodeSymmetric(claims(over), secret, SymmetricAlgorithm.HS256);

    it('accepts a correct token', async () => {
      expect((await call(jira, 'GET', '/rest/api/3/project/FLAG', undefined, sign({}))).status).toBe(200);
    });

    it.each([
      ['a tampered qsh (token made for another path)', { qsh: createQueryStringHash(fromMethodAndUrl('GET', '/rest/api/3/project/OTHER')) }, 'qsh'],
      ['another method in the qsh', { qsh: createQueryStringHash(fromMethodAndUrl('DELETE', '/rest/api/3/project/FLAG')) }, 'qsh'],
      ['an expired token', { exp: Math.floor(Date.now() / 1000) - 1 }, 'expired'],
      ['another issuer', { iss: 'some-other-app' }, 'issuer'],
      ['an audience of another site', { aud: ['another-client-key'] }, 'audience'],
    ])('refuses %s with 401', async (_name, over, word) => {
      const res = await call(jira, 'GET', '/rest/api/3/project/FLAG', undefined, sign(over));
      expect(res.status).toBe(401);
      expect(res.json?.errorMessages?.[0]).toContain(word);
    });

    it('refuses a token signed with another secret, or none', async () => {
      expect((await call(jira, 'GET', '/rest/api/3/project/FLAG', undefined, sign({}, 'guess'))).status).toBe(401);
      const res = await fetch(`${jira.url}/rest/api/3/project/FLAG`);
      expect(res.status).toBe(401);
      expect(jira.requests.at(-1)).toMatchObject({ method: 'GET', path: '/rest/api/3/project/FLAG', status: 401 });
    });

    it('hashes the query too: a token for ?maxResults=1 does not pass for ?maxResults=100', async () => {
      const token = sign({ qsh: createQueryStringHash(fromMethodAndUrl('GET', '/rest/api/3/project/search?maxResults=1')) });
      expect((await call(jira, 'GET', '/rest/api/3/project/search?maxResults=1', undefined, token)).status).toBe(200);
      expect((await call(jira, 'GET', '/rest/api/3/project/search?maxResults=100', undefined, token)).status).toBe(401);
    });
  });

  describe('validates writes as Jira does', () => {
    it('creates an issue with a rich ADF description and answers 201 {id, key, self}', async () => {
      const rich = {
        type: 'doc',
        version: 1,
        content: [
          { type: 'heading', attrs: { level: 3 }, content: [{ type: 'text', text: 'Attributes' }] },
          { type: 'bulletList', content: [{ type: 'listItem', content: [para('limit: 10')] }] },
          { type: 'paragraph', content: [{ type: 'text', text: 'darkMode', marks: [{ type: 'code' }] }] },
        ],
      };
      const res = await create('Rich', { description: rich });
      expect(res.status).toBe(201);
      expect(res.json).toEqual({ id: expect.stringMatching(/^\d+$/), key: 'FLAG-1', self: `${jira.url}/rest/api/3/issue/${res.json?.id}` });
    });

    it('refuses a description that is not ADF, with errors.description', async () => {
      const res = await create('Bad ADF', { description: 'plain text is REST v2, not v3' });
      expect(res.status).toBe(400);
      expect(res.json).toEqual({ errorMessages: [], errors: { description: expect.stringContaining('Atlassian Document') } });
      const emptyText = await create('Empty text node', { description: doc('') });
      expect(emptyText.status).toBe(400);
      expect(jira.issues().map((i) => i.summary)).toEqual(['Rich']);
    });

    it('refuses a missing project and an unknown field the way Jira does', async () => {
      const res = await call(jira, 'POST', '/rest/api/3/issue', { fields: { project: { key: 'NOPE' }, issuetype: { id: '10001' }, summary: 's', labels: ['x'] } });
      expect(res.status).toBe(400);
      expect(res.json?.errors).toMatchObject({ project: 'valid project is required', labels: expect.stringContaining('cannot be set') });
    });

    it('refuses an invalid comment in an edit and applies none of the edit', async () => {
      const res = await call(jira, 'PUT', '/rest/api/3/issue/FLAG-1', { fields: { summary: 'Changed' }, update: { comment: [{ add: { body: { type: 'doc', version: 1, content: [{ type: 'nope' }] } } }] } });
      expect(res.status).toBe(400);
      expect(res.json?.errors?.comment).toBeDefined();
      expect(jira.issue('FLAG-1')).toMatchObject({ summary: 'Rich', comments: [] });
    });

    it('caps a bulk at 50 elements', async () => {
      const one = { fields: { project: { key: 'FLAG' }, issuetype: { id: '10001' }, summary: 's' } };
      const res = await call(jira, 'POST', '/rest/api/3/issue/bulk', { issueUpdates: Array(51).fill(one) });
      expect(res.status).toBe(400);
      expect(jira.issues()).toHaveLength(1);
    });

    it('pages comments and serves properties like Jira', async () => {
      for (const t of ['one', 'two', 'three']) expect((await call(jira, 'POST', '/rest/api/3/issue/FLAG-1/comment', { body: doc(t) })).status).toBe(201);
      const page = await call(jira, 'GET', '/rest/api/3/issue/FLAG-1/comment?startAt=1&maxResults=1');
      expect(page.json).toMatchObject({ startAt: 1, maxResults: 1, total: 3, comments: [{ body: doc('two') }] });
      expect((await call(jira, 'PUT', '/rest/api/3/issue/FLAG-1/properties/p1', { a: 1 })).status).toBe(201);
      expect((await call(jira, 'PUT', '/rest/api/3/issue/FLAG-1/properties/p1', { a: 2 })).status).toBe(200);
      expect((await call(jira, 'GET', '/rest/api/3/issue/FLAG-1/properties/p1')).json).toEqual({ key: 'p1', value: { a: 2 } });
      expect((await call(jira, 'DELETE', '/rest/api/3/issue/FLAG-1/properties/p1')).status).toBe(204);
      expect((await call(jira, 'GET', '/rest/api/3/issue/FLAG-1/properties/p1')).status).toBe(404);
    });
  });

  describe('JQL', () => {
    it('answers GET and POST enhanced search; only ids unless fields are asked for', async () => {
      await call(jira, 'PUT', '/rest/api/3/issue/FLAG-1/properties/appconfigFlag', { flagKey: 'darkMode', n: 3 });
      const get = await call(jira, 'GET', `/rest/api/3/search/jql?jql=${encodeURIComponent('issue.property[appconfigFlag].flagKey = darkMode')}`);
      expect(get.json).toEqual({ issues: [{ id: jira.issue('FLAG-1')?.id }], isLast: true });
      const post = await call(jira, 'POST', '/rest/api/3/search/jql', { jql: 'project = FLAG AND issue.property[appconfigFlag].n IN (3, 4)', fields: ['summary'] });
      expect(post.json?.issues).toEqual([expect.objectContaining({ key: 'FLAG-1', fields: { summary: 'Rich' } })]);
    });

    it.each([
      ['project = FLAG OR project = OPS', "'OR' is not supported"],
      ['', 'Unbounded JQL'],
      ['ORDER BY created', 'Unbounded JQL'],
      ['key = FLAG-999', "An issue with key 'FLAG-999' does not exist"],
      ['summary ~ "x"', "'summary' is not supported"],
    ])('refuses %j with 400', async (jql, message) => {
      const res = await call(jira, 'POST', '/rest/api/3/search/jql', { jql });
      expect(res.status).toBe(400);
      expect(res.json?.errorMessages?.[0]).toContain(message);
    });
  });

  describe('faults', () => {
    it('a faulted write changes nothing', async () => {
      const before = jira.issue('FLAG-1');
      jira.faults.add({ match: { method: 'PUT' }, status: 500 });
      jira.faults.add({ match: { method: 'POST' }, drop: true });
      expect((await call(jira, 'PUT', '/rest/api/3/issue/FLAG-1', { update: { comment: [{ add: { body: doc('lost') } }] } })).status).toBe(500);
      await expect(create('never')).rejects.toThrow();
      expect(jira.issue('FLAG-1')).toEqual(before);
      expect(jira.issues()).toHaveLength(1);
    });

    it('429 carries Retry-After and X-RateLimit-Reset; everyNth and times shape when it fires', async () => {
      jira.faults.add({ match: { path: /^\/rest\/api\/3\/project\// }, status: 429, retryAfter: 5, everyNth: 2, times: 2 });
      const statuses: number[] = [];
      let limited: Headers | undefined;
      for (let i = 0; i < 6; i++) {
        const res = await call(jira, 'GET', '/rest/api/3/project/FLAG');
        statuses.push(res.status);
        if (res.status === 429) limited = res.headers;
      }
      expect(statuses).toEqual([200, 429, 200, 429, 200, 200]);
      expect(limited?.get('retry-after')).toBe('5');
      expect(Date.parse(limited?.get('x-ratelimit-reset') ?? '')).toBeGreaterThan(Date.now());
    });
  });

  describe('page and context JWTs for the app under test', () => {
    it('signs a page JWT with a real qsh over the iframe URL, and a context JWT with "context-qsh"', () => {
      const url = new URL(jira.pageUrl('http://127.0.0.1:9/', '/configure', jira.adminAccountId));
      const token = url.searchParams.get('jwt') ?? '';
      const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString());
      expect(claims).toMatchObject({ iss: jira.clientKey, sub: jira.adminAccountId });
      url.searchParams.delete('jwt');
      expect(claims.qsh).toBe(createQueryStringHash(fromMethodAndUrl('GET', url.pathname + url.search)));
      const ctx = JSON.parse(Buffer.from((jira.contextJwt(jira.memberAccountId).split('.')[1] ?? ''), 'base64url').toString());
      expect(ctx).toMatchObject({ iss: jira.clientKey, sub: jira.memberAccountId, qsh: 'context-qsh' });
    });
  });

  describe('its own HTML page', () => {
    it('lists issues with summary, properties and rendered comments, without a JWT', async () => {
      const html = await (await fetch(`${jira.url}/`)).text();
      expect(html).toContain('FLAG-1');
      expect(html).toContain('Rich');
      expect(html).toContain('<li><p>limit: 10</p></li>');
      expect(html).toContain('<p>three</p>');
      expect(html).toContain('darkMode');
      const one = await fetch(`${jira.url}/browse/FLAG-1`);
      expect(one.status).toBe(200);
    });
  });
});
