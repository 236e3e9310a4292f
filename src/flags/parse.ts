/**
 * Parses and validates an AWS AppConfig feature-flag document (AWS.AppConfig.FeatureFlags) into the
 * normalized model. A document AppConfig itself would reject is reported as invalid, with every problem
 * named by its path, in words a Jira admin can act on. Pure: no I/O.
 */
import { compareKeys } from './equal.js';
import type { Flag, FlagAttribute, FlagDocument, ParseError, ParseResult } from './model.js';
import { parseFlagDefinition, type FlagDefinition } from './validate/flag-definition.js';
import { parseFlagValues, type FlagValues } from './validate/flag-values.js';
import { Issues, child, describe, entries, isObject } from './validate/issues.js';
import { decodeBase64, decodeText, parseJson, type Step } from './validate/json-text.js';
import { checkKey } from './validate/text-fields.js';

const TOP_LEVEL_KEYS = ['version', 'flags', 'values'];
/** A health page needs the first problems, not thousands: the rest are counted in one last entry. */
export const MAX_REPORTED_ERRORS = 50;

function capped(errors: ParseError[]): ParseError[] {
  if (errors.length <= MAX_REPORTED_ERRORS) return errors;
  const kept = errors.slice(0, MAX_REPORTED_ERRORS - 1);
  return [...kept, { path: '', message: `…and ${errors.length - kept.length} more problems; fix the ones above first.` }];
}

/** Parses the raw document (text, or UTF-8 bytes as AppConfig stores it). */
export function parseFlagDocument(raw: string | Uint8Array): ParseResult {
  // The bytes and the text are garbage once JSON.parse has read them: only the JSON value is kept.
  const json = jsonOf(raw);
  if (!json.ok) return { ok: false, errors: [json.error] };
  return validateFlagDocument(json.value);
}

function jsonOf(raw: string | Uint8Array): Step<unknown> {
  const text = decodeText(raw);
  return text.ok ? parseJson(text.value) : text;
}

function jsonOfBase64(encoded: string): Step<unknown> {
  const bytes = decodeBase64(encoded);
  return bytes.ok ? jsonOf(bytes.value) : bytes;
}

/** Parses a document carried as base64, as in the `Content` of AppConfig's PRE_* extension events. */
export function parseFlagDocumentBase64(encoded: string): ParseResult {
  const json = jsonOfBase64(encoded);
  if (!json.ok) return { ok: false, errors: [json.error] };
  return validateFlagDocument(json.value);
}

/** The on/off value of each flag of a document. */
export function flagEnabledValues(document: FlagDocument): Readonly<Record<string, boolean>> {
  const values: Record<string, boolean> = {};
  for (const flag of document.flags) values[flag.key] = flag.enabled;
  return Object.freeze(values);
}

/** Validates an already-parsed JSON value. */
export function validateFlagDocument(root: unknown): ParseResult {
  const issues = new Issues();
  if (!isObject(root)) {
    issues.add('', `The document must be a JSON object with "version", "flags" and "values" (found ${describe(root)}).`);
    return { ok: false, errors: issues.list };
  }
  for (const key of Object.keys(root)) {
    if (!TOP_LEVEL_KEYS.includes(key)) {
      issues.add(child('', key), 'is not part of a feature flag document (allowed: version, flags, values)');
    }
  }
  if (root.version === undefined) issues.add('version', 'is missing; it must be "1"');
  else if (root.version !== '1') issues.add('version', `must be the text "1" (found ${describe(root.version)})`);

  const definitions = parseDefinitions(root.flags, issues);
  const values = parseAllValues(root.values, definitions, issues);
  if (issues.count > 0) return { ok: false, errors: capped(issues.list) };

  const flags: Flag[] = [];
  for (const [key, definition] of definitions) {
    if (definition) flags.push(buildFlag(key, definition, values.get(key)));
    // What validation kept of this flag is garbage now: the document grows as this shrinks.
    definitions.delete(key);
    values.delete(key);
  }
  flags.sort((a, b) => compareKeys(a.key, b.key));
  const document: FlagDocument = { flags };
  return { ok: true, document };
}

/** Turns errors into lines for a health page or log: `path: message`, or the message alone at the root. */
export function formatParseErrors(errors: readonly ParseError[]): string[] {
  return errors.map((e) => (e.path === '' ? e.message : `${e.path}: ${e.message}`));
}

function parseDefinitions(raw: unknown, issues: Issues): Map<string, FlagDefinition | undefined> {
  const definitions = new Map<string, FlagDefinition | undefined>();
  if (raw === undefined) return definitions;
  if (!isObject(raw)) {
    issues.add('flags', `must be an object of flag definitions (found ${describe(raw)})`);
    return definitions;
  }
  for (const [key, def] of entries(raw)) {
    const at = child('flags', key);
    if (!checkKey(key, at, 'flag', issues)) continue;
    definitions.set(key, parseFlagDefinition(def, at, issues));
  }
  return definitions;
}

function parseAllValues(
  raw: unknown,
  definitions: Map<string, FlagDefinition | undefined>,
  issues: Issues,
): Map<string, FlagValues> {
  const values = new Map<string, FlagValues>();
  if (raw === undefined) return values;
  if (!isObject(raw)) {
    issues.add('values', `must be an object of flag values (found ${describe(raw)})`);
    return values;
  }
  for (const [key, entry] of entries(raw)) {
    const at = child('values', key);
    if (!definitions.has(key)) {
      issues.add(at, `there is no flag "${key}" under "flags"; every values entry must belong to a defined flag`);
      continue;
    }
    const definition = definitions.get(key);
    if (!definition) continue; // the definition's own problem is already reported
    const parsed = parseFlagValues(entry, at, key, definition, issues);
    if (parsed) values.set(key, parsed);
  }
  return values;
}

function buildFlag(key: string, definition: FlagDefinition, values: FlagValues | undefined): Flag {
  const attributes: FlagAttribute[] = [...definition.attributes.keys()].sort(compareKeys).map((attrKey) => {
    const def = definition.attributes.get(attrKey);
    const attribute: FlagAttribute = { key: attrKey, constraints: def?.constraints ?? { type: 'string' } };
    if (def?.description !== undefined) attribute.description = def.description;
    if (values?.values.has(attrKey)) attribute.value = values.values.get(attrKey);
    return attribute;
  });
  const flag: Flag = { key, name: definition.name ?? key, enabled: values?.enabled ?? false, attributes };
  if (definition.description !== undefined) flag.description = definition.description;
  if (values?.variants) flag.variants = values.variants;
  if (definition.deprecation) flag.deprecation = definition.deprecation;
  return flag;
}
