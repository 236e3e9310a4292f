/**
 * Bounds for what one log line may carry. A caller that logs a whole request body, an SDK error or a
 * parsed event must not be able to make a log line megabytes long, nor make the logger recurse without
 * end: an attacker controls those values (a 5,000-deep JSON body, a 5 MB string).
 */
export const LOG_LIMITS = {
  /** Nesting kept below the logged object; deeper values become a marker. */
  depth: 8,
  /** Keys (or array items) kept per object; the rest are counted in a marker. */
  entriesPerObject: 50,
  /** Characters kept of one string. */
  stringChars: 4096,
  /** Values visited per log call; once spent, the rest become markers. */
  values: 2000,
} as const;

const DEPTH_MARKER = '[nested too deep]';
const BUDGET_MARKER = '[log line too large]';

export function truncateString(s: string): string {
  return s.length <= LOG_LIMITS.stringChars ? s : `${s.slice(0, LOG_LIMITS.stringChars)}…[${s.length - LOG_LIMITS.stringChars} more characters]`;
}

/** An Error as plain data (type, message, stack, own fields, cause): what pino's err serializer keeps, bounded. */
function errorFields(err: Error): Record<string, unknown> {
  const out: Record<string, unknown> = { type: err.constructor?.name ?? 'Error', message: err.message, stack: err.stack };
  for (const key of Object.keys(err)) if (!(key in out)) out[key] = (err as unknown as Record<string, unknown>)[key];
  if (err.cause !== undefined) out.cause = err.cause;
  return out;
}

/**
 * A copy of `value` within LOG_LIMITS: strings cut, deep or wide structures cut with a marker, cycles
 * marked, Errors turned into data. Keys are kept as they are so redaction paths still match the copy.
 */
export function boundForLog(value: unknown): unknown {
  let budget: number = LOG_LIMITS.values;
  const ancestors = new Set<object>();

  const walk = (v: unknown, depth: number): unknown => {
    if (typeof v === 'string') return truncateString(v);
    if (v === null || typeof v !== 'object') return typeof v === 'bigint' ? v.toString() : v;
    if (budget-- <= 0) return BUDGET_MARKER;
    if (depth >= LOG_LIMITS.depth) return DEPTH_MARKER;
    if (ancestors.has(v)) return '[circular]';
    if (v instanceof Date) return v;
    if (Buffer.isBuffer(v)) return `[${v.length} bytes]`;
    const source = v instanceof Error ? errorFields(v) : v;
    // toJSON (e.g. URL, sequelize instances) decides what the object looks like as JSON; bound that.
    if (!(v instanceof Error) && typeof (v as { toJSON?: unknown }).toJSON === 'function') {
      try {
        const json = (v as { toJSON(): unknown }).toJSON();
        if (json !== v) return walk(json, depth);
      } catch {
        return '[unserialisable]';
      }
    }
    ancestors.add(v);
    try {
      if (Array.isArray(source)) {
        const kept = source.slice(0, LOG_LIMITS.entriesPerObject).map((item) => walk(item, depth + 1));
        if (source.length > kept.length) kept.push(`[${source.length - kept.length} more items]`);
        return kept;
      }
      const out: Record<string, unknown> = {};
      let count = 0;
      let skipped = 0;
      for (const key in source) {
        if (!Object.prototype.hasOwnProperty.call(source, key)) continue;
        if (count++ >= LOG_LIMITS.entriesPerObject) {
          skipped++;
          continue;
        }
        let item: unknown;
        try {
          item = (source as Record<string, unknown>)[key];
        } catch {
          item = '[unreadable]'; // a throwing getter must not take the log call down with it
        }
        out[key] = walk(item, depth + 1);
      }
      if (skipped > 0) out['[more keys]'] = skipped;
      return out;
    } finally {
      ancestors.delete(v);
    }
  };
  return walk(value, 0);
}
