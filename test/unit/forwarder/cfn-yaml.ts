/**
 * Parses a CloudFormation YAML template the way CloudFormation reads it: short-form intrinsic
 * function tags (!Ref, !GetAtt, !Sub, ...) become their long form ({ "Fn::GetAtt": [...] }).
 * An unknown tag is an error, so a typo in the template cannot pass as a string.
 */
import { parseDocument, type ScalarTag, type CollectionTag, type YAMLMap, type YAMLSeq } from 'yaml';

const FUNCTIONS = [
  'Base64', 'Cidr', 'Condition', 'FindInMap', 'GetAtt', 'GetAZs', 'ImportValue', 'Join', 'Select', 'Split', 'Sub',
  'Transform', 'And', 'Equals', 'If', 'Not', 'Or', 'Ref',
] as const;

const longName = (name: string) => (name === 'Ref' || name === 'Condition' ? name : `Fn::${name}`);

function tagsFor(name: string): Array<ScalarTag | CollectionTag> {
  const key = longName(name);
  const tag = `!${name}`;
  return [
    {
      tag,
      resolve: (value: string) => {
        // !GetAtt Resource.Attribute is short for [Resource, Attribute].
        if (name === 'GetAtt') {
          const dot = value.indexOf('.');
          return { [key]: [value.slice(0, dot), value.slice(dot + 1)] };
        }
        return { [key]: value };
      },
    },
    { tag, collection: 'seq', resolve: (seq: YAMLMap.Parsed | YAMLSeq.Parsed) => ({ [key]: seq.toJSON() }) },
    { tag, collection: 'map', resolve: (map: YAMLMap.Parsed | YAMLSeq.Parsed) => ({ [key]: map.toJSON() }) },
  ];
}

const customTags = FUNCTIONS.flatMap(tagsFor);

export function parseCloudFormation(text: string): Record<string, unknown> {
  const doc = parseDocument(text, { customTags, strict: true, uniqueKeys: true, prettyErrors: true });
  // Unknown tags are only warnings to the yaml package; here they are failures.
  const problems = [...doc.errors, ...doc.warnings];
  if (problems.length > 0) throw new Error(problems.map((p) => p.message).join('\n'));
  const value = doc.toJS() as unknown;
  if (typeof value !== 'object' || value === null) throw new Error('the template is not a YAML mapping');
  return value as Record<string, unknown>;
}
