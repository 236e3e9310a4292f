/** The ONE comment a changed flag gets per saved version: every change, old value → new value. */
import type { FlagChange } from '../diff.js';
import { bulletList, code, doc, em, listItem, paragraph, strong, type AdfDoc, type AdfListItem, type Inline } from './adf.js';
import { fitForJira } from './fit.js';
import { describeConstraints, describeDeprecation, truncate, valueInline, type RenderLimits } from './format.js';
import { variantChangeItems } from './variant-changes.js';

/** Which saved configuration version the changes came from. */
export interface ChangeSource {
  version?: string | number;
  description?: string | null;
}

const ARROW = ' → ';

function quotedText(value: string | undefined, limits: RenderLimits): Inline {
  return value === undefined ? em('(none)') : `“${truncate(value, limits.text)}”`;
}

function textChange(label: string, from: string | undefined, to: string | undefined, limits: RenderLimits): Inline {
  if (from === undefined) return [`${label} added: `, quotedText(to, limits)];
  if (to === undefined) return [`${label} removed (was `, quotedText(from, limits), ')'];
  return [`${label}: `, quotedText(from, limits), ARROW, quotedText(to, limits)];
}

/** One bullet for one change. */
export function changeItem(change: FlagChange, limits: RenderLimits): AdfListItem {
  switch (change.kind) {
    case 'enabled':
      return listItem([strong(change.to ? 'Flag turned on' : 'Flag turned off'), ` (enabled: ${change.from}${ARROW}${change.to})`]);
    case 'name':
      return listItem(textChange('Name', change.from, change.to, limits));
    case 'description':
      return listItem(textChange('Description', change.from, change.to, limits));
    case 'attributeValue':
      return listItem([`${change.attribute}: `, valueInline(change.from, limits.value), ARROW, valueInline(change.to, limits.value)]);
    case 'attributeAdded': {
      const value: Inline = change.value === undefined ? 'no value set' : ['value ', valueInline(change.value, limits.value)];
      const described: Inline = change.description === undefined ? '' : [', described as ', quotedText(change.description, limits)];
      const constraints = code(describeConstraints(change.constraints, limits.constraints));
      return listItem([`Attribute ${change.attribute} added: `, value, ' (', constraints, ')', described]);
    }
    case 'attributeDeleted':
      return listItem(
        change.lastValue === undefined
          ? `Attribute ${change.attribute} deleted (it had no value)`
          : [`Attribute ${change.attribute} deleted (last value: `, valueInline(change.lastValue, limits.value), ')'],
      );
    case 'attributeDescription':
      return listItem(textChange(`Description of attribute ${change.attribute}`, change.from, change.to, limits));
    case 'constraints':
      return listItem([
        `Constraints of ${change.attribute}: `,
        code(describeConstraints(change.from, limits.constraints)),
        ARROW,
        code(describeConstraints(change.to, limits.constraints)),
      ]);
    case 'variants': {
      const label = change.from === undefined ? 'Variants added' : change.to === undefined ? 'Variants removed' : 'Variants changed';
      const all = variantChangeItems(change.from, change.to, limits);
      const items = all.slice(0, limits.items);
      // Cut to fit Jira's size limit: say how many are not listed, as the description does.
      if (all.length > items.length) items.push(listItem(em(`… and ${all.length - items.length} more variant changes (see AWS AppConfig).`)));
      const nested = bulletList(items);
      return nested ? listItem(`${label}:`, nested) : listItem(label);
    }
    case 'deprecation':
      if (change.from === undefined && change.to) return listItem(`Deprecation ${describeDeprecation(change.to)}`);
      if (change.to === undefined && change.from) return listItem(`Deprecation removed (was ${describeDeprecation(change.from)})`);
      return listItem(`Deprecation: ${change.from ? describeDeprecation(change.from) : 'none'}${ARROW}${change.to ? describeDeprecation(change.to) : 'none'}`);
  }
}

/** "Changed in AWS AppConfig, configuration version 3: “Raise limits”." */
export function sourceLine(source: ChangeSource, limits: RenderLimits): Inline {
  const version = source.version === undefined || source.version === '' ? undefined : String(source.version);
  const description = source.description?.trim() ? source.description : undefined;
  return [
    strong('Changed in AWS AppConfig'),
    version === undefined ? ' (configuration version not known)' : [', configuration version ', code(version)],
    description === undefined ? '.' : [': ', em(truncate(description, limits.text))],
  ];
}

function render(changes: FlagChange[], source: ChangeSource, limits: RenderLimits): AdfDoc {
  const shown = changes.slice(0, limits.items);
  const list = bulletList(shown.map((c) => changeItem(c, limits)));
  const more = changes.length - shown.length;
  return doc(
    paragraph(sourceLine(source, limits)),
    list ?? paragraph(em('No changes.')),
    more > 0 ? paragraph(em(`… and ${more} more changes, not shown to keep this comment within Jira's size limit.`)) : undefined,
  );
}

/** ONE comment listing every change (old → new) and the configuration version it came from. */
export function changeComment(changes: FlagChange[], source: ChangeSource): AdfDoc {
  return fitForJira((limits) => render(changes, source, limits));
}
