/**
 * A worker round reads events up to a byte budget of payload, not a count: fifty 2.7 MB documents
 * for one association are read a few at a time, never more than the budget at once (one event alone
 * when it is larger than the budget), in order, each once. Asserted through the queue's own API on the
 * real databases.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/database.js';
import type { Models } from '../../src/db/models.js';
import { storeEvents } from '../../src/db/event-intake.js';
import { Queue, type Round } from '../../src/db/event-queue.js';
import { ROUND_BYTES, ROUND_EVENTS } from '../../src/worker/association-run.js';
import { databaseKinds, openTestDatabase, type OpenTestDatabase } from '../support/databases.js';
import { associationFields } from '../support/rows.js';

const MB = 1_000_000;
let nextAssociation = 1;

/** A document of about `bytes` bytes of UTF-8 (with some two-byte characters: the budget counts bytes, not characters). */
function bigPayload(n: number, bytes: number): string {
  const filler = 'flag_é_'.repeat(Math.floor((bytes - 200) / 8)); // 8 bytes, 7 characters
  const text = JSON.stringify({ InvocationId: `inv-${n}`, Content: filler });
  return text + ' '.repeat(Math.max(0, bytes - Buffer.byteLength(text)));
}

describe.each(databaseKinds)('worker rounds bounded by bytes (%s)', (kind) => {
  let testDb: OpenTestDatabase;
  let db: Db;
  let models: Models;
  let queue: Queue;

  beforeAll(async () => {
    testDb = await openTestDatabase(kind);
    ({ db, models } = testDb);
    queue = new Queue(db, 'worker-test', 10_000);
  });
  afterAll(async () => {
    await testDb.close();
  });

  async function association(): Promise<string> {
    const id = `00000000-0000-4000-8000-${String(nextAssociation++).padStart(12, '0')}`;
    await models.Association.create(associationFields(id));
    return id;
  }

  async function store(associationId: string, sizes: number[]): Promise<number[]> {
    const ids: number[] = [];
    for (const [i, size] of sizes.entries()) {
      const [outcome] = await storeEvents(db, [{ associationId, invocationId: `inv-${i}`, type: 'PreCreateHostedConfigurationVersion', payload: bigPayload(i, size) }]);
      if (!outcome || !('stored' in outcome) || !outcome.stored) throw new Error('event not stored');
      ids.push(outcome.eventId);
    }
    return ids;
  }

  /** Reads rounds until the queue is empty, marking each round done as the worker does. */
  async function drain(associationId: string): Promise<Round[]> {
    const rounds: Round[] = [];
    for (;;) {
      const round = await queue.nextRound(associationId, { maxBytes: ROUND_BYTES, maxEvents: ROUND_EVENTS });
      if (round.events.length === 0) return rounds;
      // Keep what a round held, not its payloads.
      rounds.push({ ...round, events: round.events.map((e) => ({ ...e, payload: String(Buffer.byteLength(e.payload)) })) });
      await queue.completeMany(round.events.map((event) => ({ event })));
    }
  }

  it('fifty 2.7 MB documents: read a few at a time, never more than the budget, each once and in order', async () => {
    const id = await association();
    const ids = await store(id, Array.from({ length: 50 }, () => 2.7 * MB));
    const rounds = await drain(id);

    for (const r of rounds) {
      expect(r.bytes, 'a round held more than the budget').toBeLessThanOrEqual(ROUND_BYTES);
      // What the queue says it read is what it handed over, in bytes of UTF-8.
      expect(r.bytes).toBe(r.events.reduce((n, e) => n + Number(e.payload), 0));
      for (const e of r.events) expect(Number(e.payload)).toBe(2.7 * MB);
    }
    // 8 MiB holds three 2.7 MB documents: 16 full rounds and the last two.
    expect(rounds.map((r) => r.events.length)).toEqual([...Array.from({ length: 16 }, () => 3), 2]);
    expect(rounds.map((r) => r.full)).toEqual([...Array.from({ length: 16 }, () => true), false]);
    expect(rounds.flatMap((r) => r.events.map((e) => e.id))).toEqual(ids);
  }, 180_000);

  it('an event larger than the budget is read alone; small ones after it are read together', async () => {
    const id = await association();
    const ids = await store(id, [9 * MB, 1000, 1000, 1000]);
    const rounds = await drain(id);
    expect(rounds.map((r) => r.events.map((e) => e.id))).toEqual([[ids[0]], ids.slice(1)]);
    expect(rounds[0]!.bytes).toBe(9 * MB);
    expect(rounds[0]!.full).toBe(true);
  }, 60_000);

  it('a round stops at the first event waiting for its retry: nothing overtakes it', async () => {
    const id = await association();
    const ids = await store(id, [1000, 1000, 1000]);
    const [first] = (await queue.nextRound(id, { maxBytes: ROUND_BYTES, maxEvents: ROUND_EVENTS })).events.slice(1);
    await queue.reschedule(first!, 60_000, 'rate limited', { countAttempt: true });
    const round = await queue.nextRound(id, { maxBytes: ROUND_BYTES, maxEvents: ROUND_EVENTS });
    expect(round.events.map((e) => e.id)).toEqual([ids[0]]);
    expect(round.full).toBe(false);
  });

  it('a backlog of small events is read in rounds of at most ROUND_EVENTS', async () => {
    const id = await association();
    const events = Array.from({ length: ROUND_EVENTS + 20 }, (_, i) => ({ associationId: id, invocationId: `small-${i}`, type: 'OnDeploymentComplete', payload: `{"n":${i}}` }));
    await storeEvents(db, events);
    const rounds = await drain(id);
    expect(rounds.map((r) => r.events.length)).toEqual([ROUND_EVENTS, 20]);
    expect(rounds.map((r) => r.full)).toEqual([true, false]);
  });
});
