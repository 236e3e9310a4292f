/** The issue description: everything an engineer needs to know about the flag, refreshed on every change. */
import type { Flag, FlagAttribute, FlagVariant } from '../model.js';
import {
  code,
  doc,
  em,
  factTable,
  heading,
  paragraph,
  status,
  strong,
  table,
  type AdfBlock,
  type AdfDoc,
  type Inline,
} from './adf.js';
import { fitForJira } from './fit.js';
import { describeConstraints, describeDeprecation, truncate, valueInline, type RenderLimits } from './format.js';

/** Where the flag lives in AWS: shown in the description so the issue stands on its own. */
export interface FlagContext {
  accountId: string;
  region: string;
  applicationId: string;
  applicationName?: string;
  configurationProfileId: string;
  configurationProfileName?: string;
}

/** "Name (`id`)", or just the id when there is no name (or the name is the id). */
export function namedId(id: string, name: string | undefined, limits: RenderLimits): Inline {
  if (name === undefined || name.trim() === '' || name === id) return code(id);
  return [truncate(name, limits.text), ' (', code(id), ')'];
}

export function enabledStatus(enabled: boolean): Inline {
  return enabled ? status('ENABLED', 'green') : status('DISABLED', 'neutral');
}

function attributesSection(attributes: FlagAttribute[], limits: RenderLimits): AdfBlock[] {
  if (attributes.length === 0) return [heading(3, 'Attributes'), paragraph(em('This flag has no attributes.'))];
  const rows: Inline[][] = attributes.map((a) => [
    code(a.key),
    valueInline(a.value, limits.value),
    code(describeConstraints(a.constraints, limits.constraints)),
    a.description === undefined ? '' : truncate(a.description, limits.text),
  ]);
  return [heading(3, 'Attributes'), table(['Attribute', 'Value', 'Constraints', 'Description'], rows)];
}

export function ruleInline(rule: string | undefined, limits: RenderLimits): Inline {
  return rule === undefined ? em('default (no rule)') : code(truncate(rule, limits.text));
}

export function variantValuesInline(variant: FlagVariant, limits: RenderLimits): Inline {
  const values = variant.attributeValues;
  if (!values || Object.keys(values).length === 0) return em('(none)');
  return valueInline(values, limits.value);
}

function variantsSection(variants: FlagVariant[] | undefined, limits: RenderLimits): AdfBlock[] {
  if (!variants || variants.length === 0) return [];
  const shown = variants.slice(0, limits.items);
  const rows: Inline[][] = shown.map((v, i) => [
    String(i + 1),
    truncate(v.name, limits.text),
    enabledStatus(v.enabled),
    ruleInline(v.rule, limits),
    variantValuesInline(v, limits),
  ]);
  const blocks: AdfBlock[] = [
    heading(3, 'Variants'),
    paragraph('Variants are evaluated in this order; the first whose rule matches is served.'),
    table(['#', 'Variant', 'Enabled', 'Rule', 'Attribute values'], rows),
  ];
  if (variants.length > shown.length) blocks.push(paragraph(em(`… and ${variants.length - shown.length} more variants (see AWS AppConfig).`)));
  return blocks;
}

function describe(flag: Flag, ctx: FlagContext, limits: RenderLimits): AdfDoc {
  const facts: [string, Inline][] = [
    ['Flag key', code(flag.key)],
    ['Name', truncate(flag.name, limits.text)],
    ['Enabled', enabledStatus(flag.enabled)],
    ['Application', namedId(ctx.applicationId, ctx.applicationName, limits)],
    ['Configuration profile', namedId(ctx.configurationProfileId, ctx.configurationProfileName, limits)],
    ['AWS account', code(ctx.accountId)],
    ['Region', code(ctx.region)],
  ];
  if (flag.deprecation) facts.push(['Deprecation', describeDeprecation(flag.deprecation)]);
  return doc(
    paragraph('AWS AppConfig feature flag ', strong(truncate(flag.name, limits.text)), ' (', code(flag.key), ').'),
    flag.description === undefined ? undefined : paragraph(truncate(flag.description, limits.text)),
    factTable(facts),
    ...attributesSection(flag.attributes, limits),
    ...variantsSection(flag.variants, limits),
    { type: 'rule' },
    paragraph(em('Kept up to date from AWS AppConfig: change the flag there; edits to this description are overwritten.')),
  );
}

/** The description of a flag's issue, within Jira's size limit. */
export function issueDescription(flag: Flag, ctx: FlagContext): AdfDoc {
  return fitForJira((limits) => describe(flag, ctx, limits));
}

/** Used by the change comment to list a variant on one line. */
export function variantLine(v: FlagVariant, limits: RenderLimits): Inline {
  return [
    `“${truncate(v.name, limits.text)}” `,
    enabledStatus(v.enabled),
    ', rule: ',
    ruleInline(v.rule, limits),
    ', values: ',
    variantValuesInline(v, limits),
  ];
}
