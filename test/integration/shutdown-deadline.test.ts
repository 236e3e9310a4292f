/**
 * SIGTERM while the worker waits out a long Jira Retry-After: the process still exits within its
 * shutdown deadline (the HTTP grace plus 5 s), inside a container platform's usual 30 s, and says so in
 * its log, instead of waiting minutes and being killed with no word. What it was doing is kept: its
 * event stays pending and is worked off after the restart. (Not database-specific: SQLite.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { associateVia, installOn, postEvent, startAppProcess, startDoubles, type AppProcess, type Doubles } from '../support/app-process.js';
import { preCreateEvent } from '../support/events.js';
import { flagsV1 } from '../support/fixtures.js';
import { SHUTDOWN_GRACE_MS } from '../../src/service.js';

// The lease the cut-off process leaves behind lapses soon, so the restarted one takes the event over.
const LEASE = { WORKER_LEASE_MS: '3000' };

describe('shutdown while Jira asks the app to wait', () => {
  let doubles: Doubles;
  let db: TestDatabase;
  let app: AppProcess | undefined;

  beforeAll(async () => {
    doubles = await startDoubles();
    db = await createTestDatabase('sqlite');
    app = await startAppProcess({ dataDir: db.dataDir, env: LEASE });
    await installOn(doubles, app);
  }, 90_000);
  afterAll(async () => {
    await app?.kill('SIGKILL');
    await doubles?.close();
    await db?.drop();
  });

  it(`exits within ${(SHUTDOWN_GRACE_MS + 5_000) / 1000} s of SIGTERM, saying why; the event is kept`, async () => {
    const id = await associateVia(doubles, app!, doubles.profiles[0]!.id);
    doubles.jira.faults.add({ match: { method: 'POST', path: /^\/rest\/api\/3\/issue\/bulk$/ }, status: 429, retryAfter: 55, times: 100 });
    expect((await postEvent(doubles, app!, id, preCreateEvent({ app: doubles.app, profile: doubles.profiles[0]! }, flagsV1(), 1))).status).toBe(202);
    await expect.poll(() => doubles.jira.requests.filter((r) => r.status === 429).length, { timeout: 15_000 }).toBeGreaterThan(0);

    const started = Date.now();
    await app!.kill('SIGTERM');
    const took = Date.now() - started;
    expect(took).toBeLessThan(SHUTDOWN_GRACE_MS + 5_000 + 3_000);
    expect(app!.output()).toContain('shutdown did not finish in time');

    // Restarted, with Jira answering again: the event it was working on is worked off.
    doubles.jira.faults.clear();
    app = await startAppProcess({ dataDir: db.dataDir, env: LEASE });
    await expect.poll(() => doubles.jira.issues().length, { timeout: 30_000 }).toBe(2);
  }, 90_000);
});
