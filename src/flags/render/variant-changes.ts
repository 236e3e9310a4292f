/** Explains a change of a flag's variants variant by variant, rather than dumping two lists. */
import { deepEqual } from '../equal.js';
import type { FlagVariant } from '../model.js';
import { em, listItem, type AdfListItem, type Inline } from './adf.js';
import { ruleInline, variantLine, variantValuesInline } from './description.js';
import { truncate, type RenderLimits } from './format.js';

const quoted = (name: string, limits: RenderLimits): string => `“${truncate(name, limits.text)}”`;

function uniqueNames(variants: FlagVariant[]): boolean {
  return new Set(variants.map((v) => v.name)).size === variants.length;
}

function variantFieldChanges(before: FlagVariant, after: FlagVariant, limits: RenderLimits): Inline[] {
  const parts: Inline[] = [];
  if (before.enabled !== after.enabled) parts.push(`enabled ${before.enabled} → ${after.enabled}`);
  if (before.rule !== after.rule) parts.push(['rule ', ruleInline(before.rule, limits), ' → ', ruleInline(after.rule, limits)]);
  if (!deepEqual(before.attributeValues, after.attributeValues)) {
    parts.push(['values ', variantValuesInline(before, limits), ' → ', variantValuesInline(after, limits)]);
  }
  return parts;
}

/** One list item per added, removed or changed variant, plus one for a new evaluation order. */
export function variantChangeItems(from: FlagVariant[] | undefined, to: FlagVariant[] | undefined, limits: RenderLimits): AdfListItem[] {
  const before = from ?? [];
  const after = to ?? [];
  if (!uniqueNames(before) || !uniqueNames(after)) {
    // Names are how variants are told apart; without unique names, show both lists whole.
    return [
      listItem(['Before: ', before.length === 0 ? em('no variants') : before.map((v) => quoted(v.name, limits)).join(', ')]),
      listItem(['After: ', after.length === 0 ? em('no variants') : after.map((v) => quoted(v.name, limits)).join(', ')]),
    ];
  }
  const old = new Map(before.map((v) => [v.name, v]));
  const now = new Map(after.map((v) => [v.name, v]));
  const items: AdfListItem[] = [];
  for (const v of after) {
    const prev = old.get(v.name);
    if (!prev) {
      items.push(listItem(['Variant added: ', variantLine(v, limits)]));
      continue;
    }
    const parts = variantFieldChanges(prev, v, limits);
    if (parts.length > 0) {
      const joined: Inline[] = [];
      parts.forEach((p, i) => joined.push(i === 0 ? p : ['; ', p]));
      items.push(listItem([`Variant ${quoted(v.name, limits)}: `, joined]));
    }
  }
  for (const v of before) {
    if (!now.has(v.name)) items.push(listItem(['Variant removed: ', variantLine(v, limits)]));
  }
  const keptBefore = before.filter((v) => now.has(v.name)).map((v) => v.name);
  const keptAfter = after.filter((v) => old.has(v.name)).map((v) => v.name);
  if (!deepEqual(keptBefore, keptAfter)) {
    const order = (names: string[]) => names.map((n) => quoted(n, limits)).join(', ');
    items.push(listItem(['Evaluation order: ', order(keptBefore), ' → ', order(keptAfter)]));
  }
  return items;
}
