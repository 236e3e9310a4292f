/**
 * The exactly-once protocol of every Jira write the worker makes, in one place, for a batch of writes:
 *
 *   1. flags whose intent an earlier try left saved (a crash, a lost answer) are looked for in Jira
 *      first (`find`): what that try wrote is recorded, and not written again;
 *   2. the intents of the rest are saved (flag_states.pending_write, one statement for the batch),
 *      before anything reaches Jira;
 *   3. the batch's Jira calls (`calls`: each writes its own flags, once) are made, up to
 *      WRITE_CONCURRENCY at a time; the lease is checked right before each;
 *   4. their outcomes are recorded (`record`, one statement for the batch) and the intents cleared; a
 *      refusal for good clears the intent and is returned for the association's health.
 * A call that throws anything else (a lost answer, a rate limit, a lost lease) keeps its intent: the next
 * try starts at step 1. It also stops the batch: no further call starts, the calls already under way
 * finish and what they wrote is recorded, then the error is thrown. A crash anywhere leaves only saved
 * intents behind, each settled by step 1 of the next try. The caller supplies only the Jira side (find,
 * calls) and what to record; the order of the steps, and when the lease is checked, are decided here.
 */
import { JiraError } from '../jira/index.js';
import { LostCreate, LostEdit } from './write-errors.js';
import type { FlagStates } from '../db/flag-states.js';

/**
 * Jira writes of one association made at once. Jira Cloud's rate limits are per site and cost-based; four
 * writes at a time keep one association well below them, and a 429 pauses every call to the site.
 */
export const WRITE_CONCURRENCY = 4;

export interface CallResult<R> {
  /** What Jira now holds, per flag written. */
  written: Map<string, R>;
  /** Jira's reason, per flag it refused for good. */
  refused: Map<string, string>;
  /** Flags Jira turned away for now (nothing written for them): thrown after the rest is recorded. */
  retryLater?: { flagKeys: string[]; error: Error };
  /** Flags whose issue is gone from Jira (nothing written): returned, their intents left to the caller. */
  gone?: string[];
}

export interface Call<R> {
  flagKeys: string[];
  run(): Promise<CallResult<R>>;
}

export interface Write<R> {
  flagKeys: string[];
  /** Saved as each flag's pending_write before the call, and found there again after a crash. */
  intentOf(flagKey: string): string;
  /** The flags whose intent an earlier try left saved. */
  interrupted: string[];
  /** Looks in Jira for what the interrupted tries wrote. */
  find(flagKeys: string[]): Promise<Map<string, R>>;
  /** The Jira calls for the flags still to write, each one made at most once. */
  calls(flagKeys: string[]): Call<R>[];
  /** Saves, for each flag written (now or by an interrupted try), what Jira holds; clears its intent. */
  record(written: Map<string, R>): Promise<void>;
}

export interface WriteOutcome {
  /** Jira's reason, per flag it refused for good. */
  refused: Map<string, string>;
  /** Flags whose issue is gone from Jira. */
  gone: string[];
}

const isLostWrite = (err: unknown): boolean => err instanceof LostCreate || err instanceof LostEdit;

/** A refusal no retry changes (JiraError.refusedForGood): the write cannot be made. */
export const refusalReason = (err: unknown): string | null =>
  err instanceof JiraError && err.refusedForGood ? `Jira refused the write (${err.status}): ${err.jiraMessage}` : null;

/**
 * Runs `task` over `items`, up to `limit` at a time. The first error stops the pool: no item starts after
 * it; those under way finish. Returns each finished item's result (in item order) and that error, or a
 * later one of those under way that `outranks` it.
 */
export async function inPool<T, U>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<U>,
  outranks: (error: unknown) => boolean = () => false,
): Promise<{ results: (U | undefined)[]; error?: { error: unknown } }> {
  const results: (U | undefined)[] = new Array(items.length);
  let next = 0;
  let failed: { error: unknown } | undefined;
  const runner = async () => {
    while (!failed && next < items.length) {
      const i = next++;
      try {
        results[i] = await task(items[i]!);
      } catch (error) {
        // (Read through a cast: the loop's condition has narrowed `failed` to undefined here.)
        const current = failed as { error: unknown } | undefined;
        if (!current || (outranks(error) && !outranks(current.error))) failed = { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, runner));
  return failed ? { results, error: failed } : { results };
}

/**
 * Runs one batch of writes through the protocol. `beforeWrite` runs right before each Jira call (it
 * renews the lease, and throws when it was lost).
 */
export async function writeOnce<R>(states: FlagStates, beforeWrite: () => Promise<void>, write: Write<R>): Promise<WriteOutcome> {
  let todo = write.flagKeys;
  if (write.interrupted.length > 0) {
    let found: Map<string, R>;
    try {
      found = await write.find(write.interrupted);
    } catch (err) {
      // Jira refuses the look-up for good: no write can be made safely, and none would succeed. The
      // intents stay, so a later try looks again first.
      const reason = refusalReason(err);
      if (!reason) throw err;
      return { refused: new Map(todo.map((k) => [k, reason])), gone: [] };
    }
    if (found.size > 0) await write.record(found);
    todo = todo.filter((k) => !found.has(k));
  }
  if (todo.length === 0) return { refused: new Map(), gone: [] };

  await states.writeMany(todo.map((flagKey) => ({ flagKey, pendingWrite: write.intentOf(flagKey) })));
  const { results, error } = await inPool(
    write.calls(todo),
    WRITE_CONCURRENCY,
    async (call): Promise<CallResult<R>> => {
      await beforeWrite();
      try {
        return await call.run();
      } catch (err) {
        const reason = refusalReason(err);
        if (!reason) throw err;
        return { written: new Map(), refused: new Map(call.flagKeys.map((k) => [k, reason])) };
      }
    },
    // A lost answer is what the retry must be planned for (it waits for Jira to finish before looking),
    // whatever else failed beside it (a refused token, whose renewal would otherwise wake the retry at once).
    isLostWrite,
  );

  const written = new Map<string, R>();
  const refused = new Map<string, string>();
  const gone: string[] = [];
  const later: string[] = [];
  let retryLater: Error | undefined;
  for (const result of results) {
    if (!result) continue;
    for (const [k, v] of result.written) written.set(k, v);
    for (const [k, v] of result.refused) refused.set(k, v);
    gone.push(...(result.gone ?? []));
    if (result.retryLater) {
      later.push(...result.retryLater.flagKeys);
      retryLater ??= result.retryLater.error;
    }
  }
  try {
    if (written.size > 0) await write.record(written);
    await states.writeMany([...refused.keys(), ...later].map((flagKey) => ({ flagKey, pendingWrite: null })));
  } catch (err) {
    // The intents stay saved: the next try settles them. The call's own error says more.
    if (!error) throw err;
  }
  if (error) throw error.error;
  if (retryLater) throw retryLater;
  return { refused, gone };
}
