/**
 * What changed in one flag between two versions of the document. The list feeds ONE Jira comment per
 * changed flag, so it must be complete (nothing real unlisted) and exact (nothing listed that is not real).
 */
import { compareKeys, deepEqual } from './equal.js';
import type { AttributeConstraints, Flag, FlagAttribute, FlagDeprecation, FlagDocument, FlagVariant } from './model.js';

export type FlagChange =
  | { kind: 'enabled'; from: boolean; to: boolean }
  | { kind: 'name'; from: string; to: string }
  | { kind: 'description'; from?: string; to?: string }
  | { kind: 'attributeValue'; attribute: string; from: unknown; to: unknown }
  | { kind: 'attributeAdded'; attribute: string; value?: unknown; constraints: AttributeConstraints; description?: string }
  | { kind: 'attributeDeleted'; attribute: string; lastValue?: unknown }
  | { kind: 'attributeDescription'; attribute: string; from?: string; to?: string }
  | { kind: 'constraints'; attribute: string; from: AttributeConstraints; to: AttributeConstraints }
  | { kind: 'variants'; from?: FlagVariant[]; to?: FlagVariant[] }
  | { kind: 'deprecation'; from?: FlagDeprecation; to?: FlagDeprecation };

export type FlagChangeKind = FlagChange['kind'];

export type FlagDiff =
  | { key: string; kind: 'created'; flag: Flag }
  | { key: string; kind: 'changed'; flag: Flag; changes: FlagChange[] }
  | { key: string; kind: 'deleted'; previous: Flag }
  | { key: string; kind: 'unchanged'; flag: Flag };

/** The order changes are listed in: the flag itself first, then its attributes, then the rest. */
export const CHANGE_ORDER: readonly FlagChangeKind[] = [
  'enabled',
  'name',
  'description',
  'attributeValue',
  'attributeAdded',
  'attributeDeleted',
  'attributeDescription',
  'constraints',
  'variants',
  'deprecation',
];

/** Sets `key` only when `value` is defined, so optional fields stay absent rather than `undefined`. */
function withOptional<T extends object, K extends string, V>(target: T, key: K, value: V | undefined): T & { [P in K]?: V } {
  if (value !== undefined) (target as Record<string, unknown>)[key] = value;
  return target as T & { [P in K]?: V };
}

function attributeChanges(before: FlagAttribute | undefined, after: FlagAttribute | undefined): FlagChange[] {
  if (!before && after) {
    const added = { kind: 'attributeAdded' as const, attribute: after.key, constraints: after.constraints };
    withOptional(added, 'value', after.value);
    return [withOptional(added, 'description', after.description)];
  }
  if (before && !after) {
    return [withOptional({ kind: 'attributeDeleted' as const, attribute: before.key }, 'lastValue', before.value)];
  }
  if (!before || !after) return [];
  const changes: FlagChange[] = [];
  const attribute = after.key;
  if (!deepEqual(before.value, after.value)) {
    changes.push({ kind: 'attributeValue', attribute, from: before.value, to: after.value });
  }
  if (before.description !== after.description) {
    const change = withOptional({ kind: 'attributeDescription' as const, attribute }, 'from', before.description);
    changes.push(withOptional(change, 'to', after.description));
  }
  if (!deepEqual(before.constraints, after.constraints)) {
    changes.push({ kind: 'constraints', attribute, from: before.constraints, to: after.constraints });
  }
  return changes;
}

/** Every change from `previous` to `next` (same key), in CHANGE_ORDER, attributes by key within a kind. */
export function flagChanges(previous: Flag, next: Flag): FlagChange[] {
  const changes: FlagChange[] = [];
  if (previous.enabled !== next.enabled) changes.push({ kind: 'enabled', from: previous.enabled, to: next.enabled });
  if (previous.name !== next.name) changes.push({ kind: 'name', from: previous.name, to: next.name });
  if (previous.description !== next.description) {
    changes.push(withOptional(withOptional({ kind: 'description' as const }, 'from', previous.description), 'to', next.description));
  }
  const before = new Map(previous.attributes.map((a) => [a.key, a]));
  const after = new Map(next.attributes.map((a) => [a.key, a]));
  const keys = [...new Set([...before.keys(), ...after.keys()])].sort(compareKeys);
  for (const key of keys) changes.push(...attributeChanges(before.get(key), after.get(key)));
  if (!deepEqual(previous.variants, next.variants)) {
    changes.push(withOptional(withOptional({ kind: 'variants' as const }, 'from', previous.variants), 'to', next.variants));
  }
  if (!deepEqual(previous.deprecation, next.deprecation)) {
    changes.push(withOptional(withOptional({ kind: 'deprecation' as const }, 'from', previous.deprecation), 'to', next.deprecation));
  }
  // Stable sort: by kind, keeping attribute-key order within a kind.
  const rank = (c: FlagChange) => CHANGE_ORDER.indexOf(c.kind);
  return changes.sort((a, b) => rank(a) - rank(b));
}

/**
 * One flag between two states. `previous` undefined: a new flag. `next` undefined: the flag was
 * deleted. Undefined only when both are.
 */
export function diffFlag(previous: Flag | undefined, next: Flag | undefined): FlagDiff | undefined {
  if (!previous && !next) return undefined;
  if (!previous && next) return { key: next.key, kind: 'created', flag: next };
  if (previous && !next) return { key: previous.key, kind: 'deleted', previous };
  const prev = previous as Flag;
  const flag = next as Flag;
  const changes = flagChanges(prev, flag);
  return changes.length === 0 ? { key: flag.key, kind: 'unchanged', flag } : { key: flag.key, kind: 'changed', flag, changes };
}

/** One entry per flag key present in either document, sorted by key. `previous` undefined: all flags are new. */
export function diffDocuments(previous: FlagDocument | undefined, next: FlagDocument): FlagDiff[] {
  const before = new Map((previous?.flags ?? []).map((f) => [f.key, f]));
  const after = new Map(next.flags.map((f) => [f.key, f]));
  const keys = [...new Set([...before.keys(), ...after.keys()])].sort(compareKeys);
  const diffs: FlagDiff[] = [];
  for (const key of keys) {
    const diff = diffFlag(before.get(key), after.get(key));
    if (diff) diffs.push(diff);
  }
  return diffs;
}
