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

  /** Stores an event as intake would have before its door refused it (straight into the table). */
  async function storeDirectly(invocationId: string, event: Record<string, unknown> | string): Promise<void> {
    await h.service.db.rawWrite(
      `INSERT INTO events (association_id, invocation_id, type, payload, status, attempts, available_at, received_at)
       VALUES ($1, $2, $3, $4, 'pending', 0, $5, $5)`,
      [id, invocationId, 'PreCreateHostedConfigurationVersion', typeof event === 'string' ? event : JSON.stringify(event), new Date()],
    );
  }

  it('a stored version holding a NUL is set aside at once with its reason; the next version goes on', async () => {
    await storeDirectly('nul-version', preCreateEvent(h, flagsV1(), '20a\u0000b'));
    expect((await h.sendEvent(id, preCreateEvent(h, flagsV1(), 1))).status).toBe(202);
    await waitIdle(h.service.db, 10_000);
    const [row] = await h.service.db.rawRead<{ status: string; attempts: number | string; last_error: string | null }>(
      `SELECT status, attempts, last_error FROM events WHERE invocation_id = 'nul-version'`,
    );
    expect(row).toMatchObject({ status: 'failed' });
    expect(Number(row!.attempts)).toBe(1);
    expect(row!.last_error).toContain('ContentVersion');
    expect([...issuesByFlag(h.jira).keys()].sort()).toEqual(['beta_banner', 'checkout_v2']);
  });

  it('an event that cannot be read is set aside at once with its reason, and the next event goes on', async () => {
    // A stored event whose payload no longer parses (a damaged row): no retry can change that.
    const db = h.service.db;
    await storeDirectly('damaged-row', '{"Content": ');
    expect((await h.sendEvent(id, preCreateEvent(h, flagsV2(), 2))).status).toBe(202);
    const started = Date.now();
    await waitIdle(db);
    expect(Date.now() - started).toBeLessThan(10_000); // not retried with backoff first
    const counts = await eventCounts(db);
    expect(counts).toMatchObject({ failed: 2, pending: 0 });
    const [failed] = await db.rawRead<{ invocation_id: string; attempts: number | string; last_error: string }>(
      `SELECT invocation_id, attempts, last_error FROM events WHERE invocation_id = 'damaged-row'`,
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
    expect(mine?.health.failedEvents).toBe(2);
    expect(mine?.health.lastError?.message).toMatch(/JSON/);
  });
});
