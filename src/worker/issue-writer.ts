/**
 * Jira writes for one association, each made at most once even across crashes:
 *
 * - Before a write, its id is saved in flag_states.pending_write; after Jira answers, the new state is
 *   saved and the intent cleared. The same id goes into the issue's `appconfigFlagSync` property in the
 *   same Jira call, so an intent found on restart is settled by reading that property (edit) or by
 *   searching the association's issues by `appconfigFlag` (create) before anything is written again.
 * - Retryable failures (rate limits, 5xx, timeouts) propagate: the event is rescheduled, nothing lost.
 * - Permanent refusals (project gone, permission removed) are returned, for the association's health.
 */
import type { AssociationRow } from '../db/models.js';
import { BULK_CREATE_MAX, JiraError, type JiraClient } from '../jira/index.js';
import { isRetryableStatus } from '../jira/errors.js';
import { CreateDeferred, LostCreate } from './write-errors.js';
import type { Flag } from '../flags/index.js';
import { FlagStates, lastFlag } from './flag-states.js';
import { associationJql, createPayload, editPayload, FLAG_PROPERTY, SYNC_PROPERTY, type FlagProperty, type SyncProperty } from './flag-issue.js';

export interface PermanentFailure {
  flagKey: string;
  message: string;
}

export interface EditRequest {
  flagKey: string;
  /** The flag's new state; absent for a comment-only write (deployments). */
  flag?: Flag;
  renamed?: boolean;
  comment?: unknown;
}

const createIntent = (eventId: number) => `create:${eventId}`;
export const writeIdFor = (eventId: number, flagKey: string) => `${eventId}:${flagKey}`;

function permanent(err: unknown): string | null {
  if (err instanceof JiraError && !err.retryable) return `Jira refused the write (${err.status}): ${err.jiraMessage}`;
  return null;
}

export class IssueWriter {
  constructor(
    private readonly jira: JiraClient,
    private readonly association: AssociationRow,
    private readonly states: FlagStates,
    /** Called before each Jira write: renews the lease, throws when it was lost. */
    private readonly beforeWrite: () => Promise<void>,
  ) {}

  /** Create one issue per flag (bulk, 50 a call), adopting issues a lost answer had already created. */
  async createIssues(flags: Flag[], eventId: number): Promise<PermanentFailure[]> {
    if (flags.length === 0) return [];
    const states = await this.states.all();
    const interrupted = flags.filter((f) => states.get(f.key)?.pendingWrite?.startsWith('create:'));
    let todo = flags;
    if (interrupted.length > 0) {
      let found: Map<string, { id: string; key: string }>;
      try {
        found = await this.findExisting();
      } catch (err) {
        // Jira refuses the search for good (the project is gone, or hidden from the app): no create can be
        // made safely, and none would succeed. Intents stay, so a later run searches again first.
        const reason = permanent(err);
        if (!reason) throw err;
        return flags.map((f) => ({ flagKey: f.key, message: reason }));
      }
      const adopted = interrupted.filter((f) => found.has(f.key));
      await this.states.savedMany(adopted.map((flag) => ({ flag, issue: found.get(flag.key)!, writeId: writeIdFor(eventId, flag.key) })));
      const adoptedKeys = new Set(adopted.map((f) => f.key));
      todo = flags.filter((f) => !adoptedKeys.has(f.key));
    }

    const failures: PermanentFailure[] = [];
    for (let i = 0; i < todo.length; i += BULK_CREATE_MAX) {
      const chunk = todo.slice(i, i + BULK_CREATE_MAX);
      await this.states.upsertMany(chunk.map((f) => f.key), { pendingWrite: createIntent(eventId) });
      await this.beforeWrite();
      let result;
      try {
        result = await this.jira.bulkCreate(chunk.map((f) => createPayload(this.association, f, writeIdFor(eventId, f.key))));
      } catch (err) {
        if (err instanceof JiraError && err.ambiguous) throw new LostCreate(err);
        const reason = permanent(err);
        if (!reason) throw err;
        await this.states.upsertMany(chunk.map((f) => f.key), { pendingWrite: null });
        failures.push(...chunk.map((f) => ({ flagKey: f.key, message: reason })));
        continue;
      }
      const created = chunk.flatMap((flag, j) =>
        result.created[j] ? [{ flag, issue: result.created[j]!, writeId: writeIdFor(eventId, flag.key) }] : [],
      );
      await this.states.savedMany(created);
      let retryLater: CreateDeferred | undefined;
      for (const failure of result.failures) {
        const flag = chunk[failure.index];
        if (!flag) continue;
        if (isRetryableStatus(failure.status)) {
          retryLater ??= new CreateDeferred(failure.status, failure.message);
          continue;
        }
        await this.states.upsertMany([flag.key], { pendingWrite: null });
        failures.push({ flagKey: flag.key, message: `Jira refused to create the issue (${failure.status}): ${failure.message}` });
      }
      if (retryLater) throw retryLater;
    }
    return failures;
  }

  /** One write to an existing issue; a deleted issue is recreated (description only, no comment). */
  async edit(req: EditRequest, eventId: number): Promise<PermanentFailure | null> {
    const writeId = writeIdFor(eventId, req.flagKey);
    const state = await this.states.get(req.flagKey);
    if (!state?.issueKey) {
      const flag = req.flag ?? lastFlag(state);
      if (!flag) return null;
      const [failure] = await this.createIssues([flag], eventId);
      return failure ?? null;
    }
    if (state.lastWrite === writeId) return null; // this event's write to this flag already happened
    if (state.pendingWrite === writeId && (await this.alreadyWritten(state.issueKey, writeId))) {
      await this.states.saved(req.flagKey, writeId, req.flag ?? null);
      return null;
    }
    await this.states.upsertMany([req.flagKey], { pendingWrite: writeId });
    await this.beforeWrite();
    try {
      await this.jira.editIssue(state.issueKey, editPayload(this.association, writeId, req));
    } catch (err) {
      if (err instanceof JiraError && err.status === 404) {
        // Deleted in Jira: a new issue takes its place, found again by its property if this answer is lost.
        await this.states.upsertMany([req.flagKey], { issueId: null, issueKey: null, pendingWrite: createIntent(eventId) });
        const flag = req.flag ?? lastFlag(state);
        if (!flag) return null;
        const [failure] = await this.createIssues([flag], eventId);
        return failure ?? null;
      }
      const reason = permanent(err);
      if (!reason) throw err;
      await this.states.upsertMany([req.flagKey], { pendingWrite: null });
      return { flagKey: req.flagKey, message: reason };
    }
    await this.states.saved(req.flagKey, writeId, req.flag ?? null);
    return null;
  }

  private async alreadyWritten(issueKey: string, writeId: string): Promise<boolean> {
    const property = (await this.jira.getIssueProperty(issueKey, SYNC_PROPERTY)) as SyncProperty | null;
    return property?.lastWrite === writeId;
  }

  /** flagKey -> issue for every issue of this association's profile (recovery only). */
  private async findExisting(): Promise<Map<string, { id: string; key: string }>> {
    const hits = await this.jira.searchJql(associationJql(this.association), [], { properties: [FLAG_PROPERTY] });
    const found = new Map<string, { id: string; key: string }>();
    for (const hit of hits) {
      const key = (hit.properties[FLAG_PROPERTY] as FlagProperty | undefined)?.flagKey;
      if (key && !found.has(key)) found.set(key, { id: hit.id, key: hit.key });
    }
    return found;
  }
}
