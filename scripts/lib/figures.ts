/** The benchmark's output: one row per figure, with its target and whether it was met. */
export interface Figure {
  stage: string;
  name: string;
  value: string;
  target: string;
  /** null: a figure shown for information, with no target of its own. */
  pass: boolean | null;
}

const verdict = (f: Figure): string => (f.pass === null ? 'info' : f.pass ? 'PASS' : 'FAIL');

export function formatTable(figures: Figure[]): string {
  const rows = [['stage', 'figure', 'value', 'target', 'result'], ...figures.map((f) => [f.stage, f.name, f.value, f.target, verdict(f)])];
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((r) => r[col]!.length)));
  const line = (r: string[]) => '| ' + r.map((cell, col) => cell.padEnd(widths[col]!)).join(' | ') + ' |';
  const rule = '|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|';
  return [line(rows[0]!), rule, ...rows.slice(1).map(line)].join('\n');
}

export const ms = (n: number): string => `${n.toFixed(1)} ms`;
export const secs = (n: number): string => `${(n / 1000).toFixed(2)} s`;

/** The app's peak resident memory so far (Linux: VmHWM in /proc/<pid>/status), in MB; undefined elsewhere. */
export async function peakRssMb(pid: number): Promise<number | undefined> {
  const { readFile } = await import('node:fs/promises');
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kb = /^VmHWM:\s+(\d+)\s+kB/m.exec(status)?.[1];
    return kb ? Number(kb) / 1024 : undefined;
  } catch {
    return undefined;
  }
}
