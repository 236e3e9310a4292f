/**
 * The exactly-once protocol of every Jira write the worker makes, in one place:
 *
 *   1. flags whose intent an earlier try left saved (a crash, a lost answer) are looked for in Jira
 *      first (`find`): what that try wrote is recorded, and not written again;
 *   2. the intent of the rest is saved (flag_states.pending_write), before anything reaches Jira;
 *   3. ONE Jira call (`call`) is made for them;
 *   4. its outcome is recorded (`record`) and the intent cleared; a refusal for good clears the intent
 *      and is returned for the association's health.
 * A call that throws anything else (a lost answer, a rate limit) keeps its intent: the next try starts
 * at step 1. The caller supplies only the Jira side (find, call) and what to record; the order of the
 * steps, and when the lease is checked, are decided here alone.
 */
import { JiraError } from '../jira/index.js';
import type { FlagStates } from '../db/flag-states.js';

export interface CallResult<R> {
  /** What Jira now holds, per flag written. */
  written: Map<string, R>;
  /** Jira's reason, per flag it refused for good. */
  refused: Map<string, string>;
  /** Flags Jira turned away for now (nothing written for them): thrown after the rest is recorded. */
  retryLater?: { flagKeys: string[]; error: Error };
}

export interface Write<R> {
  flagKeys: string[];
  /** Saved as the flags' pending_write before the call, and found there again after a crash. */
  intent: string;
  /** The flags whose intent an earlier try left saved. */
  interrupted: string[];
  /** Looks in Jira for what the interrupted tries wrote. */
  find(flagKeys: string[]): Promise<Map<string, R>>;
  /** The one Jira call for the flags still to write. */
  call(flagKeys: string[]): Promise<CallResult<R>>;
  /** Saves, for each flag written (now or by an interrupted try), what Jira holds; clears its intent. */
  record(written: Map<string, R>): Promise<void>;
}

/** A refusal no retry changes: the write cannot be made (the project is gone, permission removed). */
export const refusalReason = (err: unknown): string | null =>
  err instanceof JiraError && !err.retryable ? `Jira refused the write (${err.status}): ${err.jiraMessage}` : null;

/**
 * Runs one write through the protocol. `beforeWrite` runs right before the Jira call (it renews the
 * lease, and throws when it was lost). Returns Jira's reason per flag it refused for good.
 */
export async function writeOnce<R>(states: FlagStates, beforeWrite: () => Promise<void>, write: Write<R>): Promise<Map<string, string>> {
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
      return new Map(todo.map((k) => [k, reason]));
    }
    await write.record(found);
    todo = todo.filter((k) => !found.has(k));
  }
  if (todo.length === 0) return new Map();

  await states.upsertMany(todo, { pendingWrite: write.intent });
  await beforeWrite();
  let result: CallResult<R>;
  try {
    result = await write.call(todo);
  } catch (err) {
    const reason = refusalReason(err);
    if (!reason) throw err;
    await states.upsertMany(todo, { pendingWrite: null });
    return new Map(todo.map((k) => [k, reason]));
  }
  await write.record(result.written);
  await states.upsertMany([...result.refused.keys(), ...(result.retryLater?.flagKeys ?? [])], { pendingWrite: null });
  if (result.retryLater) throw result.retryLater.error;
  return result.refused;
}
