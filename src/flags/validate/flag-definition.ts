import { MAX_ATTRIBUTES_PER_FLAG, type AttributeConstraints, type FlagDeprecation } from '../model.js';
import { parseConstraints } from './constraints.js';
import { child, describe, entries, isObject, type Issues } from './issues.js';
import { checkDeprecation, checkDescription, checkKey, checkName, checkTimestamp } from './text-fields.js';

export interface AttributeDefinition {
  description?: string;
  constraints: AttributeConstraints;
}

/** One entry of `flags`, validated; values come from `values` separately. */
export interface FlagDefinition {
  name?: string;
  description?: string;
  deprecation?: FlagDeprecation;
  /** Only the attributes whose definitions are valid. */
  attributes: Map<string, AttributeDefinition>;
  /** Attributes defined with a problem already reported: their values are not checked again. */
  rejected: ReadonlySet<string>;
}

const FLAG_KEYS = ['name', 'description', 'attributes', '_deprecation', '_createdAt', '_updatedAt'];
const ATTRIBUTE_KEYS = ['description', 'constraints'];
/** "enabled" is the flag's on/off switch in `values`; an attribute of that name could never be told apart. */
const RESERVED_ATTRIBUTE_KEYS = new Set(['enabled']);
/** Shared by every flag whose attributes are all valid (nearly all): one set less per flag while a document is parsed. */
const NONE_REJECTED: ReadonlySet<string> = new Set();

export function parseFlagDefinition(raw: unknown, path: string, issues: Issues): FlagDefinition | undefined {
  if (!isObject(raw)) {
    issues.add(path, `must be an object describing the flag (found ${describe(raw)})`);
    return undefined;
  }
  for (const key of Object.keys(raw)) {
    if (!FLAG_KEYS.includes(key)) issues.add(child(path, key), `is not a flag property (allowed: ${FLAG_KEYS.join(', ')})`);
  }
  checkTimestamp(raw._createdAt, child(path, '_createdAt'), issues);
  checkTimestamp(raw._updatedAt, child(path, '_updatedAt'), issues);
  const definition: FlagDefinition = { attributes: new Map(), rejected: NONE_REJECTED };
  const name = checkName(raw.name, child(path, 'name'), issues, false);
  if (name !== undefined) definition.name = name;
  const description = checkDescription(raw.description, child(path, 'description'), issues);
  if (description !== undefined) definition.description = description;
  const deprecation = checkDeprecation(raw._deprecation, child(path, '_deprecation'), issues);
  if (deprecation) definition.deprecation = deprecation;
  if (raw.attributes !== undefined) parseAttributes(raw.attributes, child(path, 'attributes'), definition, issues);
  return definition;
}

function parseAttributes(raw: unknown, path: string, into: FlagDefinition, issues: Issues): void {
  if (!isObject(raw)) {
    issues.add(path, `must be an object of attribute definitions (found ${describe(raw)})`);
    return;
  }
  const pairs = entries(raw);
  if (pairs.length > MAX_ATTRIBUTES_PER_FLAG) {
    issues.add(path, `has ${pairs.length} attributes; a flag may have at most ${MAX_ATTRIBUTES_PER_FLAG}`);
  }
  const rejected = new Set<string>();
  for (const [key, def] of pairs) {
    const at = child(path, key);
    rejected.add(key);
    if (!checkKey(key, at, 'attribute', issues)) continue;
    if (RESERVED_ATTRIBUTE_KEYS.has(key)) {
      issues.add(at, `"${key}" is reserved for the flag's on/off state and cannot be an attribute key`);
      continue;
    }
    const attribute = parseAttribute(def, at, issues);
    if (!attribute) continue;
    into.attributes.set(key, attribute);
    rejected.delete(key);
  }
  if (rejected.size > 0) into.rejected = rejected;
}

function parseAttribute(raw: unknown, path: string, issues: Issues): AttributeDefinition | undefined {
  if (!isObject(raw)) {
    issues.add(path, `must be an object with constraints (found ${describe(raw)})`);
    return undefined;
  }
  for (const key of Object.keys(raw)) {
    if (!ATTRIBUTE_KEYS.includes(key)) issues.add(child(path, key), `is not an attribute property (allowed: ${ATTRIBUTE_KEYS.join(', ')})`);
  }
  const description = checkDescription(raw.description, child(path, 'description'), issues);
  if (raw.constraints === undefined) {
    // AppConfig's console always writes constraints; without a type the value could not be checked or shown.
    issues.add(child(path, 'constraints'), 'is missing; every attribute needs constraints with a type (number, string, array or boolean)');
    return undefined;
  }
  const constraints = parseConstraints(raw.constraints, child(path, 'constraints'), issues);
  if (!constraints) return undefined;
  return description === undefined ? { constraints } : { description, constraints };
}
