/**
 * One run of one association: take its lease, process its due events in order, round after round,
 * until its queue is empty (or waits for a retry), then give the lease back.
 */
import type { Db } from '../db/database.js';
import { AssociationGone, findById } from '../db/associations.js';
import { recordFailure } from '../db/health.js';
import type { AssociationRow, Models } from '../db/models.js';
import type { JiraClient } from '../jira/index.js';
import type { Logger } from '../log.js';
import { DoneMarks } from './done-marks.js';
import { decide, type Decision, type Health } from './error-handlers.js';
import { FlagStates } from '../db/flag-states.js';
import { IssueWriter } from './issue-writer.js';
import { Lease } from './lease.js';
import { processEvent, type EventResult, type Observe } from './process-event.js';
import type { CheckedDocuments } from '../events/checked-documents.js';
import { LeaseLost, type Queue, type QueuedEvent } from '../db/event-queue.js';
import { SavedVersions } from './saved-versions.js';
import { ReleasesPanel, type PanelOutcome } from './releases-panel.js';
import { UnmarkedEvents } from './unmarked-events.js';

export interface RunDeps {
  db: Db;
  models: Models;
  /** The worker's logger; the run adds the association id. */
  log: Logger;
  queue: Queue;
  /** `beforeRetry`: awaited before each retry of a Jira call (the run checks its lease there). */
  jiraFor: (tenantKey: string, opts?: { beforeRetry?: () => Promise<void> }) => Promise<JiraClient>;
  leaseMs: number;
  searchLagMs: number;
  stopped: () => boolean;
  checkedDocuments?: CheckedDocuments;
}

/**
 * What one round of one association reads (then the association row may be read again): payloads up to
 * ROUND_BYTES (the first event always, however large), so the worker's memory is bounded by bytes, not
 * by a count of documents that may each be megabytes; and at most ROUND_EVENTS events, so a long backlog
 * of small events is not scanned whole each round.
 */
export const ROUND_BYTES = 8 * 1024 * 1024;
export const ROUND_EVENTS = 500;
/**
 * After a round that took every due event, the next round waits this long: under a
 * stream of events each round then takes many at once (the round's own reads and writes are shared by
 * more events), while a lone event is still processed at once. Jira writes take longer than this.
 */
const ROUND_PAUSE_MS = 50;
/** How often a run reads its association row again (a removal also shows as AssociationGone on writes). */
const ASSOCIATION_REREAD_MS = 1000;

/** What a round leaves the run to do next. */
type RoundEnd = 'next-round' | 'end-run';

interface Run {
  deps: RunDeps;
  associationId: string;
  log: Logger;
  lease: Lease;
  done: DoneMarks;
  jira?: JiraClient;
}

export async function runAssociation(deps: RunDeps, associationId: string): Promise<void> {
  const lease = new Lease(deps.queue, associationId, deps.leaseMs);
  if (!(await lease.take())) return;
  const log = deps.log.child({ associationId });
  const run: Run = { deps, associationId, log, lease, done: new DoneMarks(deps.queue, log) };
  try {
    await processQueue(run);
  } catch (err) {
    if (err instanceof LeaseLost) return log.warn('lease lost (another worker took the association over, or it was removed); leaving it');
    if (err instanceof AssociationGone) return log.info('association removed while its events were processed; stopping');
    throw err;
  } finally {
    await run.done.flush().catch((err: unknown) => log.warn({ err }, 'could not mark processed events; they will be processed again, writing nothing'));
    await lease.release().catch(() => undefined);
  }
}

async function processQueue(run: Run): Promise<void> {
  const association = associationReader(run);
  let tenantNamed = false;
  for (;;) {
    if (run.deps.stopped()) return;
    const row = await association();
    if (!row) return;
    // Every line of the run names the tenant too: an operator of many sites reads which one it is about.
    if (!tenantNamed) {
      run.log = run.deps.log.child({ associationId: run.associationId, tenantKey: row.clientKey });
      tenantNamed = true;
    }
    const round = await run.deps.queue.nextRound(run.associationId, { maxBytes: ROUND_BYTES, maxEvents: ROUND_EVENTS });
    if (round.events.length === 0) return;
    await beforeWrite(run);
    if ((await runRound(run, row, round.events)) === 'end-run') return;
    await run.done.flush();
    if (!round.full) await new Promise((resolve) => setTimeout(resolve, ROUND_PAUSE_MS));
  }
}

/** The association's row, read again when the last read is older than ASSOCIATION_REREAD_MS. */
function associationReader(run: Run): () => Promise<AssociationRow | null> {
  let row: AssociationRow | null = null;
  let readAt = 0;
  return async () => {
    if (!row || Date.now() - readAt >= ASSOCIATION_REREAD_MS) {
      row = await findById(run.deps.models, run.associationId);
      readAt = Date.now();
    }
    return row;
  };
}

/** Before each Jira write: the lease is still ours, and every event processed so far is marked done. */
async function beforeWrite(run: Run): Promise<void> {
  await run.lease.ensure();
  await run.done.flush();
}

async function runRound(run: Run, association: AssociationRow, events: QueuedEvent[]): Promise<RoundEnd> {
  const { db, models } = run.deps;
  let jira: JiraClient;
  try {
    // A call that waits out a Retry-After (up to a minute) and then sends again must still own the
    // association: another worker may have taken it over and written the same thing meanwhile.
    jira = run.jira ??= await run.deps.jiraFor(association.clientKey, { beforeRetry: () => run.lease.ensure() });
  } catch (err) {
    return settleFailure(run, events[0]!, err);
  }
  // What each event says about environments and versions is taken in as it is processed; the Releases
  // panel is published once, after the round's last event (it reads every flag).
  const panel = new ReleasesPanel(db, models, association);
  const unmarked = new UnmarkedEvents(
    () => panel.saveObserved(),
    (p) => recordResult(run, p.event, p.result),
  );
  const states = new FlagStates(db, run.associationId);
  const versions = new SavedVersions(db, run.associationId);
  await versions.prefetch(events);
  const writer = new IssueWriter(jira, association, states, async () => {
    await unmarked.release();
    await beforeWrite(run);
  });
  // The panel is published when the round processed an event, or took in one that was then set aside.
  let publish = false;
  for (const event of events) {
    if (run.deps.stopped()) return 'end-run';
    const observe: Observe = async (payload, flagValues) => {
      await panel.observe(payload, flagValues, event.receivedAt);
      publish = true;
    };
    let result: EventResult;
    try {
      result = await processEvent({ db, models, checkedDocuments: run.deps.checkedDocuments }, association, event, states, versions, writer, observe);
    } catch (err) {
      if (err instanceof LeaseLost || err instanceof AssociationGone) throw err;
      // The events before it are kept and marked (or, when the database fails too, processed again,
      // writing nothing); its own processing, when retried, publishes what they told the panel.
      await unmarked.release().catch((e: unknown) => run.log.warn({ err: e }, 'could not record the events before a failed one; they will be processed again'));
      await run.done.flush();
      const end = await settleFailure(run, event, err);
      if (end === 'end-run') return end;
      break; // set aside: publish what the events before it recorded; the next round goes on after it
    }
    publish = true;
    unmarked.add({ event, result });
  }
  return publish ? publishRound(run, panel, jira, unmarked) : 'next-round';
}

/** Publishes the Releases panel for the round; the round's last unmarked event is marked after it. */
async function publishRound(run: Run, panel: ReleasesPanel, jira: JiraClient, unmarked: UnmarkedEvents): Promise<RoundEnd> {
  let shown: PanelOutcome;
  try {
    await unmarked.release(1);
    // The last event stays unmarked through the panel's own writes: processing it again repeats none.
    shown = await panel.publish(jira, () => beforeWrite(run));
  } catch (err) {
    if (err instanceof LeaseLost || err instanceof AssociationGone) throw err;
    await run.done.flush();
    // The round's last event (or, when the save before the publish failed, its oldest unmarked one, the
    // others waiting behind it in order) is tried again; processing it again publishes.
    const waiting = unmarked.oldest;
    if (waiting) return settleFailure(run, waiting.event, err);
    // Only after an event set aside having written to Jira: nothing is left to hold the publish.
    run.log.warn({ err }, 'could not publish the Releases panel; it is published with the next event');
    return 'next-round';
  }
  await unmarked.release();
  await recordPanelOutcome(run, shown);
  return 'next-round';
}

async function recordPanelOutcome(run: Run, shown: PanelOutcome): Promise<void> {
  if (shown.refusals.length) {
    const message = shown.refusals.join(' ');
    await showOnHealth(run, { code: 'jira_refused', message });
    run.log.warn(message);
  }
  if (shown.unknownIssueKeys.length) run.log.info({ unknownIssueKeys: shown.unknownIssueKeys }, 'flag descriptions name issues Jira does not know');
}

async function recordResult(run: Run, event: QueuedEvent, result: EventResult): Promise<void> {
  if (result.ok) return run.done.add({ event, note: result.note });
  run.done.add({ event, failure: result.message });
  await showOnHealth(run, { code: result.code, message: result.message });
  run.log.warn({ eventId: event.id, code: result.code }, result.message);
}

/**
 * Carries out what the error handlers decided for a failed event. Rescheduled (or waiting): the events
 * after it wait, in order, so the run ends. Set aside: the next round goes on with the events after it.
 */
async function settleFailure(run: Run, event: QueuedEvent, err: unknown): Promise<RoundEnd> {
  const { queue, searchLagMs } = run.deps;
  const decision: Decision = decide(err, { attempts: event.attempts, searchLagMs });
  const log = run.log.child({ eventId: event.id });
  if (decision.health) await showOnHealth(run, decision.health);
  switch (decision.kind) {
    case 'retry':
      await queue.reschedule(event, decision.delayMs, decision.reason, { countAttempt: true });
      log.warn({ err, delayMs: decision.delayMs }, decision.summary);
      return 'end-run';
    case 'wait':
    case 'stop':
      await queue.reschedule(event, decision.delayMs, decision.reason, { countAttempt: false, forTenant: decision.kind === 'wait' });
      log.warn({ reason: decision.reason, delayMs: decision.delayMs }, decision.summary);
      return 'end-run';
    case 'set-aside':
      await queue.completeMany([{ event, failure: decision.reason }]);
      log.error({ err }, decision.summary);
      return 'next-round';
  }
}

function showOnHealth(run: Run, health: Health): Promise<void> {
  return recordFailure(run.deps.db, run.deps.models, run.associationId, health.code, health.message);
}
