/**
 * The last middleware: turns every error into `{ error: { code, message, field? } }` with a fitting
 * status (for a page Jira frames, error-page.ts's HTML document instead). Unknown errors are logged
 * (with their stack, server-side only) and answered with a generic 500.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ErrorRequestHandler, Request, RequestHandler, Response } from 'express';
import { ApiError, AuthenticationFailed } from './errors.js';
import { aceRefusalReason } from '../connect/ace-log.js';
import { hasRequestTenant, requestTenant } from '../tenancy/request-context.js';
import { TenantUnavailable } from '../tenancy/errors.js';
import { isDatabaseUnavailable } from '../db/unavailable.js';
import { TENANT_STORE_UNAVAILABLE } from '../db/tenant-store.js';
import type { Logger } from '../log.js';
import { sendJson } from './send-json.js';
import { ERROR_PAGE_POLICY, errorPage, isPageRequest } from './error-page.js';

/** ACE hands authentication failures to `next` as plain `{ code, message }` objects. */
function isAceError(err: unknown): err is { code: number; message: string } {
  return (
    typeof err === 'object' &&
    err !== null &&
    !(err instanceof Error) &&
    typeof (err as { code?: unknown }).code === 'number' &&
    typeof (err as { message?: unknown }).message === 'string'
  );
}

/** body-parser's errors carry `type` and `status`. */
function bodyParserError(err: unknown): ApiError | undefined {
  const type = (err as { type?: unknown })?.type;
  if (type === 'entity.too.large') return new ApiError(413, 'payload_too_large', 'The request body is too large.');
  if (type === 'entity.parse.failed') return new ApiError(400, 'invalid_json', 'The request body is not valid JSON.');
  if (type === 'encoding.unsupported' || type === 'charset.unsupported')
    return new ApiError(415, 'unsupported_encoding', 'The request body encoding is not supported.');
  // Any other client-side reading failure (a body declared gzip that is not, a truncated body).
  const status = (err as { status?: unknown })?.status;
  if ((err as { expose?: unknown })?.expose === true && typeof status === 'number' && status >= 400 && status < 500) {
    return new ApiError(status, 'invalid_body', 'The request body could not be read; check its Content-Encoding and Content-Length.');
  }
  return undefined;
}

/** Express could not percent-decode a path parameter (e.g. `/api/associations/%zz`). */
function pathDecodeError(err: unknown): ApiError | undefined {
  if (err instanceof URIError && (err as { status?: unknown }).status === 400) {
    return new ApiError(400, 'invalid_path', 'The request path is not valid percent-encoding.');
  }
  return undefined;
}

const databaseUnavailable = () =>
  new ApiError(503, 'database_unavailable', 'The app cannot reach its database right now; nothing was changed. Try again shortly.');

export function toApiError(err: unknown): ApiError | undefined {
  if (err instanceof ApiError) return err;
  if (err instanceof TenantUnavailable) {
    // The caller's tenant uninstalled since its token was issued, or its credentials must be renewed first.
    return err.reason === 'not_installed'
      ? new AuthenticationFailed('tenant_not_installed', err.tenantKey)
      : new ApiError(503, 'tenant_unavailable', 'The app cannot reach your Jira site right now; try again shortly.');
  }
  if (isAceError(err)) {
    // ACE answers a bad signature with 400 ("unable to decode"); for the caller it is an authentication failure.
    if (err.code === 400 || err.code === 401 || err.code === 403 || err.code === 404) {
      return new AuthenticationFailed(aceRefusalReason(err.message));
    }
    return err.message.includes(TENANT_STORE_UNAVAILABLE) ? databaseUnavailable() : undefined;
  }
  if (isDatabaseUnavailable(err)) return databaseUnavailable();
  return pathDecodeError(err) ?? bodyParserError(err);
}

/** How long a caller of a 503 should wait before trying again (the forwarder honours it). */
const RETRY_AFTER_SECONDS = '5';

/** The operator's line for a refused request: route, status, reason, tenant when known. Never a body or a token's claims. */
function logRefusal(log: Logger, apiError: ApiError, route: string, tenantKey: string | undefined): void {
  const fields = {
    route,
    status: apiError.status,
    code: apiError.code,
    ...(apiError instanceof AuthenticationFailed ? { reason: apiError.reason } : {}),
    ...(tenantKey ? { tenantKey } : {}),
  };
  if (apiError.status >= 500) log.warn(fields, apiError.message);
  else log.info(fields, 'request refused');
}

const internalError = () => new ApiError(500, 'internal_error', 'Something went wrong on our side; please try again.');

/** A page's error as a page Jira shows in its frame; any other route's as JSON. */
function answer(req: Request, res: Response, apiError: ApiError): void {
  res.status(apiError.status);
  if (isPageRequest(req)) res.set('Cache-Control', 'no-store').set('Content-Security-Policy', ERROR_PAGE_POLICY).type('html').send(errorPage(apiError));
  else res.json(apiError.toBody());
}

export function errorHandler(log: Logger): ErrorRequestHandler {
  return (err, req, res, next) => {
    // Already answered (e.g. by the answer deadline): Express's own handler closes the connection.
    if (res.headersSent) {
      log.warn({ err, path: req.path }, 'error after the answer was sent');
      next(err);
      return;
    }
    const apiError = toApiError(err);
    if (apiError) {
      const route = `${req.method} ${req.baseUrl}${typeof req.route?.path === 'string' ? req.route.path : req.path}`;
      const tenantKey = apiError instanceof AuthenticationFailed ? apiError.tenantKey : hasRequestTenant(req) ? requestTenant(req).tenantKey : undefined;
      logRefusal(log, apiError, route, tenantKey);
      if (apiError.status === 503) res.set('Retry-After', RETRY_AFTER_SECONDS);
      answer(req, res, apiError);
      return;
    }
    log.error({ err, path: req.path }, 'unexpected error');
    answer(req, res, internalError());
  };
}

/**
 * errorHandler for a route answered with node:http alone (the events door): the same status, body,
 * Retry-After and log line. `route` is the route's pattern, e.g. "POST /api/associations/:id/events".
 */
export function sendError(log: Logger, err: unknown, req: IncomingMessage, res: ServerResponse, route: string): void {
  const path = (req.url ?? '').split('?')[0];
  if (res.headersSent) {
    log.warn({ err, path }, 'error after the answer was sent');
    res.destroy();
    return;
  }
  const apiError = toApiError(err);
  if (apiError) {
    logRefusal(log, apiError, route, apiError instanceof AuthenticationFailed ? apiError.tenantKey : undefined);
    sendJson(res, apiError.status, apiError.toBody(), apiError.status === 503 ? { 'Retry-After': RETRY_AFTER_SECONDS } : undefined);
    return;
  }
  log.error({ err, path }, 'unexpected error');
  sendJson(res, 500, internalError().toBody());
}

export const notFoundHandler: RequestHandler = (req, res) => {
  res.status(404).json(new ApiError(404, 'not_found', `No such route: ${req.method} ${req.path}`).toBody());
};
