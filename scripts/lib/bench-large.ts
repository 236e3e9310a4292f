/**
 * Worker memory bounded by bytes: on a fresh app, a 4,500-flag document with long descriptions
 * (2.7 MB of JSON, a 3.6 MB event: under the events route's 5 MiB limit) is synced first (Jira
 * answering at once: this part is set-up, not measured); then fifty more versions of it, each changing
 * one flag's value (so each is processed and makes exactly one edit), are posted back to back. Printed:
 * the app's peak resident memory above its idle level from the first of those POSTs until the API
 * reports all fifty processed.
 *
 * Run twice. On V8's default heap the figure is mostly V8's choice to grow the heap rather than collect
 * (garbage of documents already processed), so it is printed for information. The target is on the
 * second run, with the app's heap capped at HEAP_CEILING_MB (`--max-old-space-size`, as the README advises
 * operators): less than the fifty events take as the app stores them, so an app that held them all at
 * once could not finish, and its resident memory then shows what the app really holds.
 */
import { preCreateEvent } from '../../test/support/events.js';
import { parametersOf } from './events.js';
import { secs, type Figure } from './figures.js';
import { flagDocument } from './flag-docs.js';
import { mb } from './bench-memory.js';
import { breakdown, isBulkCreate, issueEdit, JIRA_LATENCY_MS, runEvent, runEvents } from './bench-run.js';
import { FLAGS_PER_BULK_CREATE } from './bench-sync.js';
import type { Stage } from './bench-setup.js';

export const LARGE_FLAGS = 4500;
const DESCRIPTION_LENGTH = 300;
const DOCUMENTS = 50;
/** The worker's payload budget per round that issue 15 asks for. */
const ROUND_BUDGET_BYTES = 8 * 2 ** 20;
const TARGET_BYTES = 150e6;
/** The heap ceiling of the second run: under the fifty events' 180 MB. */
export const HEAP_CEILING_MB = 128;

/** `heapCeilingMb`: the app runs with that --max-old-space-size (the caller starts it so); the target applies. */
export async function largeDocumentFigures(stage: Stage, label: string, heapCeilingMb?: number): Promise<Figure[]> {
  const { jira } = stage;
  const opts = { descriptionLength: DESCRIPTION_LENGTH };
  const params = { parameters: parametersOf(stage.target) };
  jira.faults.clear();
  const seed = flagDocument(LARGE_FLAGS, [], opts);
  await runEvent(stage, preCreateEvent(stage.target, seed, 1, { description: 'bench large version 1', ...params }), {
    expect: isBulkCreate,
    count: Math.ceil(LARGE_FLAGS / FLAGS_PER_BULK_CREATE),
    timeoutMs: 600_000,
  });
  jira.faults.add({ delayMs: JIRA_LATENCY_MS });
  // Version v changes flag v-2's limit: each version differs from the one before in one flag.
  const events: unknown[] = [];
  let documentBytes = 0;
  for (let v = 2; v < 2 + DOCUMENTS; v++) {
    const doc = flagDocument(LARGE_FLAGS, [{ from: 0, to: v - 1, base: 1_000_000 - LARGE_FLAGS }], opts);
    documentBytes += Buffer.byteLength(doc);
    events.push(preCreateEvent(stage.target, doc, v, { description: `bench large version ${v}`, ...params }));
  }
  const eventBytes = events.reduce<number>((n, e) => n + Buffer.byteLength(JSON.stringify(e)), 0);
  const run = await runEvents(stage, events, { expect: (r) => issueEdit(r) !== undefined, count: DOCUMENTS, timeoutMs: 600_000, memory: true });
  const edits = run.requests.filter((r) => issueEdit(r) !== undefined && r.status === 204).length;
  const m = run.memory;
  // Target: 150 MB above idle, less than the fifty events themselves (180 MB as the app stores them, the
  // documents base64-encoded; 135 MB as document text): an app holding them all at once cannot meet
  // it. A worker reading rounds of at most 8 MiB of payload holds two of these events at a time (plus
  // the one being received at the door), whatever the backlog, and has room left for parsing and
  // comparing two versions of a 2.7 MB document.
  const heap = heapCeilingMb ? `, heap capped at ${heapCeilingMb} MB` : ', V8 default heap';
  return [
    {
      stage: label,
      name: `worker memory: ${DOCUMENTS} documents of ${mb(documentBytes / DOCUMENTS)} posted back to back${heap}`,
      value:
        (m ? `+${mb(m.aboveBytes)} above idle (peak ${mb(m.peakBytes)}, idle ${mb(m.idleBytes)}; ${m.how})` : 'n/a (no /proc)') +
        `; ${edits} edits (${breakdown(run.requests)}); all processed in ${secs(run.wallMs)}`,
      target: heapCeilingMb
        ? `≤ ${mb(TARGET_BYTES, 0)} above idle: less than the ${DOCUMENTS} events (${mb(eventBytes, 0)}; ${mb(documentBytes, 0)} of document text) held at once, ` +
          `and all processed within a ${heapCeilingMb} MB heap; a worker reading ≤ ${mb(ROUND_BUDGET_BYTES)} of payload a round holds 2 of them; ${DOCUMENTS} edits`
        : `information: V8 grows its heap before it collects; the target is on the capped run; ${DOCUMENTS} edits`,
      pass: heapCeilingMb ? (m ? m.aboveBytes <= TARGET_BYTES && edits === DOCUMENTS : null) : edits === DOCUMENTS ? null : false,
    },
  ];
}
