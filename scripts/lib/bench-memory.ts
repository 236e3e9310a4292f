/**
 * The app's resident memory above its idle level while it works (Linux /proc only).
 *
 * Before the work: the app's VmRSS is read (its idle level) and its VmHWM (peak resident set) is reset
 * to that level by writing "5" to /proc/<pid>/clear_refs, so the VmHWM read after the work is the exact
 * peak of the work itself, kept by the kernel, with no sampling gap. Where the reset is not allowed,
 * VmRSS is sampled every 10 ms instead (a peak shorter than that can be missed; the figure says so).
 */
import { readFileSync, writeFileSync } from 'node:fs';

export interface MemoryPeak {
  /** Bytes resident right before the work. */
  idleBytes: number;
  /** Peak resident bytes during the work. */
  peakBytes: number;
  /** peak - idle. */
  aboveBytes: number;
  how: 'VmHWM after reset' | 'VmRSS sampled every 10 ms';
}

export interface MemoryWatch {
  stop(): MemoryPeak | undefined;
}

function statusKb(pid: number, field: 'VmRSS' | 'VmHWM'): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(status)?.[1];
    return kb === undefined ? undefined : Number(kb);
  } catch {
    return undefined;
  }
}

/** Starts watching `pid`'s memory; `stop()` gives the peak above the level it had when watching started. */
export function watchMemory(pid: number): MemoryWatch {
  const idleKb = statusKb(pid, 'VmRSS');
  if (idleKb === undefined) return { stop: () => undefined };
  let reset = false;
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    reset = true;
  } catch {
    reset = false;
  }
  if (reset) {
    return {
      stop() {
        const hwm = statusKb(pid, 'VmHWM');
        if (hwm === undefined) return undefined;
        const peak = Math.max(hwm, idleKb);
        return { idleBytes: idleKb * 1024, peakBytes: peak * 1024, aboveBytes: (peak - idleKb) * 1024, how: 'VmHWM after reset' };
      },
    };
  }
  let peakKb = idleKb;
  const timer = setInterval(() => {
    const now = statusKb(pid, 'VmRSS');
    if (now !== undefined && now > peakKb) peakKb = now;
  }, 10);
  return {
    stop() {
      clearInterval(timer);
      const now = statusKb(pid, 'VmRSS');
      if (now !== undefined && now > peakKb) peakKb = now;
      return { idleBytes: idleKb * 1024, peakBytes: peakKb * 1024, aboveBytes: (peakKb - idleKb) * 1024, how: 'VmRSS sampled every 10 ms' };
    },
  };
}

/** Bytes as MB (10^6 bytes), as the targets are written. */
export const mb = (bytes: number, digits = 1): string => `${(bytes / 1e6).toFixed(digits)} MB`;
