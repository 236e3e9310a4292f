/**
 * The install public key fetch, probed as an attacker would: a signed install whose `kid` is not of
 * Atlassian's form is refused before anything is fetched (nothing reaches the key server, nothing is
 * stored), and a key server that never answers costs an install a bounded wait, not a hung request;
 * installs naming one kid share one fetch, and at most four unknown kids are fetched at once (the rest
 * are answered 503 at once, to try again), so a flood of made-up kids is no flood of outbound requests.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAtlassianKid } from '../../src/connect/signed-install.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { startService, type Service } from '../../src/service.js';
import { keyServerRequests } from '../doubles/connect-keys.js';
import { startJiraDouble, type JiraDouble } from '../doubles/jira/index.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { startHarness, TEST_OPERATOR_KEY, type Harness } from '../support/harness.js';

const PROBES = [
  '../../secret',
  '/@evil.example/x',
  '@evil.example/x',
  '..',
  'a/../../b',
  './x',
  'http://evil.example/x',
  '//evil.example/x',
  '%2e%2e%2fsecret',
  'x?y=1',
  'x#y',
  'kid with spaces',
  'a\\..\\b',
  'k'.repeat(300),
  '',
];

describe('install key ids', () => {
  it('Atlassian-form kids pass, path and host tricks do not', () => {
    for (const kid of [randomUUID(), `jira-double-${randomUUID()}`, 'micros/jira-connect/abc_1.2', 'ABC-123']) expect(isAtlassianKid(kid), kid).toBe(true);
    for (const kid of [...PROBES, 42, null, undefined, {}]) expect(isAtlassianKid(kid), String(kid)).toBe(false);
  });
});

describe('signed installs naming a crafted kid', () => {
  let h: Harness;
  let intruder: JiraDouble;

  beforeAll(async () => {
    h = await startHarness({ worker: false });
    intruder = await startJiraDouble();
  });
  afterAll(async () => {
    await intruder?.close();
    await h?.close();
  });

  it('are refused with the one 401 before the key server is asked, and store nothing', async () => {
    const askedBefore = keyServerRequests().length;
    for (const kid of PROBES) {
      for (const [site, send] of [
        [intruder, () => intruder.install(h.service.config.baseUrl, { kid })],
        [h.jira, () => h.jira.uninstall({ kid })],
      ] as const) {
        const res = await send();
        expect(res.status, `${site === intruder ? 'install' : 'uninstall'} kid=${kid}`).toBe(401);
        expect(res.json).toEqual({ error: { code: 'unauthorized', message: 'Authentication failed.' } });
      }
    }
    expect(keyServerRequests().slice(askedBefore)).toEqual([]);
    expect(await h.service.tenancy.lookup(intruder.clientKey)).toBeNull();
    expect(await h.service.tenancy.lookup(h.jira.clientKey)).not.toBeNull();
    const reasons = h.logs().trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'request refused').map((l) => l.reason);
    expect(reasons.filter((r) => r === 'bad_kid').length).toBe(PROBES.length * 2);
  });

  it('a kid of the right form is fetched from the key server by that name only', async () => {
    const askedBefore = keyServerRequests().length;
    expect((await intruder.install(h.service.config.baseUrl)).status).toBe(204);
    expect(keyServerRequests().slice(askedBefore)).toEqual([`/${intruder.kid}`]);
  });
});

describe('a key server that never answers', () => {
  let silent: Server;
  let asked = 0;
  let service: Service;
  let db: TestDatabase;
  let jira: JiraDouble;

  beforeAll(async () => {
    silent = createServer(() => {
      asked++; // and holds every request open
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', () => resolve()));
    db = await createTestDatabase('sqlite');
    const base = loadConfig({ NODE_ENV: 'test', WORKER: 'off' });
    service = await startService(
      {
        ...base,
        port: 0,
        dataDir: db.dataDir,
        appSecretKey: TEST_OPERATOR_KEY,
        connectKeysUrl: `http://127.0.0.1:${(silent.address() as AddressInfo).port}`,
        connectKeysTimeoutMs: 1500,
      },
      createLogger('silent'),
      { host: '127.0.0.1' },
    );
    jira = await startJiraDouble();
  });
  afterAll(async () => {
    await jira?.close();
    await service?.close();
    silent?.closeAllConnections();
    await new Promise<void>((resolve) => silent?.close(() => resolve()));
    await db?.drop();
  });

  it('gets each install answered 401 once the bounded fetch gives up, and the app serves on', async () => {
    const before = asked;
    const installs = await Promise.all(Array.from({ length: 5 }, () => jira.install(service.config.baseUrl)));
    expect(installs.map((r) => r.status)).toEqual([401, 401, 401, 401, 401]);
    expect(asked - before).toBe(1); // one kid, one fetch shared by the five
    expect(await service.tenancy.lookup(jira.clientKey)).toBeNull();
    expect((await request(service.app).get('/healthz')).status).toBe(200);
  });

  it('fetches at most four unknown kids at once and answers the rest 503 at once', async () => {
    const sites = await Promise.all(Array.from({ length: 7 }, () => startJiraDouble()));
    try {
      const before = asked;
      const started = Date.now();
      const answers = await Promise.all(
        sites.map(async (site) => {
          const res = await site.install(service.config.baseUrl);
          return { status: res.status, ms: Date.now() - started };
        }),
      );
      expect(answers.map((a) => a.status).sort()).toEqual([401, 401, 401, 401, 503, 503, 503]);
      expect(asked - before).toBe(4);
      // The three past the bound did not wait for the key server's timeout (1.5 s here).
      expect(answers.filter((a) => a.status === 503 && a.ms < 1000)).toHaveLength(3);
    } finally {
      await Promise.all(sites.map((s) => s.close()));
    }
  });
});
