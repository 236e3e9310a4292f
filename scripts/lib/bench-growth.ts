/**
 * Growth: the same first sync at 100, 1,000 and 5,000 flags, each on a fresh app and database (the
 * 1,000-flag point is the first-sync row's own run), so each starts from the same idle process.
 * Printed per size: requests (exactly one bulk create per 50 flags), time per flag, memory above idle
 * per flag, and the document's size; then the two growth rules.
 */
import { secs, type Figure } from './figures.js';
import { mb } from './bench-memory.js';
import { breakdown, floorMs, JIRA_LATENCY_MS } from './bench-run.js';
import { firstSync, FLAGS_PER_BULK_CREATE, lastAnswer, type FirstSync } from './bench-sync.js';
import type { Stage } from './bench-setup.js';

export const GROWTH_SIZES = [100, 1000, 5000] as const;
const TIME_GROWTH_TARGET = 1.2;
const MEMORY_PER_DOCUMENT_BYTE = 4;

/** One more size on a fresh stage (the caller creates and closes it). */
export async function growthPoint(stage: Stage, flags: number): Promise<FirstSync> {
  stage.jira.faults.clear();
  stage.jira.faults.add({ delayMs: JIRA_LATENCY_MS });
  return firstSync(stage, flags, 300_000);
}

const perFlag = (p: FirstSync): number => p.run.wallMs / p.flags;

export function growthFigures(points: FirstSync[], label: string): Figure[] {
  const figures: Figure[] = [];
  const add = (name: string, value: string, target: string, pass: boolean | null) => figures.push({ stage: label, name, value, target, pass });
  const sorted = [...points].sort((a, b) => a.flags - b.flags);
  for (const p of sorted) {
    const creates = Math.ceil(p.flags / FLAGS_PER_BULK_CREATE);
    const m = p.run.memory;
    add(
      `growth: first sync of ${p.flags.toLocaleString('en')} flags`,
      `${p.run.requests.length} calls (${breakdown(p.run.requests)}); ${secs(p.run.wallMs)} = ${perFlag(p).toFixed(2)} ms/flag ` +
        `(floor ${secs(floorMs(creates))}; ${lastAnswer(p.run)}); ` +
        (m ? `+${mb(m.aboveBytes)} above idle = ${(m.aboveBytes / p.flags / 1000).toFixed(1)} kB/flag; ` : 'memory n/a; ') +
        `document ${mb(p.documentBytes, 2)}`,
      `exactly ${creates} bulk creates, nothing else; 1 issue per flag`,
      p.exact,
    );
  }
  const at1000 = sorted.find((p) => p.flags === 1000);
  const at5000 = sorted.find((p) => p.flags === 5000);
  if (at1000 && at5000) {
    const ratio = perFlag(at5000) / perFlag(at1000);
    add(
      'growth: time per flag at 5,000 vs 1,000 flags',
      `${ratio.toFixed(2)}× (${perFlag(at5000).toFixed(2)} vs ${perFlag(at1000).toFixed(2)} ms/flag)`,
      `≤ ${TIME_GROWTH_TARGET}×`,
      ratio <= TIME_GROWTH_TARGET,
    );
    const m5 = at5000.run.memory;
    const m1 = at1000.run.memory;
    const limit = MEMORY_PER_DOCUMENT_BYTE * at5000.documentBytes;
    add(
      'growth: memory above idle at 5,000 flags vs the document',
      m5
        ? `+${mb(m5.aboveBytes)} = ${(m5.aboveBytes / at5000.documentBytes).toFixed(1)}× the ${mb(at5000.documentBytes, 2)} document` +
            (m1 ? `; from 1,000 to 5,000 flags +${mb(m5.aboveBytes - m1.aboveBytes)} for +${mb(at5000.documentBytes - at1000.documentBytes, 2)} of document` : '')
        : 'n/a (no /proc)',
      `≤ ${MEMORY_PER_DOCUMENT_BYTE} × the document's size (its JSON text in bytes) = ${mb(limit)}`,
      m5 ? m5.aboveBytes <= limit : null,
    );
  }
  return figures;
}
