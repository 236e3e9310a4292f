import { createRequire } from 'node:module';
import { Ajv, type ValidateFunction } from 'ajv';

const fullSchema = createRequire(import.meta.url)('@atlaskit/adf-schema/json-schema/v1/full.json') as Record<string, unknown>;

/**
 * ADF checks as Jira does them: every description and comment body must validate against Atlassian's own
 * JSON schema (draft-04; Ajv 8 compiles it once `$schema` is dropped, as it uses no draft-04-only keyword).
 * Jira Cloud also caps a rich-text field at 32,767 characters, counted on the stored JSON.
 */
export const MAX_RICH_TEXT_CHARS = 32_767;

let validator: ValidateFunction | undefined;

function compiled(): ValidateFunction {
  if (!validator) {
    const { $schema: _ignored, ...schema } = fullSchema;
    validator = new Ajv({ strict: false, allErrors: false }).compile(schema);
  }
  return validator;
}

/** Undefined when `doc` is a valid ADF document, else a short reason (for tests' assertion messages). */
export function adfProblem(doc: unknown): string | undefined {
  const validate = compiled();
  if (validate(doc)) {
    if (JSON.stringify(doc).length > MAX_RICH_TEXT_CHARS) return 'too long';
    return undefined;
  }
  const first = validate.errors?.[0];
  return first ? `${first.instancePath || '/'} ${first.message ?? 'is invalid'}` : 'invalid';
}

interface Node {
  type?: string;
  text?: string;
  attrs?: Record<string, unknown>;
  content?: Node[];
  marks?: { type?: string; attrs?: Record<string, unknown> }[];
}

const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

/** The plain text of an ADF document, blocks separated by newlines (for tests that read what a user reads). */
export function adfText(doc: unknown): string {
  const out: string[] = [];
  const walk = (n: Node | undefined, line: string[]): void => {
    if (!n || typeof n !== 'object') return;
    if (n.type === 'text') line.push(n.text ?? '');
    else if (n.type === 'hardBreak') line.push('\n');
    else if (n.type === 'mention' || n.type === 'emoji' || n.type === 'status' || n.type === 'date') line.push(String(n.attrs?.text ?? n.attrs?.shortName ?? n.attrs?.timestamp ?? ''));
    const isBlock = n.type !== 'text' && Array.isArray(n.content) && n.content.some((c) => c.type === 'text' || c.type === 'hardBreak');
    for (const c of n.content ?? []) {
      if (isBlock) walk(c, line);
      else {
        const inner: string[] = [];
        walk(c, inner);
        if (inner.length) out.push(inner.join(''));
      }
    }
  };
  const top: string[] = [];
  walk(doc as Node, top);
  if (top.length) out.push(top.join(''));
  return out.join('\n');
}

/** A small ADF-to-HTML rendering for the double's own page: enough to read what the app wrote. */
export function adfHtml(doc: unknown): string {
  return renderNode(doc as Node);
}

function renderChildren(n: Node): string {
  return (n.content ?? []).map(renderNode).join('');
}

function renderText(n: Node): string {
  let html = escapeHtml(n.text ?? '');
  for (const m of n.marks ?? []) {
    if (m.type === 'strong') html = `<strong>${html}</strong>`;
    else if (m.type === 'em') html = `<em>${html}</em>`;
    else if (m.type === 'code') html = `<code>${html}</code>`;
    else if (m.type === 'strike') html = `<s>${html}</s>`;
    else if (m.type === 'link') html = `<a href="${escapeHtml(String(m.attrs?.href ?? ''))}">${html}</a>`;
  }
  return html;
}

function renderNode(n: Node | undefined): string {
  if (!n || typeof n !== 'object') return '';
  const kids = renderChildren(n);
  switch (n.type) {
    case 'doc':
      return kids;
    case 'text':
      return renderText(n);
    case 'paragraph':
      return `<p>${kids}</p>`;
    case 'heading': {
      const level = Math.min(6, Math.max(1, Number(n.attrs?.level ?? 3)));
      return `<h${level}>${kids}</h${level}>`;
    }
    case 'bulletList':
      return `<ul>${kids}</ul>`;
    case 'orderedList':
      return `<ol>${kids}</ol>`;
    case 'listItem':
      return `<li>${kids}</li>`;
    case 'codeBlock':
      return `<pre><code>${kids}</code></pre>`;
    case 'blockquote':
      return `<blockquote>${kids}</blockquote>`;
    case 'panel':
      return `<div class="panel">${kids}</div>`;
    case 'rule':
      return '<hr>';
    case 'hardBreak':
      return '<br>';
    case 'table':
      return `<table>${kids}</table>`;
    case 'tableRow':
      return `<tr>${kids}</tr>`;
    case 'tableHeader':
      return `<th>${kids}</th>`;
    case 'tableCell':
      return `<td>${kids}</td>`;
    default:
      return kids || escapeHtml(String(n.attrs?.text ?? ''));
  }
}
