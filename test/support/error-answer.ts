/**
 * How the app answers an error, as a caller reads it: JSON `{ error: { code, message } }` on every route
 * but the two pages Jira frames, which get an HTML page showing the code (src/http/error-page.ts).
 */

/** The pages Jira shows in a frame: their errors are pages. */
export const isFramedPage = (path: string): boolean => /^\/(configure|panel\/flag)(\?|$)/.test(path);

/** The error an answer carries, and whether it came as a page; undefined when it carries none. */
export function errorOf(contentType: string | null | undefined, text: string): { code: string; message?: string; asPage: boolean } | undefined {
  if ((contentType ?? '').includes('text/html')) {
    const m = /Error code: ([a-z_]+) \(HTTP \d{3}\)/.exec(text);
    return m ? { code: m[1]!, asPage: true } : undefined;
  }
  try {
    const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
    if (typeof body.error?.code !== 'string') return undefined;
    return { code: body.error.code, ...(typeof body.error.message === 'string' ? { message: body.error.message } : {}), asPage: false };
  } catch {
    return undefined;
  }
}

/** The one refusal every route gives an unauthenticated caller, as the route at `path` gives it. */
export const refusedAt = (path: string) =>
  isFramedPage(path) ? { code: 'unauthorized', asPage: true } : { code: 'unauthorized', message: 'Authentication failed.', asPage: false };
