/**
 * Why the app cannot act for a tenant right now. Typed, not an HTTP error: the worker decides from the
 * reason whether to wait (a Forge installation whose app system token has expired gets a fresh one with
 * the next call from Forge) or to stop (the tenant uninstalled), and the API maps it to its own answer.
 */
export type TenantUnavailableReason = 'not_installed' | 'token_expired';

export class TenantUnavailable extends Error {
  override readonly name = 'TenantUnavailable';

  constructor(
    readonly tenantKey: string,
    readonly reason: TenantUnavailableReason,
    message: string,
  ) {
    super(message);
  }
}
