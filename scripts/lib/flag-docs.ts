/**
 * Flag documents for the benchmark: N flags with two attributes each, and later versions that change
 * the `limit` value of a chosen range of flags (so exactly those flags differ from the version before).
 */
export const flagKey = (i: number): string => `flag_${String(i + 1).padStart(4, '0')}`;

export interface Changes {
  /** Indexes of the flags whose limit this version sets... */
  from: number;
  to: number;
  /** ...to this value plus the index. */
  base: number;
}

export interface DocumentOptions {
  /** Pad each flag's description to this many characters (AppConfig allows 1,024), for large documents. */
  descriptionLength?: number;
}

export function flagDocument(count: number, changes: Changes[] = [], opts: DocumentOptions = {}): string {
  const flags: Record<string, unknown> = {};
  const values: Record<string, unknown> = {};
  for (let i = 0; i < count; i++) {
    const key = flagKey(i);
    let description = `Benchmark flag number ${i + 1}`;
    if (opts.descriptionLength && opts.descriptionLength > description.length) {
      description = (description + ': ' + 'lorem ipsum dolor sit amet '.repeat(Math.ceil(opts.descriptionLength / 27))).slice(0, opts.descriptionLength);
    }
    flags[key] = {
      name: `Flag ${i + 1}`,
      description,
      attributes: {
        limit: { description: 'Items per page', constraints: { type: 'number', minimum: 0, maximum: 1_000_000 } },
        colour: { constraints: { type: 'string', enum: ['red', 'green', 'blue'] } },
      },
    };
    let limit = i;
    for (const c of changes) if (i >= c.from && i < c.to) limit = c.base + i;
    values[key] = { enabled: i % 2 === 0, limit, colour: ['red', 'green', 'blue'][i % 3] };
  }
  return JSON.stringify({ version: '1', flags, values });
}
