/**
 * The answer to a refused or failed request for one of the app's pages (the Configure page, the flag
 * panel): a short HTML document that Jira shows in the page's frame, saying what happened and what to
 * do, with the same status the API would give. An API route keeps its JSON error.
 */
import type { Request, RequestHandler } from 'express';
import type { ApiError } from './errors.js';
import { html } from './html.js';
import { framedPage, HOST_SCRIPT_URL, PAGE_FRAME_ANCESTORS } from './page-frame.js';

// Kept beside the request, not in res.locals: ACE replaces res.locals with a copy while it authenticates.
const pageRequests = new WeakSet<Request>();

/** Marks the request as one for a page: an error is answered by errorPage. Mount before authentication. */
export const answeredAsPage: RequestHandler = (req, _res, next) => {
  pageRequests.add(req);
  next();
};

export const isPageRequest = (req: Request): boolean => pageRequests.has(req);

export const ERROR_PAGE_POLICY = [
  "default-src 'none'",
  `script-src ${new URL(HOST_SCRIPT_URL).origin}`,
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  PAGE_FRAME_ANCESTORS,
].join('; ');

function wording(error: ApiError): { title: string; advice: string } {
  if (error.status === 401) {
    return {
      title: 'This page could not confirm who you are',
      advice:
        'Jira signs each page it opens for a few minutes only, and this one was opened without a valid signature or after it ran out. ' +
        'Reload the page from Jira. If it still fails, a Jira site administrator may need to install the app again.',
    };
  }
  if (error.status === 403) return { title: 'You cannot open this page', advice: error.message };
  if (error.status === 503 || error.status === 502) return { title: 'The app cannot show this page right now', advice: `${error.message} Reload the page in a minute.` };
  if (error.status >= 500) return { title: 'Something went wrong', advice: 'The app could not show this page. Reload it; if it keeps failing, tell the app\'s operator the time it happened.' };
  return { title: 'This page could not be shown', advice: error.message };
}

/** The whole HTML document of an error page for `error` (its message is shown, escaped; its code is for support). */
export function errorPage(error: ApiError): string {
  const { title, advice } = wording(error);
  return framedPage({
    title,
    body: html`  <div class="aui-message aui-message-error" role="alert">
    <p class="title"><strong>${title}</strong></p>
    <p>${advice}</p>
    <p class="cfg-muted">Error code: ${error.code} (HTTP ${error.status})</p>
  </div>`,
  });
}
