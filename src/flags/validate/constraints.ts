import { MAX_STRING_VALUE_LENGTH, type AttributeConstraints, type ConstraintType } from '../model.js';
import { charCount, child, describe, entries, index, isObject, type Issues } from './issues.js';

const TYPES: readonly ConstraintType[] = ['number', 'string', 'array', 'boolean'];

/** Which properties each constraint type may carry (AppConfig's schema has additionalProperties: false). */
const ALLOWED: Record<ConstraintType, readonly string[]> = {
  number: ['type', 'required', 'minimum', 'maximum'],
  string: ['type', 'required', 'pattern', 'enum'],
  array: ['type', 'required', 'elements'],
  boolean: ['type', 'required'],
};

const list = (items: readonly string[]): string => items.join(', ');

/**
 * Validates an attribute's `constraints` and returns them normalized (only the properties that mean
 * something; `required` only when true). `elementOnly` restricts the type for an array's `elements`.
 */
export function parseConstraints(
  raw: unknown,
  path: string,
  issues: Issues,
  elementOnly = false,
): AttributeConstraints | undefined {
  const types = elementOnly ? TYPES.filter((t) => t === 'number' || t === 'string') : TYPES;
  if (!isObject(raw)) {
    issues.add(path, `must be an object with a "type" (${list(types)}), found ${describe(raw)}`);
    return undefined;
  }
  const type = raw.type;
  if (type === undefined) {
    issues.add(child(path, 'type'), `is missing; it must be one of ${list(types)}`);
    return undefined;
  }
  if (typeof type !== 'string' || !(types as readonly string[]).includes(type)) {
    issues.add(child(path, 'type'), `must be one of ${list(types)} (found ${describe(type)})`);
    return undefined;
  }
  const t = type as ConstraintType;
  const before = issues.count;
  const result: AttributeConstraints = { type: t };

  for (const [key, value] of entries(raw)) {
    const at = child(path, key);
    if (!ALLOWED[t].includes(key)) {
      issues.add(at, `is not allowed in ${t} constraints (allowed: ${list(ALLOWED[t])})`);
      continue;
    }
    switch (key) {
      case 'required':
        if (typeof value !== 'boolean') issues.add(at, `must be true or false (found ${describe(value)})`);
        else if (value) result.required = true;
        break;
      case 'minimum':
      case 'maximum':
        if (typeof value !== 'number' || !Number.isInteger(value)) {
          issues.add(at, `must be a whole number (found ${describe(value)})`);
        } else {
          result[key] = value;
        }
        break;
      case 'pattern':
        if (typeof value !== 'string') issues.add(at, `must be a regular expression as text (found ${describe(value)})`);
        else if (charCount(value) > MAX_STRING_VALUE_LENGTH) issues.add(at, `is longer than ${MAX_STRING_VALUE_LENGTH} characters`);
        else result.pattern = value;
        break;
      case 'enum':
        parseEnum(value, at, issues, result);
        break;
      case 'elements': {
        const elements = parseConstraints(value, at, issues, true);
        if (elements) result.elements = elements;
        break;
      }
    }
  }
  if (raw.pattern !== undefined && raw.enum !== undefined) {
    issues.add(path, 'may have a pattern or an enum, not both');
  }
  return issues.count === before ? result : undefined;
}

function parseEnum(value: unknown, at: string, issues: Issues, result: AttributeConstraints): void {
  if (!Array.isArray(value)) {
    issues.add(at, `must be a list of allowed values (found ${describe(value)})`);
    return;
  }
  let ok = true;
  value.forEach((item: unknown, i) => {
    const valid =
      (typeof item === 'string' && charCount(item) <= MAX_STRING_VALUE_LENGTH) ||
      (typeof item === 'number' && Number.isInteger(item));
    if (!valid) {
      ok = false;
      issues.add(index(at, i), `must be a text of at most ${MAX_STRING_VALUE_LENGTH} characters or a whole number (found ${describe(item)})`);
    }
  });
  if (ok) result.enum = [...value];
}
