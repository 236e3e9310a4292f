import type { Issue, JiraStore } from './store.js';

/**
 * The JQL subset the app needs, parsed and evaluated the way Jira would: clauses joined by AND, each
 * `project = X`, `key = X`, `id = X` or `issue.property[KEY].path = "value"` (or `IN (...)`), and an optional
 * ORDER BY. Anything else is refused with a 400 like Jira's, naming what the double does not support.
 * Unlike Jira Cloud (which indexes asynchronously), properties are searchable as soon as they are written.
 */
export class JqlError extends Error {}

export type FieldRef = { kind: 'project' | 'key' | 'id' } | { kind: 'property'; propertyKey: string; path: string };
export interface Clause {
  field: FieldRef;
  values: string[];
}
export interface OrderBy {
  field: 'key' | 'id' | 'created' | 'updated';
  desc: boolean;
}
export interface Query {
  clauses: Clause[];
  orderBy: OrderBy[];
}

/** Extractions the app's descriptor declares (jiraEntityProperties): propertyKey -> objectName -> type. */
export type PropertyIndex = Map<string, Map<string, string>>;
/** The JQL aliases those extractions declare (lower-cased, as JQL field names are case-insensitive). */
export type PropertyAliases = Map<string, { propertyKey: string; path: string }>;

const PROPERTY_FIELD = /^issue\.property\[([^\]]+)\]\.([A-Za-z0-9_.-]+)$/i;
const TOKEN = /\s*(?:("(?:[^"\\]|\\.)*")|('(?:[^'\\]|\\.)*')|(!=|=|\(|\)|,|~|<=|>=|<|>)|(issue\.property\[[^\]]*\]\.[A-Za-z0-9_.-]+|[^\s=!(),~<>"']+))/iy;

type Token = { text: string; quoted: boolean };

function tokenize(jql: string): Token[] {
  const tokens: Token[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < jql.length) {
    if (/^\s*$/.test(jql.slice(TOKEN.lastIndex))) break;
    const m = TOKEN.exec(jql);
    if (!m) throw new JqlError(`Error in the JQL Query: could not read the query near '${jql.slice(TOKEN.lastIndex, TOKEN.lastIndex + 20)}'.`);
    const quoted = m[1] ?? m[2];
    if (quoted) tokens.push({ text: quoted.slice(1, -1).replace(/\\(.)/g, '$1'), quoted: true });
    else tokens.push({ text: (m[3] ?? m[4]) as string, quoted: false });
  }
  return tokens;
}

const unsupported = (what: string): JqlError =>
  new JqlError(`Error in the JQL Query: '${what}' is not supported by the Jira double (it supports AND of project/key/id/issue.property[...] with = or IN, and ORDER BY).`);

export function parseJql(jql: string, aliases: PropertyAliases = new Map()): Query {
  const tokens = tokenize(jql);
  let i = 0;
  const peek = (): Token | undefined => tokens[i];
  const next = (what: string): Token => {
    const t = tokens[i++];
    if (!t) throw new JqlError(`Error in the JQL Query: Expecting ${what} but got the end of the query.`);
    return t;
  };
  const isWord = (t: Token | undefined, w: string): boolean => Boolean(t && !t.quoted && t.text.toLowerCase() === w);

  const clauses: Clause[] = [];
  while (peek() && !isWord(peek(), 'order')) {
    if (clauses.length > 0) {
      const joiner = next('AND');
      if (!isWord(joiner, 'and')) throw unsupported(joiner.text);
    }
    clauses.push(parseClause(next('a field'), next, isWord, aliases));
  }
  const orderBy: OrderBy[] = [];
  if (isWord(peek(), 'order')) {
    i++;
    if (!isWord(next('BY'), 'by')) throw new JqlError("Error in the JQL Query: Expecting 'BY' after 'ORDER'.");
    do {
      if (orderBy.length > 0) i++;
      const f = next('a field').text.toLowerCase();
      if (f !== 'key' && f !== 'id' && f !== 'created' && f !== 'updated') throw unsupported(`ORDER BY ${f}`);
      let desc = false;
      if (isWord(peek(), 'asc') || isWord(peek(), 'desc')) desc = next('direction').text.toLowerCase() === 'desc';
      orderBy.push({ field: f, desc });
    } while (peek()?.text === ',' && !peek()?.quoted);
  }
  if (peek()) throw unsupported(next('').text);
  return { clauses, orderBy };
}

function parseClause(fieldTok: Token, next: (w: string) => Token, isWord: (t: Token | undefined, w: string) => boolean, aliases: PropertyAliases): Clause {
  const name = fieldTok.text;
  let field: FieldRef;
  const prop = PROPERTY_FIELD.exec(name);
  const alias = aliases.get(name.toLowerCase());
  if (prop) field = { kind: 'property', propertyKey: prop[1] as string, path: prop[2] as string };
  else if (alias && !fieldTok.quoted) field = { kind: 'property', ...alias };
  else if (/^project$/i.test(name)) field = { kind: 'project' };
  else if (/^(key|issuekey)$/i.test(name)) field = { kind: 'key' };
  else if (/^id$/i.test(name)) field = { kind: 'id' };
  else throw unsupported(name);
  const op = next('an operator');
  if (!op.quoted && op.text === '=') return { field, values: [next('a value').text] };
  if (isWord(op, 'in')) {
    if (next("'('").text !== '(') throw new JqlError("Error in the JQL Query: Expecting '(' after 'IN'.");
    const values: string[] = [];
    for (;;) {
      values.push(next('a value').text);
      const sep = next("',' or ')'");
      if (sep.text === ')' && !sep.quoted) break;
      if (sep.text !== ',' || sep.quoted) throw new JqlError("Error in the JQL Query: Expecting ',' or ')'.");
    }
    return { field, values };
  }
  throw unsupported(op.text);
}

function valuesAt(value: unknown, path: string): unknown[] {
  let current: unknown[] = [value];
  for (const part of path.split('.')) {
    current = current.flatMap((v) => (v && typeof v === 'object' && !Array.isArray(v) ? [(v as Record<string, unknown>)[part]] : []));
    current = current.flatMap((v) => (Array.isArray(v) ? v : [v]));
  }
  return current.filter((v) => v !== undefined && v !== null);
}

function propertyMatches(issue: Issue, field: { propertyKey: string; path: string }, literal: string, type: string | undefined): boolean {
  if (!issue.properties.has(field.propertyKey)) return false;
  return valuesAt(issue.properties.get(field.propertyKey), field.path).some((v) => {
    if (type === 'number' || (type === undefined && typeof v === 'number')) return Number(v) === Number(literal);
    return typeof v === 'object' ? false : String(v) === literal;
  });
}

/**
 * The issues visible to the app that match, in order. `index` is undefined when the double does not know the
 * app's descriptor (then every property path is searchable); otherwise only declared extractions are, as in Jira.
 */
export function runJql(store: JiraStore, query: Query, index: PropertyIndex | undefined): Issue[] {
  if (query.clauses.length === 0) {
    throw new JqlError('Unbounded JQL queries are not allowed here. Please add a search restriction to your query.');
  }
  for (const c of query.clauses) {
    if (c.field.kind === 'project') {
      for (const v of c.values) if (!store.visibleProject(v)) throw new JqlError(`The value '${v}' does not exist for the field 'project'.`);
    } else if (c.field.kind === 'key') {
      for (const v of c.values) {
        if (!/^[A-Z][A-Z0-9_]+-\d+$/i.test(v)) throw new JqlError(`The issue key '${v}' for field 'key' is invalid.`);
        if (!store.visibleIssue(v)) throw new JqlError(`An issue with key '${v}' does not exist for field 'key'.`);
      }
    } else if (c.field.kind === 'property' && index && !index.get(c.field.propertyKey)?.has(c.field.path)) {
      throw new JqlError(`Field 'issue.property[${c.field.propertyKey}].${c.field.path}' does not exist or you do not have permission to view it.`);
    }
  }
  const matchesClause = (issue: Issue, c: Clause): boolean => {
    const f = c.field;
    switch (f.kind) {
      case 'project': {
        const ids = c.values.map((v) => store.visibleProject(v)?.id);
        return ids.includes(issue.projectId);
      }
      case 'key':
        return c.values.some((v) => v.toUpperCase() === issue.key);
      case 'id':
        return c.values.includes(issue.id);
      case 'property': {
        const type = index?.get(f.propertyKey)?.get(f.path);
        return c.values.some((v) => propertyMatches(issue, f, v, type));
      }
    }
  };
  const found = [...store.issues.values()].filter((issue) => store.projects.get(issue.projectId)?.browse && query.clauses.every((c) => matchesClause(issue, c)));
  const order = query.orderBy.length ? query.orderBy : [{ field: 'id' as const, desc: false }];
  return found.sort((a, b) => {
    for (const o of order) {
      const d = compareBy(a, b, o.field);
      if (d !== 0) return o.desc ? -d : d;
    }
    return 0;
  });
}

function compareBy(a: Issue, b: Issue, field: OrderBy['field']): number {
  if (field === 'id') return Number(a.id) - Number(b.id);
  if (field === 'key') {
    const [pa, na] = a.key.split('-');
    const [pb, nb] = b.key.split('-');
    return (pa ?? '').localeCompare(pb ?? '') || Number(na) - Number(nb);
  }
  return a[field].localeCompare(b[field]) || Number(a.id) - Number(b.id);
}
