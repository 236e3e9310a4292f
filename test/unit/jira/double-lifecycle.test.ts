import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AsymmetricAlgorithm, createQueryStringHash, decodeAsymmetric, decodeSymmetric, fromMethodAndUrl, getKeyId, SymmetricAlgorithm } from 'atlassian-jwt';
import { JiraClient, JiraError } from '../../../src/jira/index.js';
import { startJiraDouble, type JiraDouble } from '../../doubles/jira/index.js';

/** A stand-in app: serves a descriptor and records the lifecycle callbacks it receives. */
async function startRecordingApp() {
  const received: { path: string; headers: IncomingHttpHeaders; body: Record<string, unknown> }[] = [];
  let url = '';
  const server: Server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/atlassian-connect.json') {
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(
        JSON.stringify({
          key: 'flags-app',
          baseUrl: url,
          authentication: { type: 'jwt' },
          lifecycle: { installed: '/installed', uninstalled: '/uninstalled' },
          modules: {
            jiraEntityProperties: [
              { key: 'flag-index', entityType: 'issue', name: { value: 'Flag' }, keyConfigurations: [{ propertyKey: 'appconfigFlag', extractions: [{ objectName: 'flagKey', type: 'string' }] }] },
            ],
          },
        }),
      );
      return;
    }
    let data = '';
    req.on('data', (c) => (data += c));
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, body: JSON.parse(data || '{}') });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, received, close: () => new Promise<void>((r) => server.close(() => r())) };
}

const tokenOf = (headers: IncomingHttpHeaders): string => String(headers.authorization ?? '').replace(/^JWT /, '');
const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as Record<string, unknown>;
const publicKey = async (kid: string) => fetch(`${process.env.CONNECT_KEYS_CDN_URL}/${kid}`);

describe('the Jira double\'s lifecycle callbacks', () => {
  let app: Awaited<ReturnType<typeof startRecordingApp>>;
  let jira: JiraDouble;
  let other: JiraDouble;

  beforeAll(async () => {
    app = await startRecordingApp();
    jira = await startJiraDouble();
    other = await startJiraDouble();
  });
  afterAll(async () => {
    await jira.close();
    await other.close();
    await app.close();
  });

  it('serves every double\'s public key from the one key server the process points ACE at', async () => {
    expect(process.env.CONNECT_KEYS_CDN_URL).toBe(jira.keysUrl);
    expect(other.keysUrl).toBe(jira.keysUrl);
    expect(await (await publicKey(jira.kid)).text()).toContain('BEGIN PUBLIC KEY');
    expect(await (await publicKey(other.kid)).text()).toContain('BEGIN PUBLIC KEY');
    expect((await publicKey('no-such-kid')).status).toBe(404);
  });

  it('refuses the app\'s calls before it is installed', async () => {
    expect(jira.installed).toBe(false);
    const res = await fetch(`${jira.url}/rest/api/3/project/FLAG`, { headers: { Authorization: 'JWT x.y.z' } });
    expect(res.status).toBe(401);
  });

  it('posts a signed install that verifies with the served key, then accepts the app\'s calls', async () => {
    const result = await jira.install(app.url);
    expect(result.status).toBe(204);
    const got = app.received.at(-1)!;
    expect(got.path).toBe('/installed');
    const token = tokenOf(got.headers);
    expect(getKeyId(token)).toBe(jira.kid);
    const claims = decodeAsymmetric(token, await (await publicKey(jira.kid)).text(), AsymmetricAlgorithm.RS256);
    expect(claims).toMatchObject({ iss: jira.clientKey, aud: [app.url], qsh: createQueryStringHash(fromMethodAndUrl('POST', '/installed')) });
    expect(claims.exp).toBeGreaterThan(Date.now() / 1000);
    expect(got.body).toMatchObject({ key: 'flags-app', clientKey: jira.clientKey, sharedSecret: jira.sharedSecret, baseUrl: jira.url, productType: 'jira', eventType: 'installed' });

    expect(jira.installed).toBe(true);
    const client = new JiraClient(jira.tenant());
    await client.createIssue({ project: { key: 'FLAG' }, issueType: { id: '10001' }, summary: 'Indexed', properties: [{ key: 'appconfigFlag', value: { flagKey: 'a', region: 'eu-west-1' } }] });
    expect((await client.searchJql('issue.property[appconfigFlag].flagKey = "a"')).map((h) => h.key)).toEqual(['FLAG-1']);
    // Only extractions the descriptor declares are searchable, as in Jira.
    const err = (await client.searchJql('issue.property[appconfigFlag].region = "eu-west-1"').catch((e: unknown) => e)) as JiraError;
    expect(err.status).toBe(400);
    expect(err.jiraMessage).toContain("Field 'issue.property[appconfigFlag].region' does not exist");
  });

  it.each([
    ['unsigned', (t: string) => expect(t).toBe('')],
    ['unknown-kid', async (t: string) => expect((await publicKey(getKeyId(t))).status).toBe(404)],
    ['wrong-key', async (t: string) => {
      expect(getKeyId(t)).toBe(other.kid);
      const pem = await (await publicKey(other.kid)).text();
      expect(() => decodeAsymmetric(t, pem, AsymmetricAlgorithm.RS256)).toThrow(/Signature verification failed/);
    }],
    ['wrong-aud', (t: string) => expect(claimsOf(t).aud).not.toEqual([app.url])],
    ['expired', (t: string) => expect(Number(claimsOf(t).exp)).toBeLessThan(Date.now() / 1000)],
    ['wrong-qsh', (t: string) => expect(claimsOf(t).qsh).not.toBe(createQueryStringHash(fromMethodAndUrl('POST', '/installed')))],
    ['iss-mismatch', (t: string) => expect(claimsOf(t).iss).not.toBe(other.clientKey)],
    ['hs256', (t: string) => expect(JSON.parse(Buffer.from(t.split('.')[0] ?? '', 'base64url').toString()).alg).toBe('HS256')],
  ] as const)('can send a bad install: %s', async (bad, check) => {
    const secret = other.sharedSecret;
    await other.install(app.url, { bad, rotateSecret: true });
    const got = app.received.at(-1)!;
    expect(got.body.clientKey).toBe(other.clientKey);
    await check(tokenOf(got.headers));
    // A bad install never counts as installed, whatever the app answered.
    expect(other.installed).toBe(false);
    expect(other.sharedSecret).toBe(secret);
  });

  it('signs enabled and disabled as Jira does: HS256 with the shared secret, qsh over the callback, no aud', async () => {
    for (const [event, send] of [['enabled', () => jira.enable()], ['disabled', () => jira.disable()]] as const) {
      await send();
      const got = app.received.at(-1)!;
      expect(got.path).toBe(`/${event}`);
      expect(got.body.sharedSecret).toBeUndefined();
      const claims = decodeSymmetric(tokenOf(got.headers), jira.sharedSecret, SymmetricAlgorithm.HS256);
      expect(claims).toMatchObject({ iss: jira.clientKey, qsh: createQueryStringHash(fromMethodAndUrl('POST', `/${event}`)) });
      expect(claims.aud).toBeUndefined();
      expect(claims.exp).toBeGreaterThan(Date.now() / 1000);
    }
  });

  it('rotates the shared secret on reinstall when asked', async () => {
    const before = jira.sharedSecret;
    await jira.install(app.url, { rotateSecret: true });
    expect(jira.sharedSecret).not.toBe(before);
    expect(app.received.at(-1)?.body.sharedSecret).toBe(jira.sharedSecret);
  });

  it('posts a signed uninstall without the secret, after which the app\'s calls are refused', async () => {
    const tenant = jira.tenant();
    const result = await jira.uninstall();
    expect(result.status).toBe(204);
    const got = app.received.at(-1)!;
    expect(got.path).toBe('/uninstalled');
    expect(got.body).toMatchObject({ eventType: 'uninstalled', clientKey: jira.clientKey });
    expect(got.body.sharedSecret).toBeUndefined();
    expect(claimsOf(tokenOf(got.headers)).qsh).toBe(createQueryStringHash(fromMethodAndUrl('POST', '/uninstalled')));
    const err = (await new JiraClient(tenant).getProject('FLAG').catch((e: unknown) => e)) as JiraError;
    expect(err.status).toBe(401);
  });
});
