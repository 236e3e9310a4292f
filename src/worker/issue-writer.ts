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
import { lastFlag, type FlagState, type FlagStates } from '../db/flag-states.js';
import { createPayload, editPayload, SYNC_PROPERTY, type SyncProperty } from './flag-issue.js';
import { LostCreates, type CreateFloor, type IssueRef } from './lost-creates.js';
import { inPool, writeOnce, WRITE_CONCURRENCY, type CallResult } from './write-once.js';
import { CreateDeferred, LostCreate, LostEdit } from './write-errors.js';
import { chunks } from '../chunks.js';

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
 * A create's intent: `create:<eventId>@<floor>/<project>`, the floor being the highest issue number of
 * the project the create went to, known before the create (see lost-creates.ts). The project is kept
 * because the association may move to another project before a lost create is looked for: its issues
 * are where the create made them. Intents saved before projects were noted (`create:<eventId>@<floor>`),
 * and those saved before floors were (no floor), are for the association's project.
 */
const createIntent = (eventId: number, floor: CreateFloor) => `create:${eventId}@${floor.number}/${floor.project}`;
const isCreateIntent = (pending: string | null | undefined): pending is string => pending?.startsWith('create:') ?? false;
function createdWhere(intent: string, currentProject: string): { project: string; floor?: number } {
  const at = intent.indexOf('@');
  if (at < 0) return { project: currentProject };
  const slash = intent.indexOf('/', at);
  const n = Number(intent.slice(at + 1, slash < 0 ? undefined : slash));
  const project = slash < 0 ? currentProject : intent.slice(slash + 1);
  return Number.isSafeInteger(n) ? { project, floor: n } : { project };
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

/** A recreated issue's note still to write. */
interface OwedNote {
  flag: Flag;
  /** The new issue. */
  issueKey: string;
  /** The deleted issue it replaces. */
  previousKey: string;
  /** An earlier try saved its intent. */
  interrupted: boolean;
}

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

  /**
   * Create one issue per flag (bulk creates of 50, a few at a time), adopting issues an earlier create
   * whose answer was lost had made. `known`: every flag row of the association, when the caller has read them.
   */
  async createIssues(flags: Flag[], eventId: number, known?: ReadonlyMap<string, FlagState>): Promise<PermanentFailure[]> {
    if (flags.length === 0) return [];
    const states = known ?? (await this.states.rows());
    const byKey = new Map(flags.map((f) => [f.key, f]));
    const interrupted = flags.map((f) => f.key).filter((k) => isCreateIntent(states.get(k)?.pendingWrite));
    const earlier = interrupted.map((k) => createdWhere(states.get(k)!.pendingWrite!, this.association.projectKey));
    const intent = createIntent(eventId, await this.lostCreates.floor([...states.values()].map((s) => s.issueKey)));
    const { refused } = await writeOnce<IssueRef>(this.states, this.beforeWrite, {
      flagKeys: [...byKey.keys()],
      intentOf: () => intent,
      interrupted,
      find: (keys) => this.lostCreates.find(keys, earlier),
      calls: (keys) => chunks(keys, BULK_CREATE_MAX).map((chunk) => ({ flagKeys: chunk, run: () => this.bulkCreate(chunk.map((k) => byKey.get(k)!), eventId) })),
      record: (written) =>
        this.states.writeMany(
          [...written].map(([flagKey, issue]) => ({
            flagKey,
            pendingWrite: null,
            lastWrite: writeIdFor(eventId, flagKey),
            deleted: false,
            state: JSON.stringify(byKey.get(flagKey)),
            issueId: issue.id,
            issueKey: issue.key,
          })),
        ),
    });
    return failuresOf(refused);
  }

  /** One write to an existing issue (see edits). */
  async edit(req: EditRequest, eventId: number): Promise<PermanentFailure | null> {
    const [failure] = await this.edits([req], eventId);
    return failure ?? null;
  }

  /**
   * One write per flag to its existing issue, a few at a time (each flag's writes stay in order). A
   * deleted issue is recreated with the current description; its one comment says which issue it
   * replaces (the event's own comment is not carried over). `known`: the flags' rows, when the caller
   * has read them.
   */
  async edits(reqs: EditRequest[], eventId: number, known?: ReadonlyMap<string, FlagState>): Promise<PermanentFailure[]> {
    if (reqs.length === 0) return [];
    const states = known ?? (await this.states.rows(reqs.map((r) => r.flagKey)));
    const failures: PermanentFailure[] = [];
    const toCreate: Flag[] = [];
    const notes: OwedNote[] = [];
    const writes = new Map<string, { req: EditRequest; issueKey: string; writeId: string; interrupted: boolean }>();
    for (const req of reqs) {
      const writeId = writeIdFor(eventId, req.flagKey);
      const state = states.get(req.flagKey);
      const flag = req.flag ?? lastFlag(state);
      if (!state?.issueKey) {
        if (flag) toCreate.push(flag);
        continue;
      }
      if (state.lastWrite === writeId) {
        // This event's write to this flag already happened; a recreation may still owe its note.
        const previousKey = owedNote(state.pendingWrite, eventId);
        if (previousKey !== undefined && flag) notes.push({ flag, issueKey: state.issueKey, previousKey, interrupted: true });
        continue;
      }
      writes.set(req.flagKey, { req, issueKey: state.issueKey, writeId, interrupted: state.pendingWrite === writeId });
    }
    if (toCreate.length > 0) failures.push(...(await this.createIssues(toCreate, eventId)));

    const { refused, gone } = await writeOnce<true>(this.states, this.beforeWrite, {
      flagKeys: [...writes.keys()],
      intentOf: (k) => writes.get(k)!.writeId,
      interrupted: [...writes.values()].filter((w) => w.interrupted).map((w) => w.req.flagKey),
      find: (keys) => this.alreadyWrittenMany(keys.map((k) => ({ flagKey: k, issueKey: writes.get(k)!.issueKey, writeId: writes.get(k)!.writeId }))),
      calls: (keys) =>
        keys.map((k) => {
          const w = writes.get(k)!;
          return { flagKeys: [k], run: () => this.editIssue(w.issueKey, k, editPayload(this.association, w.writeId, w.req)) };
        }),
      record: (written) =>
        this.states.writeMany(
          [...written.keys()].map((k) => {
            const { req, writeId } = writes.get(k)!;
            return { flagKey: k, pendingWrite: null, lastWrite: writeId, ...(req.flag ? { state: JSON.stringify(req.flag) } : {}) };
          }),
        ),
    });
    failures.push(...failuresOf(refused));

    if (gone.length > 0) {
      // Deleted in Jira: a new issue takes its place, found again by its property if this answer is lost.
      await this.states.writeMany(gone.map((flagKey) => ({ flagKey, issueId: null, issueKey: null, pendingWrite: null })));
      const recreated = gone.flatMap((k) => {
        const flag = writes.get(k)!.req.flag ?? lastFlag(states.get(k));
        return flag ? [flag] : [];
      });
      const refusedCreates = await this.createIssues(recreated, eventId);
      failures.push(...refusedCreates);
      const notRecreated = new Set(refusedCreates.map((f) => f.flagKey));
      const now = await this.states.rows(recreated.map((f) => f.key).filter((k) => !notRecreated.has(k)));
      for (const flag of recreated) {
        const newKey = now.get(flag.key)?.issueKey;
        if (newKey) notes.push({ flag, issueKey: newKey, previousKey: writes.get(flag.key)!.issueKey, interrupted: false });
      }
    }
    failures.push(...(await this.noteRecreated(notes, eventId)));
    return failures;
  }

  /**
   * The recreated issues' comments naming the deleted issue each replaces: comment-only writes through
   * the same protocol (their own intents, settled by the sync property), never made twice. They leave a
   * flag's last write as the create, so a re-run of the event sees its write done and only settles a note
   * it had begun; a re-run of a document does not edit the flag again (its stored state already
   * matches), so after a failure there the note is skipped rather than risked twice. An issue deleted
   * again already gets no note: the next change recreates it.
   */
  private async noteRecreated(notes: OwedNote[], eventId: number): Promise<PermanentFailure[]> {
    if (notes.length === 0) return [];
    const byKey = new Map(notes.map((n) => [n.flag.key, { ...n, intent: noteIntent(eventId, n.previousKey) }]));
    const { refused } = await writeOnce<true>(this.states, this.beforeWrite, {
      flagKeys: [...byKey.keys()],
      intentOf: (k) => byKey.get(k)!.intent,
      interrupted: notes.filter((n) => n.interrupted).map((n) => n.flag.key),
      find: (keys) => this.alreadyWrittenMany(keys.map((k) => ({ flagKey: k, issueKey: byKey.get(k)!.issueKey, writeId: byKey.get(k)!.intent }))),
      calls: (keys) =>
        keys.map((k) => {
          const n = byKey.get(k)!;
          return { flagKeys: [k], run: () => this.editIssue(n.issueKey, k, editPayload(this.association, n.intent, { comment: recreatedNote(n.flag, n.previousKey) })) };
        }),
      record: (written) => this.states.writeMany([...written.keys()].map((flagKey) => ({ flagKey, pendingWrite: null }))),
    });
    return failuresOf(refused);
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

  /** The one Jira call of an edit; an issue deleted in Jira is reported gone. */
  private async editIssue(issueKey: string, flagKey: string, payload: ReturnType<typeof editPayload>): Promise<CallResult<true>> {
    try {
      await this.jira.editIssue(issueKey, payload);
    } catch (err) {
      if (err instanceof JiraError && err.status === 404) return { written: new Map(), refused: new Map(), gone: [flagKey] };
      if (err instanceof JiraError && err.ambiguous) throw new LostEdit(err);
      throw err;
    }
    return { written: new Map([[flagKey, true]]), refused: new Map() };
  }

  /** The flags whose issue's sync property names their write: those writes reached Jira. */
  private async alreadyWrittenMany(looks: { flagKey: string; issueKey: string; writeId: string }[]): Promise<Map<string, true>> {
    const found = new Map<string, true>();
    const { error } = await inPool(looks, WRITE_CONCURRENCY, async ({ flagKey, issueKey, writeId }) => {
      const property = (await this.jira.getIssueProperty(issueKey, SYNC_PROPERTY)) as SyncProperty | null;
      if (property?.lastWrite === writeId) found.set(flagKey, true);
    });
    if (error) throw error.error;
    return found;
  }
}
