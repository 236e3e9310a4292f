/**
 * Jira writes for one association: issue creates (bulk, 50 a call) and edits, each made at most once
 * even across crashes and lost answers through the one protocol of write-once.ts. Each write carries
 * its id in the issue's `appconfigFlagSync` property (set by the same Jira call), so an interrupted edit
 * is settled by reading that property, and an interrupted create by finding its issues (lost-creates.ts).
 * Retryable failures propagate (the event is rescheduled); refusals for good are returned, for health.
 */
import type { AssociationRow } from '../db/models.js';
import { BULK_CREATE_MAX, JiraError, type JiraClient } from '../jira/index.js';
import { isRetryableStatus } from '../jira/errors.js';
import { recreatedNote, type AdfDoc, type Flag } from '../flags/index.js';
import { FlagStates, lastFlag } from '../db/flag-states.js';
import { createPayload, editPayload, SYNC_PROPERTY, type SyncProperty } from './flag-issue.js';
import { LostCreates, type IssueRef } from './lost-creates.js';
import { writeOnce, type CallResult } from './write-once.js';
import { CreateDeferred, LostCreate } from './write-errors.js';

export interface PermanentFailure {
  flagKey: string;
  message: string;
}

export interface EditRequest {
  flagKey: string;
  /** The flag's new state; absent for a comment-only write (deployments). */
  flag?: Flag;
  renamed?: boolean;
  comment?: AdfDoc;
}

export const writeIdFor = (eventId: number, flagKey: string) => `${eventId}:${flagKey}`;

/**
 * A create's intent: `create:<eventId>@<floor>`, the floor being the highest issue number of the
 * project known before the create (see lost-creates.ts). Intents saved before floors were noted have none.
 */
const createIntent = (eventId: number, floor: number) => `create:${eventId}@${floor}`;
const isCreateIntent = (pending: string | null | undefined): pending is string => pending?.startsWith('create:') ?? false;
function floorOf(intent: string): number | undefined {
  const at = intent.indexOf('@');
  const n = at < 0 ? NaN : Number(intent.slice(at + 1));
  return Number.isSafeInteger(n) ? n : undefined;
}

/**
 * The intent of the note a recreated issue gets (saved on the flag's row, so the flag is implied): the
 * event that recreated it, and the deleted issue's key, kept so a note cut short by a retry or a crash
 * can still name it.
 */
const noteIntent = (eventId: number, previousKey: string) => `${eventId}>recreated:${previousKey}`;
function owedNote(pending: string | null | undefined, eventId: number): string | undefined {
  const prefix = noteIntent(eventId, '');
  return pending?.startsWith(prefix) ? pending.slice(prefix.length) : undefined;
}

/** The issue an edit wrote to is gone (deleted in Jira): a new one takes its place. */
class IssueGone extends Error {}

const failuresOf = (refused: Map<string, string>): PermanentFailure[] => [...refused].map(([flagKey, message]) => ({ flagKey, message }));

export class IssueWriter {
  private readonly lostCreates: LostCreates;

  constructor(
    private readonly jira: JiraClient,
    private readonly association: AssociationRow,
    private readonly states: FlagStates,
    /** Called before each Jira write: renews the lease, throws when it was lost. */
    private readonly beforeWrite: () => Promise<void>,
  ) {
    this.lostCreates = new LostCreates(jira, association);
  }

  /** Create one issue per flag, adopting issues an earlier create whose answer was lost had made. */
  async createIssues(flags: Flag[], eventId: number): Promise<PermanentFailure[]> {
    if (flags.length === 0) return [];
    const states = await this.states.all();
    const byKey = new Map(flags.map((f) => [f.key, f]));
    const interruptedIntents = flags.map((f) => states.get(f.key)?.pendingWrite).filter(isCreateIntent);
    const floors = interruptedIntents.map(floorOf);
    // The lowest floor of the interrupted creates covers them all (none when one was saved without).
    const findFloor = floors.includes(undefined) ? undefined : Math.min(...(floors as number[]));
    let intent: string | undefined;
    const failures: PermanentFailure[] = [];
    for (let i = 0; i < flags.length; i += BULK_CREATE_MAX) {
      const chunk = flags.slice(i, i + BULK_CREATE_MAX).map((f) => f.key);
      intent ??= createIntent(eventId, await this.lostCreates.floor([...states.values()].map((s) => s.issueKey)));
      const refused = await writeOnce<IssueRef>(this.states, this.beforeWrite, {
        flagKeys: chunk,
        intent,
        interrupted: chunk.filter((k) => isCreateIntent(states.get(k)?.pendingWrite)),
        find: (keys) => this.lostCreates.find(keys, findFloor),
        call: (keys) => this.bulkCreate(keys.map((k) => byKey.get(k)!), eventId),
        record: (written) =>
          this.states.savedMany([...written].map(([flagKey, issue]) => ({ flag: byKey.get(flagKey)!, issue, writeId: writeIdFor(eventId, flagKey) }))),
      });
      failures.push(...failuresOf(refused));
    }
    return failures;
  }

  /**
   * One write to an existing issue. A deleted issue is recreated with the current description; its one
   * comment says which issue it replaces (the event's own comment is not carried over).
   */
  async edit(req: EditRequest, eventId: number): Promise<PermanentFailure | null> {
    const writeId = writeIdFor(eventId, req.flagKey);
    const state = await this.states.get(req.flagKey);
    const flag = req.flag ?? lastFlag(state);
    if (!state?.issueKey) return flag ? this.recreate(flag, eventId) : null;
    if (state.lastWrite === writeId) {
      // This event's write to this flag already happened; a recreation may still owe its note.
      const previousKey = owedNote(state.pendingWrite, eventId);
      return previousKey !== undefined && flag ? this.noteRecreated(flag, state.issueKey, previousKey, eventId, true) : null;
    }
    const issueKey = state.issueKey;
    try {
      const refused = await writeOnce<true>(this.states, this.beforeWrite, {
        flagKeys: [req.flagKey],
        intent: writeId,
        interrupted: state.pendingWrite === writeId ? [req.flagKey] : [],
        find: async () => ((await this.alreadyWritten(issueKey, writeId)) ? new Map([[req.flagKey, true as const]]) : new Map<string, true>()),
        call: (keys) => this.editIssue(issueKey, keys[0]!, editPayload(this.association, writeId, req)),
        record: (written) => (written.size > 0 ? this.states.saved(req.flagKey, writeId, req.flag ?? null) : Promise.resolve()),
      });
      return failuresOf(refused)[0] ?? null;
    } catch (err) {
      if (!(err instanceof IssueGone)) throw err;
      // Deleted in Jira: a new issue takes its place, found again by its property if this answer is lost.
      await this.states.upsertMany([req.flagKey], { issueId: null, issueKey: null, pendingWrite: null });
      if (!flag) return null;
      const failure = await this.recreate(flag, eventId);
      const newKey = failure ? undefined : (await this.states.get(req.flagKey))?.issueKey;
      return newKey ? this.noteRecreated(flag, newKey, issueKey, eventId, false) : failure;
    }
  }

  /**
   * The recreated issue's comment naming the deleted issue it replaces: a comment-only write through the
   * same protocol (its own intent, settled by the sync property), never made twice. It leaves the flag's
   * last write as the create, so a re-run of the event sees its write done and only settles a note it had
   * begun; a re-run of a document does not edit the flag again (its stored state already matches), so
   * after a failure there the note is skipped rather than risked twice.
   */
  private async noteRecreated(flag: Flag, issueKey: string, previousKey: string, eventId: number, interrupted: boolean): Promise<PermanentFailure | null> {
    const intent = noteIntent(eventId, previousKey);
    const done = new Map([[flag.key, true as const]]);
    try {
      const refused = await writeOnce<true>(this.states, this.beforeWrite, {
        flagKeys: [flag.key],
        intent,
        interrupted: interrupted ? [flag.key] : [],
        find: async () => ((await this.alreadyWritten(issueKey, intent)) ? done : new Map<string, true>()),
        call: (keys) => this.editIssue(issueKey, keys[0]!, editPayload(this.association, intent, { comment: recreatedNote(flag, previousKey) })),
        record: () => this.states.upsertMany([flag.key], { pendingWrite: null }),
      });
      return failuresOf(refused)[0] ?? null;
    } catch (err) {
      if (err instanceof IssueGone) return null; // deleted again already: the next change recreates it
      throw err;
    }
  }

  private async recreate(flag: Flag, eventId: number): Promise<PermanentFailure | null> {
    const [failure] = await this.createIssues([flag], eventId);
    return failure ?? null;
  }

  /** The one Jira call of a create: a bulk create, whose per-flag refusals are sorted into for good or for now. */
  private async bulkCreate(flags: Flag[], eventId: number): Promise<CallResult<IssueRef>> {
    let result;
    try {
      result = await this.jira.bulkCreate(flags.map((f) => createPayload(this.association, f, writeIdFor(eventId, f.key))));
    } catch (err) {
      if (err instanceof JiraError && err.ambiguous) throw new LostCreate(err);
      throw err;
    }
    const written = new Map<string, IssueRef>();
    flags.forEach((flag, j) => {
      const issue = result.created[j];
      if (issue) written.set(flag.key, issue);
    });
    const refused = new Map<string, string>();
    const later: string[] = [];
    let deferred: CreateDeferred | undefined;
    for (const failure of result.failures) {
      const flag = flags[failure.index];
      if (!flag) continue;
      if (isRetryableStatus(failure.status)) {
        later.push(flag.key);
        deferred ??= new CreateDeferred(failure.status, failure.message);
      } else {
        refused.set(flag.key, `Jira refused to create the issue (${failure.status}): ${failure.message}`);
      }
    }
    return { written, refused, ...(deferred ? { retryLater: { flagKeys: later, error: deferred } } : {}) };
  }

  /** The one Jira call of an edit. */
  private async editIssue(issueKey: string, flagKey: string, payload: ReturnType<typeof editPayload>): Promise<CallResult<true>> {
    try {
      await this.jira.editIssue(issueKey, payload);
    } catch (err) {
      if (err instanceof JiraError && err.status === 404) throw new IssueGone();
      throw err;
    }
    return { written: new Map([[flagKey, true]]), refused: new Map() };
  }

  private async alreadyWritten(issueKey: string, writeId: string): Promise<boolean> {
    const property = (await this.jira.getIssueProperty(issueKey, SYNC_PROPERTY)) as SyncProperty | null;
    return property?.lastWrite === writeId;
  }
}
