import type { AdfDoc } from './adf.js';
import { RENDER_LEVELS, type RenderLimits } from './format.js';

/**
 * Jira Cloud refuses a description or comment over 32,767 characters. Measuring the serialized ADF
 * (always longer than its text) keeps us under the limit however Jira counts.
 */
export const JIRA_BODY_LIMIT = 32_767;

/** The length of `JSON.stringify(doc)`, counted without building that text (every description and comment is measured). */
export function adfSize(doc: AdfDoc): number {
  return jsonLength(doc);
}

/** The length of a string as JSON: quotes, escapes (\n, \u0001, a lone surrogate as \udXXX) included. */
function stringLength(s: string): number {
  let n = s.length + 2;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c !== 0x22 && c !== 0x5c && (c < 0xd800 || c > 0xdfff)) continue;
    if (c === 0x22 || c === 0x5c || c === 0x08 || c === 0x09 || c === 0x0a || c === 0x0c || c === 0x0d) n += 1;
    else if (c < 0x20) n += 5;
    else if (c <= 0xdbff && i + 1 < s.length && s.charCodeAt(i + 1) >= 0xdc00 && s.charCodeAt(i + 1) <= 0xdfff) i++; // a pair: as is
    else n += 5; // a lone surrogate: \udXXX
  }
  return n;
}

/** The length of `JSON.stringify(value)` for plain data (no toJSON, no cycles). */
function jsonLength(value: unknown): number {
  switch (typeof value) {
    case 'string':
      return stringLength(value);
    case 'number':
      return Number.isFinite(value) ? String(value).length : 4;
    case 'boolean':
      return value ? 4 : 5;
    case 'object':
      break;
    default:
      return 4; // undefined, a function or a symbol in a list: null (the callers below skip them elsewhere)
  }
  if (value === null) return 4;
  if (Array.isArray(value)) {
    let n = value.length > 0 ? value.length + 1 : 2;
    for (const item of value) n += jsonLength(item);
    return n;
  }
  let n = 2;
  let count = 0;
  const record = value as Record<string, unknown>;
  for (const key in record) {
    const item = record[key];
    if (!Object.hasOwn(record, key) || item === undefined || typeof item === 'function' || typeof item === 'symbol') continue;
    n += stringLength(key) + 1 + jsonLength(item);
    count++;
  }
  return n + (count > 1 ? count - 1 : 0);
}

/**
 * Renders with full detail, and again with tighter limits while the result is too large for Jira.
 * The tightest level bounds every value, text and list, so its result fits for any flag AppConfig accepts.
 */
export function fitForJira(render: (limits: RenderLimits) => AdfDoc): AdfDoc {
  let last: AdfDoc | undefined;
  for (const limits of RENDER_LEVELS) {
    last = render(limits);
    if (adfSize(last) <= JIRA_BODY_LIMIT) return last;
  }
  return last as AdfDoc;
}
