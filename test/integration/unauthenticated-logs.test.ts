/**
 * What an unauthenticated caller can do to the logs and the process: a 5,000-deep body gets a prompt
 * 401 on every authenticated route (it once overflowed the stack in the ACE logger bridge and left the
 * request unanswered); no body of such a caller and no claim of a refused token reaches a log line; the
 * operator's line says route, status and reason; and every refusal reads the same to the caller (as
 * JSON, or as the error page on the pages Jira frames).
 */
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { encodeSymmetric, SymmetricAlgorithm } from 'atlassian-jwt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';
import { errorOf, refusedAt } from '../support/error-answer.js';

const NESTED = `${'['.repeat(5000)}${']'.repeat(5000)}`; // 10 KB, 5,000 levels

describe('unauthenticated callers and the logs', () => {
  let h: Harness;
  const routes = [
    ['post', '/installed'],
    ['post', '/uninstalled'],
    ['post', '/enabled'],
    ['post', '/disabled'],
    ['get', '/configure'],
    ['get', '/api/associations'],
    ['post', '/api/associations'],
    ['post', '/api/aws/applications'],
  ] as const;
  const logLines = () => h.logs().trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);

  beforeAll(async () => {
    h = await startHarness({ worker: false });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('a 10 KB body of 5,000 nested arrays without a token gets a prompt 401 everywhere, and the process serves on', async () => {
    for (const [method, path] of routes) {
      const res = await request(h.service.app)[method](path).set('Content-Type', 'application/json').send(NESTED).timeout(10_000);
      expect(res.status, `${method} ${path}`).toBe(401);
      expect(errorOf(res.type, res.text), `${method} ${path}`).toEqual(refusedAt(path));
    }
    // Many at once, on real sockets: all answered, none left hanging.
    const answers = await Promise.all(
      Array.from({ length: 50 }, () => fetch(`${h.service.url}/enabled`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: NESTED, signal: AbortSignal.timeout(10_000) }).then((r) => r.status)),
    );
    expect(answers.every((s) => s === 401)).toBe(true);
    expect((await request(h.service.app).get('/healthz')).status).toBe(200);
    expect((await h.api('get', '/api/associations')).status).toBe(200);
    expect(h.logs()).not.toContain('[[[[[[[[');
  });

  it('a token whose iss or aud is an object or an array (never verified that far) gets the one 401, not a 500', async () => {
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const iat = Math.floor(Date.now() / 1000);
    const odd = [{ iss: { a: 1 } }, { iss: [{ a: 1 }] }, { iss: h.jira.clientKey, aud: [{ $gt: '' }] }, { iss: h.jira.clientKey, aud: [['x']] }];
    const aceRoutes = [['post', '/enabled'], ['post', '/disabled'], ['get', '/configure'], ['get', '/panel/flag?issueId=1&issueKey=FLAG-1'], ['get', '/api/associations']] as const;
    for (const claims of odd) {
      const token = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ ...claims, qsh: 'context-qsh', iat, exp: iat + 180 })}.c2lnbmF0dXJl`;
      for (const [method, path] of aceRoutes) {
        const res = await request(h.service.app)[method](path).set('Authorization', `JWT ${token}`);
        expect(res.status, `${JSON.stringify(claims)} ${method} ${path}`).toBe(401);
        expect(errorOf(res.type, res.text), `${method} ${path}`).toEqual(refusedAt(path));
      }
    }
    expect(logLines().filter((l) => l.level === 50 || l.msg === 'unexpected error')).toEqual([]);
  });

  it('never logs the body of an unauthenticated caller', async () => {
    const marker = `AKIA${randomUUID().replace(/-/g, '').slice(0, 16).toUpperCase()}`;
    const body = { clientKey: h.jira.clientKey, baseUrl: h.jira.url, accessKeyId: marker, secretAccessKey: `secret-${marker}`, note: `note-${marker}` };
    for (const [method, path] of routes) {
      const res = await request(h.service.app)[method](path).send(body);
      expect(res.status, `${method} ${path}`).toBe(401);
    }
    expect(h.logs()).not.toContain(marker);
  });

  it('never logs the claims of a refused token, and the operator gets route, status and reason', async () => {
    const subMarker = `user-${randomUUID()}`;
    const iat = Math.floor(Date.now() / 1000);
    const forged = encodeSymmetric({ iss: h.jira.clientKey, sub: subMarker, qsh: 'context-qsh', iat, exp: iat + 180 }, 'not-the-shared-secret', SymmetricAlgorithm.HS256);
    const [, claims] = forged.split('.');
    for (const [method, path] of routes) {
      const res = await request(h.service.app)[method](path).set('Authorization', `JWT ${forged}`).send({ clientKey: h.jira.clientKey });
      expect(res.status, `${method} ${path}`).toBe(401);
      expect(errorOf(res.type, res.text), `${method} ${path}`).toEqual(refusedAt(path));
    }
    expect(h.logs()).not.toContain(subMarker);
    expect(h.logs()).not.toContain(claims!);
    expect(h.logs()).not.toContain(forged);
    const refused = logLines().filter((l) => l.msg === 'request refused' && l.status === 401);
    for (const [method, path] of routes) {
      // installed/uninstalled take only RS256 signed installs; everywhere else the signature is wrong.
      const reason = path === '/installed' || path === '/uninstalled' ? 'not_signed_install' : 'bad_signature';
      expect(refused.filter((l) => String(l.route).startsWith(`${method.toUpperCase()} ${path}`)).map((l) => l.reason), `${method} ${path}`).toContain(reason);
    }
  });

  it('one answer whether or not the clientKey is installed', async () => {
    const iat = Math.floor(Date.now() / 1000);
    const token = (iss: string) => encodeSymmetric({ iss, sub: 'x', qsh: 'context-qsh', iat, exp: iat + 180 }, 'wrong-secret', SymmetricAlgorithm.HS256);
    for (const [method, path] of routes) {
      const installed = await request(h.service.app)[method](path).set('Authorization', `JWT ${token(h.jira.clientKey)}`).send({ clientKey: h.jira.clientKey });
      const unknownKey = randomUUID();
      const unknown = await request(h.service.app)[method](path).set('Authorization', `JWT ${token(unknownKey)}`).send({ clientKey: unknownKey });
      expect([installed.status, unknown.status], `${method} ${path}`).toEqual([401, 401]);
      expect(unknown.text, `${method} ${path}`).toBe(installed.text);
    }
  });
});
