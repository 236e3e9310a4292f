/** Test helpers: a flag of a document, model -> AppConfig JSON, and applying a change list to a flag. */
import type { FlagChange } from '../../../src/flags/diff.js';
import type { Flag, FlagAttribute, FlagDocument } from '../../../src/flags/model.js';

export function flagOf(doc: FlagDocument, key: string): Flag {
  const flag = doc.flags.find((f) => f.key === key);
  if (!flag) throw new Error(`no flag ${key}`);
  return flag;
}

export interface Noise {
  /** AppConfig bookkeeping written on every flag and values entry. */
  stamp?: string;
}

/** The AppConfig document a model came from (the inverse of the parser, plus optional metadata). */
export function toRawDocument(doc: FlagDocument, noise: Noise = {}): Record<string, unknown> {
  const flags: Record<string, unknown> = {};
  const values: Record<string, unknown> = {};
  for (const flag of doc.flags) {
    const def: Record<string, unknown> = { name: flag.name };
    if (flag.description !== undefined) def.description = flag.description;
    if (flag.deprecation) def._deprecation = flag.deprecation;
    if (noise.stamp !== undefined) Object.assign(def, { _createdAt: noise.stamp, _updatedAt: noise.stamp });
    const attributes: Record<string, unknown> = {};
    const entry: Record<string, unknown> = { enabled: flag.enabled };
    for (const a of flag.attributes) {
      attributes[a.key] = a.description === undefined ? { constraints: a.constraints } : { description: a.description, constraints: a.constraints };
      if (a.value !== undefined) entry[a.key] = a.value;
    }
    if (flag.attributes.length > 0) def.attributes = attributes;
    if (flag.variants) entry._variants = flag.variants;
    if (noise.stamp !== undefined) Object.assign(entry, { _createdAt: noise.stamp, _updatedAt: noise.stamp });
    flags[flag.key] = def;
    // A disabled flag with nothing else to say may have no values entry at all; exercise both shapes.
    if (flag.enabled || Object.keys(entry).length > 1 || noise.stamp !== undefined) values[flag.key] = entry;
  }
  return { version: '1', flags, values };
}

/** Applies a change list to `flag`: the result must equal the next version if the list is complete and exact. */
export function applyChanges(flag: Flag, changes: FlagChange[]): Flag {
  const next: Flag = structuredClone(flag);
  const attr = (key: string): FlagAttribute => {
    const found = next.attributes.find((a) => a.key === key);
    if (!found) throw new Error(`change refers to attribute ${key}, which the previous flag does not have`);
    return found;
  };
  const setOptional = <T extends object>(target: T, field: keyof T, value: unknown) => {
    if (value === undefined) delete target[field];
    else (target as Record<keyof T, unknown>)[field] = value;
  };
  for (const c of changes) {
    switch (c.kind) {
      case 'enabled':
      case 'name':
        (next as unknown as Record<string, unknown>)[c.kind] = c.to;
        break;
      case 'description':
      case 'variants':
      case 'deprecation':
        setOptional(next, c.kind, c.to);
        break;
      case 'attributeValue':
        setOptional(attr(c.attribute), 'value', c.to);
        break;
      case 'attributeDescription':
        setOptional(attr(c.attribute), 'description', c.to);
        break;
      case 'constraints':
        attr(c.attribute).constraints = c.to;
        break;
      case 'attributeDeleted':
        attr(c.attribute);
        next.attributes = next.attributes.filter((a) => a.key !== c.attribute);
        break;
      case 'attributeAdded': {
        if (next.attributes.some((a) => a.key === c.attribute)) throw new Error(`attribute ${c.attribute} added twice`);
        const added: FlagAttribute = { key: c.attribute, constraints: c.constraints };
        setOptional(added, 'description', c.description);
        setOptional(added, 'value', c.value);
        next.attributes.push(added);
        break;
      }
    }
  }
  next.attributes.sort((a, b) => (a.key < b.key ? -1 : 1));
  return next;
}
