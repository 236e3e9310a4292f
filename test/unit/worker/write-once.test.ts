/**
 * The batch protocol of write-once.ts: intents saved before any call, calls a few at a time, outcomes
 * recorded after; a lost lease (or any thrown error) mid-batch starts no further call, and what the calls
 * under way wrote is still recorded.
 */
import { describe, expect, it } from 'vitest';
import { LeaseLost } from '../../../src/db/event-queue.js';
import type { FlagStates, FlagStateWrite } from '../../../src/db/flag-states.js';
import { WRITE_CONCURRENCY, writeOnce, type Call } from '../../../src/worker/write-once.js';
import { LostEdit } from '../../../src/worker/write-errors.js';
import { JiraError } from '../../../src/jira/index.js';
import { TenantUnavailable } from '../../../src/tenancy/errors.js';

function fakeStates(log: string[] = []) {
  const pending = new Map<string, string | null>();
  const states = {
    async writeMany(entries: FlagStateWrite[]) {
      if (entries.length) log.push(`db ${entries.length}`);
      for (const e of entries) if (e.pendingWrite !== undefined) pending.set(e.flagKey, e.pendingWrite);
    },
  } as unknown as FlagStates;
  return { states, pending };
}

const tick = () => new Promise((r) => setTimeout(r, 5));

/** One call per flag, doing `during` before it answers that its flag was written. */
const callPerFlag = (todo: string[], during: (flagKey: string) => Promise<void>): Call<true>[] =>
  todo.map((k) => ({
    flagKeys: [k],
    run: async () => {
      await during(k);
      return { written: new Map([[k, true]]), refused: new Map() };
    },
  }));

describe('writeOnce, a batch of writes', () => {
  it('saves every intent in one statement before any call, runs the calls WRITE_CONCURRENCY at a time, records in one statement', async () => {
    const log: string[] = [];
    const { states, pending } = fakeStates(log);
    let running = 0;
    let most = 0;
    const keys = Array.from({ length: 10 }, (_, i) => `f${i}`);
    const recorded: string[] = [];
    const outcome = await writeOnce<true>(states, async () => {}, {
      flagKeys: keys,
      intentOf: (k) => `7:${k}`,
      interrupted: [],
      find: async () => new Map(),
      calls: (todo) =>
        callPerFlag(todo, async () => {
          // Every intent is saved before the first call reaches Jira.
          expect(keys.every((key) => pending.get(key) === `7:${key}`)).toBe(true);
          running++;
          most = Math.max(most, running);
          await tick();
          running--;
        }),
      record: async (written) => {
        recorded.push(...written.keys());
        log.push(`record ${written.size}`);
      },
    });
    expect(outcome.refused.size).toBe(0);
    expect(most).toBe(WRITE_CONCURRENCY);
    expect(recorded.sort()).toEqual([...keys].sort());
    expect(log).toEqual(['db 10', 'record 10']);
  });

  it('a lease lost mid-batch: no call starts after it, the calls under way finish and are recorded, the error is thrown', async () => {
    const { states, pending } = fakeStates();
    const keys = Array.from({ length: 12 }, (_, i) => `f${i}`);
    const started: string[] = [];
    let checks = 0;
    let lost = false;
    const recorded: string[] = [];
    const run = writeOnce<true>(
      states,
      async () => {
        checks++;
        if (checks === 3) lost = true;
        if (lost) throw new LeaseLost('a');
      },
      {
        flagKeys: keys,
        intentOf: (k) => `7:${k}`,
        interrupted: [],
        find: async () => new Map(),
        calls: (todo) =>
          callPerFlag(todo, async (k) => {
            started.push(k);
            await tick();
          }),
        record: async (written) => {
          recorded.push(...written.keys());
        },
      },
    );
    await expect(run).rejects.toBeInstanceOf(LeaseLost);
    // The two calls whose lease check passed before the loss were made; nothing after.
    expect(started).toEqual(['f0', 'f1']);
    expect(recorded.sort()).toEqual(['f0', 'f1']);
    // The rest keep their intents: the next try (whoever holds the lease) settles them first.
    expect(keys.slice(2).every((k) => pending.get(k) === `7:${k}`)).toBe(true);
  });

  it('a refusal for good clears its intent and is returned; a rate limit keeps the others recorded and is thrown', async () => {
    const { states, pending } = fakeStates();
    const later = new Error('429');
    const run = writeOnce<true>(states, async () => {}, {
      flagKeys: ['a', 'b', 'c'],
      intentOf: (k) => `7:${k}`,
      interrupted: [],
      find: async () => new Map(),
      calls: () => [
        { flagKeys: ['a'], run: async () => ({ written: new Map([['a', true]]), refused: new Map() }) },
        { flagKeys: ['b'], run: async () => ({ written: new Map(), refused: new Map([['b', 'no permission']]) }) },
        { flagKeys: ['c'], run: async () => ({ written: new Map(), refused: new Map(), retryLater: { flagKeys: ['c'], error: later } }) },
      ],
      record: async (written) => {
        for (const k of written.keys()) pending.set(k, null);
      },
    });
    await expect(run).rejects.toBe(later);
    expect(Object.fromEntries(pending)).toEqual({ a: null, b: null, c: null });
  });

  it('an edit whose answer was lost is the error thrown, even when another call of the batch failed first', async () => {
    const { states, pending } = fakeStates();
    const tokenRefused = new TenantUnavailable('site-1', 'token_expired', 'The app system token was refused.');
    const lost = new LostEdit(new JiraError({ kind: 'timeout', status: 0, method: 'PUT', path: '/rest/api/3/issue/FLAG-2', retryable: true, ambiguous: true }));
    const run = writeOnce<true>(states, async () => {}, {
      flagKeys: ['a', 'b'],
      intentOf: (k) => `7:${k}`,
      interrupted: [],
      find: async () => new Map(),
      calls: () => [
        { flagKeys: ['a'], run: async () => Promise.reject(tokenRefused) },
        { flagKeys: ['b'], run: async () => (await tick(), Promise.reject(lost)) },
      ],
      record: async () => {},
    });
    // The retry must wait for Jira to finish b's edit; a token renewal must not wake it at once.
    await expect(run).rejects.toBe(lost);
    expect(Object.fromEntries(pending)).toEqual({ a: '7:a', b: '7:b' });
  });
});
