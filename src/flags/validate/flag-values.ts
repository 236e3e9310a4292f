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
  // A multi-variant flag's values are its variants' (AppConfig's console saves them there, with no
  // flag-level values): a required attribute must then be set by every variant instead.
  const multiVariant = raw._variants !== undefined;
  for (const [key, c] of constraints) {
    if (c.required && !result.values.has(key) && !multiVariant) {
      issues.add(child(path, key), 'is required by its constraints, but the flag\'s values do not set it');
    }
  }
  if (multiVariant) {
    const variants = parseVariants(raw._variants, child(path, '_variants'), constraints, flagKey, issues, definition.rejected);
    if (variants && variants.length > 0) {
      result.variants = variants;
      requiredInEveryVariant(variants, constraints, result.values, child(path, '_variants'), issues);
      // Without a flag-level "enabled", the flag is what it is when no rule matches: its default variant (the last).
      if (raw.enabled === undefined) result.enabled = variants[variants.length - 1]!.enabled;
    }
  }
  return result;
}

/** A required attribute the flag itself does not set must be set by each of its variants. */
function requiredInEveryVariant(
  variants: FlagVariant[],
  constraints: ReadonlyMap<string, AttributeConstraints>,
  flagValues: ReadonlyMap<string, unknown>,
  path: string,
  issues: Issues,
): void {
  for (const [key, c] of constraints) {
    if (!c.required || flagValues.has(key)) continue;
    const missing = variants.filter((v) => v.attributeValues?.[key] === undefined).map((v) => JSON.stringify(v.name));
    if (missing.length > 0) {
      issues.add(path, `attribute "${key}" is required by its constraints, but variant${missing.length > 1 ? 's' : ''} ${missing.join(', ')} do${missing.length > 1 ? '' : 'es'} not set it`);
    }
  }
}
