import { deepEqual } from '../equal.js';
import { MAX_STRING_VALUE_LENGTH, type AttributeConstraints } from '../model.js';
import { charCount, describe, index, shortJson, shortText, type Issues } from './issues.js';
import { compilePattern } from './pattern.js';

const A: Record<AttributeConstraints['type'], string> = {
  number: 'a number',
  string: 'a text',
  boolean: 'true or false',
  array: 'a list',
};

const ENUM_SHOWN = 10;
const enumText = (values: unknown[]): string => {
  const shown = values.slice(0, ENUM_SHOWN).map((v) => shortJson(v, 40));
  return values.length > ENUM_SHOWN ? `${shown.join(', ')} … (${values.length} in all)` : shown.join(', ');
};

/** Checks one scalar (a value, or an element of a list) against number/string/boolean constraints. */
function checkScalar(value: unknown, c: AttributeConstraints, path: string, issues: Issues): void {
  if (c.type === 'number') {
    if (typeof value !== 'number') return issues.add(path, `must be a number (found ${describe(value)})`);
    if (!Number.isFinite(value)) return issues.add(path, 'is too large to be a number');
    if (c.minimum !== undefined && value < c.minimum) issues.add(path, `must be at least ${c.minimum} (found ${value})`);
    if (c.maximum !== undefined && value > c.maximum) issues.add(path, `must be at most ${c.maximum} (found ${value})`);
    return;
  }
  if (c.type === 'string') {
    if (typeof value !== 'string') return issues.add(path, `must be a text (found ${describe(value)})`);
    if (charCount(value) > MAX_STRING_VALUE_LENGTH) {
      return issues.add(path, `is longer than ${MAX_STRING_VALUE_LENGTH} characters (${charCount(value)})`);
    }
    if (c.enum && !c.enum.some((allowed) => deepEqual(allowed, value))) {
      issues.add(path, `must be one of ${enumText(c.enum)} (found ${shortJson(value)})`);
    }
    if (c.pattern !== undefined) {
      const re = compilePattern(c.pattern);
      if (re && !re.test(value)) issues.add(path, `must match the pattern /${shortText(c.pattern, 120)}/ (found ${shortJson(value)})`);
    }
    return;
  }
  if (c.type === 'boolean' && typeof value !== 'boolean') {
    issues.add(path, `must be true or false (found ${describe(value)})`);
  }
}

/**
 * Checks an attribute value against its constraints, the way AppConfig does when a version is saved.
 * Reports every problem under `path` (e.g. `values.checkout_v2.max_items`).
 */
export function checkAttributeValue(value: unknown, c: AttributeConstraints, path: string, issues: Issues): void {
  if (c.type !== 'array') {
    if (Array.isArray(value) || (typeof value === 'object' && value !== null)) {
      issues.add(path, `must be ${A[c.type]} (found ${describe(value)})`);
      return;
    }
    checkScalar(value, c, path, issues);
    return;
  }
  if (!Array.isArray(value)) {
    issues.add(path, `must be a list (found ${describe(value)})`);
    return;
  }
  const elements = c.elements as AttributeConstraints | undefined;
  if (elements) {
    value.forEach((item: unknown, i) => checkScalar(item, elements, index(path, i), issues));
    return;
  }
  // Without element constraints AppConfig still wants a list of only texts or only numbers.
  const allStrings = value.every((v) => typeof v === 'string');
  const allNumbers = value.every((v) => typeof v === 'number');
  if (!allStrings && !allNumbers) {
    issues.add(path, 'must be a list of only texts or only numbers');
    return;
  }
  value.forEach((item: unknown, i) => {
    if (typeof item === 'string' && charCount(item) > MAX_STRING_VALUE_LENGTH) {
      issues.add(index(path, i), `is longer than ${MAX_STRING_VALUE_LENGTH} characters`);
    }
    if (typeof item === 'number' && !Number.isFinite(item)) issues.add(index(path, i), 'is too large to be a number');
  });
}
