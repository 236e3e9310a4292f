/**
 * The small part of the Atlassian Document Format (Jira REST v3 descriptions and comments) this app
 * writes, with builders that can only produce valid nodes: text is cleaned and never empty (ADF forbids
 * empty text nodes), lists and tables are never empty, line breaks become hardBreak nodes.
 */

export type AdfMark = { type: 'code' } | { type: 'strong' } | { type: 'em' };
export interface AdfText {
  type: 'text';
  text: string;
  marks?: AdfMark[];
}
export interface AdfHardBreak {
  type: 'hardBreak';
}
export interface AdfStatus {
  type: 'status';
  attrs: { text: string; color: 'neutral' | 'purple' | 'blue' | 'red' | 'yellow' | 'green' };
}
export type AdfInline = AdfText | AdfHardBreak | AdfStatus;

export interface AdfParagraph {
  type: 'paragraph';
  content?: AdfInline[];
}
export interface AdfHeading {
  type: 'heading';
  attrs: { level: 1 | 2 | 3 | 4 | 5 | 6 };
  content?: AdfInline[];
}
export interface AdfListItem {
  type: 'listItem';
  content: [AdfParagraph, ...(AdfParagraph | AdfBulletList)[]];
}
export interface AdfBulletList {
  type: 'bulletList';
  content: [AdfListItem, ...AdfListItem[]];
}
export interface AdfTableCell {
  type: 'tableCell' | 'tableHeader';
  content: [AdfParagraph, ...AdfParagraph[]];
}
export interface AdfTableRow {
  type: 'tableRow';
  content: AdfTableCell[];
}
export interface AdfTable {
  type: 'table';
  attrs?: { layout?: 'default' | 'wide' | 'full-width'; isNumberColumnEnabled?: boolean };
  content: [AdfTableRow, ...AdfTableRow[]];
}
export interface AdfRule {
  type: 'rule';
}
export type AdfBlock = AdfParagraph | AdfHeading | AdfBulletList | AdfTable | AdfRule;

export interface AdfDoc {
  version: 1;
  type: 'doc';
  content: AdfBlock[];
}

/** Inline content as the renderers write it: strings become plain text, nodes pass through. */
export type Inline = string | AdfInline | Inline[];

// Lone surrogates cannot be encoded as UTF-8 by Jira; C0 controls other than tab/newline are rejected or shown as junk.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g;

/** Anything cleanText or text would change or split: most texts have none and are used as they are. */
// eslint-disable-next-line no-control-regex
const NEEDS_WORK = /[\u0000-\u001F\u007F\uD800-\uDFFF]/;

/** Text safe to put in a text node (newlines are kept; `inlineText` turns them into hardBreaks). */
export function cleanText(text: string): string {
  if (!NEEDS_WORK.test(text)) return text;
  return text.replace(LONE_SURROGATE, '\uFFFD').replace(CONTROL, '\uFFFD').replace(/\r\n?/g, '\n');
}

function textNode(line: string, marks: readonly AdfMark['type'][]): AdfInline {
  return marks.length > 0 ? { type: 'text', text: line, marks: marks.map((type) => ({ type })) } : { type: 'text', text: line };
}

/** Appends the text nodes of `value` (none for an empty string; newlines become hardBreaks) to `out`. */
function pushText(out: AdfInline[], value: string, marks: readonly AdfMark['type'][]): void {
  if (!NEEDS_WORK.test(value)) {
    if (value !== '') out.push(textNode(value, marks));
    return;
  }
  const lines = cleanText(value).split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (i > 0) out.push({ type: 'hardBreak' });
    const line = lines[i]!;
    if (line !== '') out.push(textNode(line, marks));
  }
}

function marked(value: string, marks: readonly AdfMark['type'][]): AdfInline[] {
  const out: AdfInline[] = [];
  pushText(out, value, marks);
  return out;
}

/** Text nodes for `text` with `marks`; none at all for an empty string. Newlines become hardBreaks. */
export function text(value: string, ...marks: AdfMark['type'][]): AdfInline[] {
  return marked(value, marks);
}

const CODE: readonly AdfMark['type'][] = ['code'];
const STRONG: readonly AdfMark['type'][] = ['strong'];
const EM: readonly AdfMark['type'][] = ['em'];
export const code = (value: string): AdfInline[] => marked(value, CODE);
export const strong = (value: string): AdfInline[] => marked(value, STRONG);
export const em = (value: string): AdfInline[] => marked(value, EM);

export function status(label: string, color: AdfStatus['attrs']['color']): AdfStatus {
  return { type: 'status', attrs: { text: label.trim() === '' ? '?' : label, color } };
}

const NO_MARKS: readonly AdfMark['type'][] = [];

/** Appends `part`, flattened, to `out` (one array for the whole content, no intermediate ones). */
function pushInline(out: AdfInline[], part: Inline): void {
  if (typeof part === 'string') pushText(out, part, NO_MARKS);
  else if (Array.isArray(part)) for (const p of part) pushInline(out, p);
  else out.push(part);
}

/** Flattens mixed inline content, merging nothing: each string becomes its own (non-empty) text node. */
export function inline(...parts: Inline[]): AdfInline[] {
  const out: AdfInline[] = [];
  for (const part of parts) pushInline(out, part);
  return out;
}

export function paragraph(...parts: Inline[]): AdfParagraph {
  const content = inline(...parts);
  return content.length > 0 ? { type: 'paragraph', content } : { type: 'paragraph' };
}

export function heading(level: 1 | 2 | 3 | 4 | 5 | 6, ...parts: Inline[]): AdfHeading {
  const content = inline(...parts);
  return content.length > 0 ? { type: 'heading', attrs: { level }, content } : { type: 'heading', attrs: { level } };
}

export function listItem(first: Inline, ...nested: AdfBulletList[]): AdfListItem {
  return { type: 'listItem', content: [paragraph(first), ...nested] };
}

/** A bullet list, or undefined when there is nothing to list (ADF lists must have an item). */
export function bulletList(items: AdfListItem[]): AdfBulletList | undefined {
  const [first, ...rest] = items;
  return first ? { type: 'bulletList', content: [first, ...rest] } : undefined;
}

const EMPTY_CELL = '—';

function cell(type: 'tableCell' | 'tableHeader', content: Inline): AdfTableCell {
  const p = paragraph(content);
  return { type, content: [p.content ? p : paragraph(EMPTY_CELL)] };
}

/** A table with a header row; empty cells show a dash so the table never looks broken. */
export function table(header: string[], rows: Inline[][]): AdfTable {
  const head: AdfTableRow = { type: 'tableRow', content: header.map((h) => cell('tableHeader', h)) };
  const body: AdfTableRow[] = rows.map((r) => ({ type: 'tableRow', content: r.map((c) => cell('tableCell', c)) }));
  return { type: 'table', attrs: { layout: 'default', isNumberColumnEnabled: false }, content: [head, ...body] };
}

/** A two-column table of label/value facts, labels in header cells. */
export function factTable(rows: [string, Inline][]): AdfTable | undefined {
  const [first, ...rest] = rows.map(([label, value]): AdfTableRow => ({
    type: 'tableRow',
    content: [cell('tableHeader', label), cell('tableCell', value)],
  }));
  return first ? { type: 'table', attrs: { layout: 'default', isNumberColumnEnabled: false }, content: [first, ...rest] } : undefined;
}

export function doc(...blocks: (AdfBlock | undefined)[]): AdfDoc {
  const content = blocks.filter((b): b is AdfBlock => b !== undefined);
  return { version: 1, type: 'doc', content: content.length > 0 ? content : [paragraph(' ')] };
}

/** The plain text of a document (for tests, logs and size checks): one line per block, `| a | b |` rows. */
export function plainText(node: unknown): string {
  if (Array.isArray(node)) return node.map(plainText).join('');
  if (typeof node !== 'object' || node === null) return '';
  const n = node as { type?: string; text?: string; content?: unknown[]; attrs?: { text?: string } };
  const inner = (): string => plainText(n.content ?? []);
  switch (n.type) {
    case 'text':
      return n.text ?? '';
    case 'hardBreak':
      return '\n';
    case 'status':
      return n.attrs?.text ?? '';
    case 'paragraph':
    case 'heading':
      return `${inner()}\n`;
    case 'rule':
      return '---\n';
    case 'listItem':
      return `- ${inner()}`;
    case 'tableRow':
      return `| ${(n.content ?? []).map((c) => plainText(c).trim()).join(' | ')} |\n`;
    default:
      return inner();
  }
}
