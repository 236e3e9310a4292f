/**
 * A poison event (one that can never be processed) is set aside at once with its reason on the
 * association's health, and the events after it go on: it never holds its association's queue.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../support/databases.js';
import { startHarness, type Harness } from '../support/harness.js';
import { preCreateEvent } from '../support/events.js';
import { flagsV1, flagsV2 } from '../support/fixtures.js';
import { eventCounts, issuesByFlag, waitIdle } from '../support/pipeline-kit.js';

describe.each(databaseKinds)('poison events (%s)', (kind) => {
  let h: Harness;
  let id: string;

  beforeAll(async () => {
    h = await startHarness({ db: kind });
    id = (await h.associate()).id;
  });
  afterAll(async () => {
    await h?.close();
  });

  it('an event that cannot be read is set aside at once with its reason, and the next event goes on', async () => {
    // A stored event whose payload no longer parses (a damaged row): no retry can change that.
    const db = h.service.db;
    await db.rawWrite(
      `INSERT INTO events (association_id, invocation_id, type, payload, status, attempts, available_at, received_at)
       VALUES ($1, $2, $3, $4, 'pending', 0, $5, $5)`,
      [id, 'damaged-row', 'PreCreateHostedConfigurationVersion', '{"Content": ', new Date()],
    );
    expect((await h.sendEvent(id, preCreateEvent(h, flagsV1(), 1))).status).toBe(202);
    expect((await h.sendEvent(id, preCreateEvent(h, flagsV2(), 2))).status).toBe(202);
    const started = Date.now();
    await waitIdle(db);
    expect(Date.now() - started).toBeLessThan(10_000); // not retried with backoff first
    const counts = await eventCounts(db);
    expect(counts).toMatchObject({ failed: 1, pending: 0 });
    const [failed] = await db.rawRead<{ invocation_id: string; attempts: number | string; last_error: string }>(
      `SELECT invocation_id, attempts, last_error FROM events WHERE status = 'failed'`,
    );
    expect(failed).toMatchObject({ invocation_id: 'damaged-row' });
    expect(Number(failed!.attempts)).toBe(1);
    expect(failed!.last_error).toMatch(/JSON/);
    // The version after it was applied: search_ranking is new in version 2.
    expect(issuesByFlag(h.jira).has('search_ranking')).toBe(true);
    const listed = (await h.api('get', '/api/associations').expect(200)).body as {
      associations: { id: string; health: { failedEvents: number; lastError: { code: string; message: string } | null } }[];
    };
    const mine = listed.associations.find((a) => a.id === id);
    expect(mine?.health.failedEvents).toBe(1);
    expect(mine?.health.lastError?.message).toMatch(/JSON/);
  });
});
