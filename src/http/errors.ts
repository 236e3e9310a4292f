/**
 * The one error shape every route answers with:
 * `{ "error": { "code", "message", "field"? } }`.
 * Messages are written for the Jira admin: they say what to do, never carry a secret or a stack.
 */
export interface ErrorBody {
  error: { code: string; message: string; field?: string };
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  toBody(): ErrorBody {
    return {
      error: { code: this.code, message: this.message, ...(this.field ? { field: this.field } : {}) },
    };
  }
}

export const badRequest = (code: string, message: string, field?: string) =>
  new ApiError(400, code, message, field);
/** Prefer AuthenticationFailed (a reason for the log); this one is for the rare case without one. */
export const unauthorized = (message: string) => new ApiError(401, 'unauthorized', message);
export const forbidden = (code: string, message: string, field?: string) =>
  new ApiError(403, code, message, field);
export const notFound = (code: string, message: string, field?: string) =>
  new ApiError(404, code, message, field);

/**
 * Every authentication failure: one answer for the caller, whatever failed (nothing tells whether a
 * clientKey is installed); the reason code and the tenant, when known, are for the operator's log only.
 */
export class AuthenticationFailed extends ApiError {
  constructor(
    readonly reason: string,
    readonly tenantKey?: string,
  ) {
    super(401, 'unauthorized', 'Authentication failed.');
  }
}
