/**
 * GET /healthz, for the load balancer: 200 while the database answers, 503 when it does not, and the
 * process keeps serving meanwhile. The outages are real: a closed connection pool, PostgreSQL refusing
 * connections, and a database server that stops answering on the wire.
 */
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type AppConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { startService, type Service } from '../../src/service.js';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../support/databases.js';
import { startHarness, TEST_OPERATOR_KEY, type Harness } from '../support/harness.js';
import { waitFor } from '../support/wait.js';

describe.each(databaseKinds)('GET /healthz on %s', (kind) => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ db: kind });
  });
  afterAll(async () => {
    await h?.close();
  });

  const health = () => request(h.service.app).get('/healthz');

  it('answers 200 {status:"ok"} while the database answers, with no auth and no tenant data', async () => {
    const res = await health();
    expect(res.status).toBe(200);
    expect(res.type).toBe('application/json');
    expect(res.body).toEqual({ status: 'ok' });
  });

  if (kind === 'postgres') it('answers 503 while PostgreSQL refuses connections, and 200 again once it is back', async () => {
    const name = new URL(h.db.databaseUrl!).pathname.slice(1);
    const admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
    await admin.connect();
    try {
      await admin.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS false`);
      await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [name]);
      await waitFor('a 503', async () => (await health()).status === 503, 10_000);
      const down = await health();
      expect(down.status).toBe(503);
      expect(down.type).toBe('application/json');
      expect(down.body.status).not.toBe('ok');
      // Routes that need no database go on working.
      expect((await request(h.service.app).get('/atlassian-connect.json')).status).toBe(200);
    } finally {
      await admin.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`);
      await admin.end();
    }
    await waitFor('a 200 after recovery', async () => (await health()).status === 200, 10_000);
    expect((await health()).body).toEqual({ status: 'ok' });
  });

  it('answers 503 once the database connection is closed under the running app, and keeps serving', async () => {
    await h.service.db.close();
    for (let i = 0; i < 3; i++) {
      const res = await health();
      expect(res.status).toBe(503);
      expect(res.type).toBe('application/json');
      expect(res.body.status).not.toBe('ok');
    }
    expect((await request(h.service.app).get('/atlassian-connect.json')).status).toBe(200);
    // A route that needs the database fails cleanly with the JSON error shape, and the server stays up.
    const api = await h.api('get', '/api/associations');
    expect(api.status).toBeGreaterThanOrEqual(400);
    expect(api.body).toMatchObject({ error: { code: expect.any(String), message: expect.any(String) } });
    expect((await health()).status).toBe(503);
  });
});

/**
 * A TCP relay between the app and PostgreSQL that can stop answering: it stops reading in both directions
 * (TCP holds the bytes), as with a hung server or a network partition: no reset, no error, just silence.
 */
async function startRelay(upstreamPort: number) {
  let answering = true;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(upstreamPort, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      if (!answering) s.pause();
      s.on('error', () => s.destroy());
      s.on('close', () => sockets.delete(s));
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    port: (server.address() as AddressInfo).port,
    setAnswering(on: boolean) {
      answering = on;
      for (const s of sockets) {
        if (on) s.resume();
        else s.pause();
      }
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

// PostgreSQL only (a network database can hang; an embedded one cannot). Declared only where it runs: no skipped tests.
if (databaseKinds.includes('postgres')) describe('GET /healthz when PostgreSQL stops answering', () => {
  let db: TestDatabase;
  let relay: Awaited<ReturnType<typeof startRelay>>;
  let service: Service;

  beforeAll(async () => {
    db = await createTestDatabase('postgres');
    const url = new URL(db.databaseUrl!);
    relay = await startRelay(Number(url.port || 5432));
    url.hostname = '127.0.0.1';
    url.port = String(relay.port);
    const base = loadConfig({ NODE_ENV: 'test' });
    const config: AppConfig = {
      ...base,
      port: 0,
      dataDir: db.dataDir,
      databaseUrl: url.toString(),
      appSecretKey: TEST_OPERATOR_KEY,
      worker: { ...base.worker, enabled: false },
    };
    service = await startService(config, createLogger('silent'), { host: '127.0.0.1' });
  });
  afterAll(async () => {
    relay?.setAnswering(true);
    await relay?.close(); // drops the hung connections so the pool can close
    await service?.close().catch(() => undefined);
    await db?.drop();
  });

  it('answers 503 within a few seconds instead of hanging, and 200 again once the database answers', async () => {
    expect((await request(service.app).get('/healthz')).status).toBe(200);
    relay.setAnswering(false);
    const started = Date.now();
    const res = await request(service.app).get('/healthz').timeout(15_000);
    expect(res.status).toBe(503);
    expect(res.body.status).not.toBe('ok');
    expect(Date.now() - started).toBeLessThan(6_000);
    expect((await request(service.app).get('/atlassian-connect.json')).status).toBe(200);

    relay.setAnswering(true);
    await waitFor('a 200 once the database answers again', async () => (await request(service.app).get('/healthz')).status === 200, 20_000);
  });
});
