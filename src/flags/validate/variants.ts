import {
  KEY_PATTERN,
  MAX_ATTRIBUTES_PER_FLAG,
  MAX_RULE_LENGTH,
  type AttributeConstraints,
  type FlagVariant,
} from '../model.js';
import { checkAttributeValue } from './attribute-value.js';
import { charCount, child, describe, entries, index, isObject, type Issues } from './issues.js';
import { checkName } from './text-fields.js';

const VARIANT_KEYS = ['name', 'enabled', 'rule', 'attributeValues'];

/**
 * Validates a flag's `_variants` (multi-variant flags) and returns them in evaluation order.
 * Attribute values in a variant must belong to the flag and obey its constraints, like the flag's own values.
 */
export function parseVariants(
  raw: unknown,
  path: string,
  attributes: ReadonlyMap<string, AttributeConstraints>,
  flagKey: string,
  issues: Issues,
  rejected: ReadonlySet<string> = new Set(),
): FlagVariant[] | undefined {
  if (!Array.isArray(raw)) {
    issues.add(path, `must be a list of variants (found ${describe(raw)})`);
    return undefined;
  }
  const before = issues.count;
  const seen = new Set<string>();
  const variants: FlagVariant[] = [];
  raw.forEach((item: unknown, i) => {
    const at = index(path, i);
    if (!isObject(item)) {
      issues.add(at, `must be an object with a name and enabled (found ${describe(item)})`);
      return;
    }
    for (const key of Object.keys(item)) {
      if (!VARIANT_KEYS.includes(key)) issues.add(child(at, key), `is not a variant property (allowed: ${VARIANT_KEYS.join(', ')})`);
    }
    const name = checkName(item.name, child(at, 'name'), issues, true);
    if (name !== undefined) {
      if (seen.has(name)) issues.add(child(at, 'name'), `another variant of this flag is already named ${JSON.stringify(name)}`);
      seen.add(name);
    }
    if (typeof item.enabled !== 'boolean') {
      issues.add(child(at, 'enabled'), item.enabled === undefined ? 'is missing; it must be true or false' : `must be true or false (found ${describe(item.enabled)})`);
    }
    const variant: FlagVariant = { name: name ?? '', enabled: item.enabled === true };
    if (item.rule !== undefined) {
      if (typeof item.rule !== 'string') issues.add(child(at, 'rule'), `must be a rule as text (found ${describe(item.rule)})`);
      else if (charCount(item.rule) > MAX_RULE_LENGTH) issues.add(child(at, 'rule'), `is longer than ${MAX_RULE_LENGTH} characters`);
      else variant.rule = item.rule;
    }
    if (item.attributeValues !== undefined) {
      const values = parseVariantValues(item.attributeValues, child(at, 'attributeValues'), attributes, flagKey, issues, rejected);
      if (values && Object.keys(values).length > 0) variant.attributeValues = values;
    }
    variants.push(variant);
  });
  return issues.count === before ? variants : undefined;
}

function parseVariantValues(
  raw: unknown,
  path: string,
  attributes: ReadonlyMap<string, AttributeConstraints>,
  flagKey: string,
  issues: Issues,
  rejected: ReadonlySet<string>,
): Record<string, unknown> | undefined {
  if (!isObject(raw)) {
    issues.add(path, `must be an object of attribute values (found ${describe(raw)})`);
    return undefined;
  }
  const pairs = entries(raw);
  if (pairs.length > MAX_ATTRIBUTES_PER_FLAG) {
    issues.add(path, `sets ${pairs.length} attributes; a variant may set at most ${MAX_ATTRIBUTES_PER_FLAG}`);
  }
  const values: Record<string, unknown> = {};
  for (const [key, value] of pairs) {
    const at = child(path, key);
    if (rejected.has(key)) continue; // its definition's problem is already reported
    const constraints = attributes.get(key);
    if (!KEY_PATTERN.test(key) || !constraints) {
      issues.add(at, `flag ${flagKey} has no attribute ${JSON.stringify(key)}; a variant can only set the flag's own attributes`);
      continue;
    }
    checkAttributeValue(value, constraints, at, issues);
    values[key] = value;
  }
  return values;
}
