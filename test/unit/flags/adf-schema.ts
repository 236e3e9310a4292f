/**
 * Validates ADF documents against Atlassian's own JSON schema (@atlaskit/adf-schema, json-schema/v1/full.json),
 * so a test fails on any description or comment Jira would refuse. Reusable by any test: `validateAdf(doc)`.
 *
 * The schema declares draft-04, which Ajv 8 does not ship (that needs the `ajv-draft-04` package, not
 * installed). It uses no keyword whose meaning changed after draft-04 (no `id`, no boolean
 * `exclusiveMinimum`/`exclusiveMaximum`; checked by `draft04OnlyKeywords` below), so Ajv 8 validates it
 * exactly once the `$schema` marker is dropped. `strictTuples: false` only silences Ajv's warning about
 * the schema's open-ended tuple arrays.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';

// Vitest provides __filename; plain ESM runners do not, and then the repository root (cwd) resolves the same package.
const requireFromHere = createRequire(typeof __filename === 'string' ? __filename : join(process.cwd(), 'index.js'));
export const ADF_SCHEMA_PATH = requireFromHere.resolve('@atlaskit/adf-schema/json-schema/v1/full.json');

let fast: ValidateFunction | undefined;
let detailed: ValidateFunction | undefined;

/** Keywords whose draft-04 meaning differs from later drafts; the schema must use none of them. */
export function draft04OnlyKeywords(schema: unknown): string[] {
  const found: string[] = [];
  const walk = (node: unknown, path: string): void => {
    if (Array.isArray(node)) return node.forEach((n, i) => walk(n, `${path}/${i}`));
    if (typeof node !== 'object' || node === null) return;
    for (const [key, value] of Object.entries(node)) {
      const inProperties = path.endsWith('/properties');
      if (!inProperties && key === 'id' && typeof value === 'string') found.push(`${path}/id`);
      if ((key === 'exclusiveMinimum' || key === 'exclusiveMaximum') && typeof value === 'boolean') found.push(`${path}/${key}`);
      walk(value, `${path}/${key}`);
    }
  };
  walk(schema, '#');
  return found;
}

export function loadAdfSchema(): Record<string, unknown> {
  return JSON.parse(readFileSync(ADF_SCHEMA_PATH, 'utf8')) as Record<string, unknown>;
}

function compile(allErrors: boolean): ValidateFunction {
  const schema = loadAdfSchema();
  const problems = draft04OnlyKeywords(schema);
  if (problems.length > 0) throw new Error(`ADF schema uses draft-04-only keywords Ajv 8 would misread: ${problems.join(', ')}`);
  delete schema.$schema;
  return new Ajv({ allErrors, strictTuples: false }).compile(schema);
}

/** Every schema error in `doc` as "instancePath message"; empty when the document is valid ADF. */
export function validateAdf(doc: unknown): string[] {
  // Stopping at the first error is ~100x faster on this anyOf-heavy schema; collect all errors only on failure.
  fast ??= compile(false);
  if (fast(doc)) return [];
  detailed ??= compile(true);
  detailed(doc);
  return (detailed.errors ?? fast.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? e.keyword}`);
}
