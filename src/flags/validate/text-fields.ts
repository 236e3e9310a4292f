import { KEY_PATTERN, MAX_DESCRIPTION_LENGTH, MAX_NAME_LENGTH, type FlagDeprecation } from '../model.js';
import { charCount, child, describe, isObject, type Issues } from './issues.js';

/** The key rule in words, for the admin who has to fix a key. */
export const KEY_RULE =
  'keys start with a lowercase letter, then use only letters, digits, "_" and "-", at most 64 characters in all';

export function checkKey(key: string, path: string, what: 'flag' | 'attribute', issues: Issues): boolean {
  if (KEY_PATTERN.test(key)) return true;
  issues.add(path, `${JSON.stringify(key)} is not a valid ${what} key: ${KEY_RULE}`);
  return false;
}

/** A flag or variant name: 1 to 64 characters on one line. */
export function checkName(value: unknown, path: string, issues: Issues, required: boolean): string | undefined {
  if (value === undefined) {
    if (required) issues.add(path, 'is missing; give it a name of 1 to 64 characters');
    return undefined;
  }
  if (typeof value !== 'string') {
    issues.add(path, `must be a text (found ${describe(value)})`);
    return undefined;
  }
  if (value.length === 0) {
    issues.add(path, 'is empty; a name needs 1 to 64 characters');
    return undefined;
  }
  if (value.includes('\n')) {
    issues.add(path, 'must be on one line (it contains a line break)');
    return undefined;
  }
  if (charCount(value) > MAX_NAME_LENGTH) {
    issues.add(path, `is ${charCount(value)} characters long; a name may have at most ${MAX_NAME_LENGTH}`);
    return undefined;
  }
  return value;
}

/** A description: any text up to 1024 characters. An empty one means the same as none. */
export function checkDescription(value: unknown, path: string, issues: Issues): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') {
    issues.add(path, `must be a text (found ${describe(value)})`);
    return undefined;
  }
  if (charCount(value) > MAX_DESCRIPTION_LENGTH) {
    issues.add(path, `is ${charCount(value)} characters long; a description may have at most ${MAX_DESCRIPTION_LENGTH}`);
    return undefined;
  }
  return value === '' ? undefined : value;
}

/** _createdAt / _updatedAt: AppConfig's bookkeeping. Checked for shape, then ignored. */
export function checkTimestamp(value: unknown, path: string, issues: Issues): void {
  if (value !== undefined && typeof value !== 'string') issues.add(path, `must be a timestamp as text (found ${describe(value)})`);
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function isCalendarDate(text: string): boolean {
  const m = DATE.exec(text);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}

/** `_deprecation: { status: "planned", date?: "YYYY-MM-DD" }`. */
export function checkDeprecation(value: unknown, path: string, issues: Issues): FlagDeprecation | undefined {
  if (value === undefined) return undefined;
  if (!isObject(value)) {
    issues.add(path, `must be an object like {"status": "planned"} (found ${describe(value)})`);
    return undefined;
  }
  const before = issues.count;
  for (const key of Object.keys(value)) {
    if (key !== 'status' && key !== 'date') issues.add(child(path, key), 'is not allowed here (allowed: status, date)');
  }
  const { status, date } = value;
  if (status !== 'planned') {
    issues.add(
      child(path, 'status'),
      status === undefined ? 'is missing; the only status AppConfig knows is "planned"' : `must be "planned" (found ${describe(status)})`,
    );
  }
  if (date !== undefined && (typeof date !== 'string' || !isCalendarDate(date))) {
    issues.add(child(path, 'date'), `must be a date written YYYY-MM-DD (found ${describe(date)})`);
  }
  if (issues.count !== before) return undefined;
  return typeof date === 'string' ? { status: 'planned', date } : { status: 'planned' };
}
