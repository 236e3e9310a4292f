import type { ParseError } from '../model.js';

/** Collects every problem in a document, so the admin sees them all at once instead of one per save. */
export class Issues {
  readonly list: ParseError[] = [];

  add(path: string, message: string): void {
    this.list.push({ path, message });
  }

  get count(): number {
    return this.list.length;
  }
}

const PLAIN_SEGMENT = /^[A-Za-z_$][\w$-]*$/;

/** `flags` + `checkout_v2` -> `flags.checkout_v2`; odd keys are quoted so the path stays unambiguous. */
export function child(path: string, key: string): string {
  const segment = PLAIN_SEGMENT.test(key) ? key : `[${JSON.stringify(key)}]`;
  if (path === '') return segment;
  return segment.startsWith('[') ? `${path}${segment}` : `${path}.${segment}`;
}

export function index(path: string, i: number): string {
  return `${path}[${i}]`;
}

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A short, human description of what a JSON value is, for "found ..." in messages. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  switch (typeof value) {
    case 'string':
      return `the text ${shortJson(value, 40)}`;
    case 'number':
      return `the number ${String(value)}`;
    case 'boolean':
      return String(value);
    case 'object':
      return 'an object';
    default:
      return typeof value;
  }
}

/** A value as JSON, cut short so one long value cannot flood the admin's health page. */
export function shortJson(value: unknown, max = 80): string {
  return shortText(JSON.stringify(value) ?? String(value), max);
}

export function shortText(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

/** Counts characters the way JSON Schema does (code points), not UTF-16 units. */
export function charCount(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** Own keys of a parsed JSON object, in document order. */
export function entries(obj: JsonObject): [string, unknown][] {
  return Object.keys(obj).map((k) => [k, obj[k]]);
}
