/**
 * A saved flag document (PreCreateHostedConfigurationVersion, or the backfill of the latest version):
 * one issue per new flag, ONE write per changed flag, nothing for an unchanged or deleted one.
 */
import type { Db } from '../db/database.js';
import { eventThatRecorded, newestRecordedVersion, recordVersion } from '../db/config-versions.js';
import type { AssociationRow, Models } from '../db/models.js';
import { changeComment, diffFlag, flagEnabledValues, parseFlagDocumentBase64, type Flag } from '../flags/index.js';
import { BACKFILL_EVENT_TYPE, type DocumentEvent } from '../events/appconfig-event.js';
import type { FlagStates } from '../db/flag-states.js';
import type { CheckedDocuments } from '../events/checked-documents.js';
import { lastFlag } from '../db/flag-states.js';
import type { EditRequest, IssueWriter, PermanentFailure } from './issue-writer.js';

export type DocumentOutcome =
  | { kind: 'applied'; failures: PermanentFailure[] }
  | { kind: 'skipped'; reason: string }
  | { kind: 'invalid'; reason: string };

/**
 * `onValues`: each flag on or off in the document, handed to the Releases-panel step as soon as the
 * document is read (no second parse), before any Jira write: the version's values stand whatever Jira answers.
 */
export async function applyDocument(
  deps: { db: Db; models: Models; checkedDocuments?: CheckedDocuments },
  association: AssociationRow,
  eventId: number,
  event: DocumentEvent,
  states: FlagStates,
  writer: IssueWriter,
  onValues: (values: Readonly<Record<string, boolean>>) => Promise<void>,
): Promise<DocumentOutcome> {
  // The events door of this process may have left the document it checked; otherwise it is parsed here.
  const checked = deps.checkedDocuments?.take(eventId, event.InvocationId);
  const parsed = checked ? { ok: true as const, document: checked } : parseFlagDocumentBase64(event.Content);
  if (!parsed.ok) {
    const first = parsed.errors[0];
    return { kind: 'invalid', reason: `Not a valid feature-flag document: ${first ? `${first.path} ${first.message}`.trim() : 'unreadable'}` };
  }
  await onValues(flagEnabledValues(parsed.document));
  const version = event.ContentVersion != null ? String(event.ContentVersion) : null;
  if (version !== null) {
    const recordedBy = await eventThatRecorded(deps.db, association.id, version);
    // Recorded by another event: a redelivery under a new InvocationId. Recorded by this one: a retry,
    // which goes on (flags already written now diff as unchanged).
    if (recordedBy !== null && recordedBy !== eventId) return { kind: 'skipped', reason: `version ${version} was already processed` };
    // Versions are AppConfig's increasing integers: an older one arriving late must not undo a newer one.
    const newest = await newestRecordedVersion(deps.db, association.id);
    const n = Number(version);
    if (newest !== null && Number.isInteger(n) && n < newest) {
      return { kind: 'skipped', reason: `version ${version} is older than version ${newest}, already processed` };
    }
  }

  const previous = await states.rows();
  const creates: Flag[] = [];
  const edits: EditRequest[] = [];
  const changedKeys: string[] = [];
  const returned: string[] = [];
  const source = { version: version ?? undefined, description: event.Description ?? null };
  for (const flag of parsed.document.flags) {
    const row = previous.get(flag.key);
    if (!row?.issueKey || !row.state) {
      creates.push(flag);
      changedKeys.push(flag.key);
      continue;
    }
    // Back after a deletion: its old issue is live again (and gets a write below only if the flag changed).
    if (row.deleted) returned.push(flag.key);
    // The state is stored as this same JSON text: equal text is an unchanged flag, found without parsing
    // the old state or diffing it (most flags of a new version are unchanged).
    if (row.state === JSON.stringify(flag)) continue;
    const before = lastFlag(row)!;
    const diff = diffFlag(before, flag);
    if (diff?.kind === 'changed') {
      edits.push({ flagKey: flag.key, flag, renamed: before.name !== flag.name, comment: changeComment(diff.changes, source) });
      changedKeys.push(flag.key);
    }
  }
  await states.writeMany(returned.map((flagKey) => ({ flagKey, deleted: false })));

  // Record the version (and which flags it changed) before writing, so a deployment of it finds them.
  // A backfilled version's own changes are unknown (we only see its result), so its deployment comments on none.
  if (version !== null) {
    await recordVersion(deps.db, {
      associationId: association.id,
      version,
      eventId,
      changedFlags: event.Type === BACKFILL_EVENT_TYPE ? [] : changedKeys,
      description: event.Description ?? null,
    });
  }

  // New flags' issues first, then one write per changed flag: each a few at a time, all done before the next event.
  const failures = await writer.createIssues(creates, eventId, previous);
  failures.push(...(await writer.edits(edits, eventId, previous)));

  // A deleted parent flag gets no Jira write; its state is kept so the issue is reused if it returns.
  const present = new Set(parsed.document.flags.map((f) => f.key));
  const deleted = [...previous.values()].filter((s) => !present.has(s.flagKey) && !s.deleted).map((s) => s.flagKey);
  await states.writeMany(deleted.map((flagKey) => ({ flagKey, deleted: true })));
  return { kind: 'applied', failures };
}
