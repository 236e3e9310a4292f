/** How values, constraints and deprecations read in Jira: short, exact, never cut inside a character. */
import type { AttributeConstraints, FlagDeprecation } from '../model.js';
import { code, em, type AdfInline } from './adf.js';

const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });
export const ELLIPSIS = '…';

/**
 * `text` cut to at most `maxUnits` UTF-16 code units (Jira counts Java chars), ellipsis included, on a
 * grapheme boundary: never half a surrogate pair, never an emoji without its modifier or joiner partner.
 */
export function truncate(value: string, maxUnits: number): string {
  if (value.length <= maxUnits) return value;
  const budget = maxUnits - ELLIPSIS.length;
  let out = '';
  for (const { segment } of graphemes.segment(value)) {
    if (out.length + segment.length > budget) break;
    out += segment;
  }
  return out.trimEnd() + ELLIPSIS;
}

/** Limits (in UTF-16 units) used when rendering; smaller sets keep a large flag within Jira's size limit. */
export interface RenderLimits {
  value: number; // one JSON value
  text: number; // a description or rule
  constraints: number; // one constraints summary
  items: number; // list entries (variants, changes) before "… and N more"
}
export const FULL_LIMITS: RenderLimits = { value: 300, text: 1100, constraints: 300, items: 200 };
export const COMPACT_LIMITS: RenderLimits = { value: 120, text: 300, constraints: 160, items: 60 };
export const TIGHT_LIMITS: RenderLimits = { value: 40, text: 80, constraints: 60, items: 20 };
// Last resort for a flag at every AppConfig maximum at once (25 long attributes, dozens of variants).
export const MINIMAL_LIMITS: RenderLimits = { value: 30, text: 40, constraints: 40, items: 8 };
export const RENDER_LEVELS: readonly RenderLimits[] = [FULL_LIMITS, COMPACT_LIMITS, TIGHT_LIMITS, MINIMAL_LIMITS];

export function json(value: unknown): string {
  if (value === undefined) return 'undefined';
  return JSON.stringify(value) ?? String(value);
}

/** A value as JSON in a code mark, or "(not set)" in italics. */
export function valueInline(value: unknown, max: number): AdfInline[] {
  return value === undefined ? em('(not set)') : code(truncate(json(value), max));
}

const list = (values: unknown[]): string => `[${values.map(json).join(', ')}]`;

function qualifiers(c: AttributeConstraints): string[] {
  const parts: string[] = [];
  if (c.minimum !== undefined) parts.push(`minimum ${c.minimum}`);
  if (c.maximum !== undefined) parts.push(`maximum ${c.maximum}`);
  if (c.enum) parts.push(c.enum.length === 0 ? 'no allowed values' : `one of ${list(c.enum)}`);
  if (c.pattern !== undefined) parts.push(`pattern /${c.pattern}/`);
  return parts;
}

/**
 * "number, required, minimum 1, maximum 100" / "string, one of ["light", "dark"]" /
 * "array of string (pattern /^a/), required".
 */
export function describeConstraints(c: AttributeConstraints, max: number): string {
  const elements = c.elements as AttributeConstraints | undefined;
  let head: string = c.type;
  if (c.type === 'array' && elements) {
    const inner = qualifiers(elements);
    head = inner.length > 0 ? `array of ${elements.type} (${inner.join(', ')})` : `array of ${elements.type}`;
  }
  const parts = [head, ...(c.required ? ['required'] : []), ...qualifiers(c)];
  return truncate(parts.join(', '), max);
}

/** "planned for 2027-01-31" / "planned". */
export function describeDeprecation(d: FlagDeprecation): string {
  return d.date ? `${d.status} for ${d.date}` : d.status;
}
