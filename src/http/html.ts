/**
 * Escaping for the HTML the app renders: the Configure page's values, the flag panel, error pages.
 * Pure string code, no Node or DOM API (the flag panel's renderer is bundled for the browser too).
 */

export const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** Rendered HTML, which an interpolation inserts as is. */
export class Html {
  constructor(readonly text: string) {}
}

/** A tagged template whose interpolations are escaped unless already rendered HTML. */
export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let out = strings[0]!;
  values.forEach((v, i) => {
    const part = v instanceof Html ? v.text : Array.isArray(v) ? v.map((x) => (x instanceof Html ? x.text : escapeHtml(String(x)))).join('') : escapeHtml(String(v ?? ''));
    out += part + strings[i + 1]!;
  });
  return new Html(out);
}
