import { KEY_PATTERN, type AttributeConstraints, type FlagVariant } from '../model.js';
import { checkAttributeValue } from './attribute-value.js';
import type { FlagDefinition } from './flag-definition.js';
import { child, describe, entries, isObject, type Issues } from './issues.js';
import { checkTimestamp } from './text-fields.js';
import { parseVariants } from './variants.js';

export interface FlagValues {
  enabled: boolean;
  values: Map<string, unknown>;
  variants?: FlagVariant[];
}

const RESERVED = new Set(['enabled', '_variants', '_createdAt', '_updatedAt']);

/** One entry of `values`: the flag's on/off state, its attribute values and its variants. */
export function parseFlagValues(
  raw: unknown,
  path: string,
  flagKey: string,
  definition: FlagDefinition,
  issues: Issues,
): FlagValues | undefined {
  if (!isObject(raw)) {
    issues.add(path, `must be an object like {"enabled": true} (found ${describe(raw)})`);
    return undefined;
  }
  const result: FlagValues = { enabled: false, values: new Map() };
  // AppConfig's schema does not require "enabled"; a flag that does not say is off.
  if (raw.enabled !== undefined) {
    if (typeof raw.enabled !== 'boolean') issues.add(child(path, 'enabled'), `must be true or false (found ${describe(raw.enabled)})`);
    else result.enabled = raw.enabled;
  }
  checkTimestamp(raw._createdAt, child(path, '_createdAt'), issues);
  checkTimestamp(raw._updatedAt, child(path, '_updatedAt'), issues);

  const constraints = new Map<string, AttributeConstraints>();
  for (const [key, attribute] of definition.attributes) constraints.set(key, attribute.constraints);

  for (const [key, value] of entries(raw)) {
    if (RESERVED.has(key) || definition.rejected.has(key)) continue;
    const at = child(path, key);
    if (!KEY_PATTERN.test(key)) {
      issues.add(at, 'is not a known property of flag values (enabled, _variants) nor a valid attribute key');
      continue;
    }
    const c = constraints.get(key);
    if (!c) {
      issues.add(at, `flag ${flagKey} has no attribute "${key}"; define it under flags.${flagKey}.attributes or remove this value`);
      continue;
    }
    checkAttributeValue(value, c, at, issues);
    result.values.set(key, value);
  }
  for (const [key, c] of constraints) {
    if (c.required && !result.values.has(key)) {
      issues.add(child(path, key), 'is required by its constraints, but the flag\'s values do not set it');
    }
  }
  if (raw._variants !== undefined) {
    const variants = parseVariants(raw._variants, child(path, '_variants'), constraints, flagKey, issues, definition.rejected);
    if (variants && variants.length > 0) result.variants = variants;
  }
  return result;
}
