/**
 * Forge installations as tenants: the row per installation, and its newest app system token.
 *
 * App system tokens are opaque, live a few hours and cannot be refreshed on request: Forge sends one on
 * every remote call (lifecycle, the hourly heartbeat, each Configure page call). The newest one is kept
 * sealed; "newest" is decided by when Forge issued the invocation that brought it, so a slow, older call
 * never replaces a fresher token. When Jira refuses the stored token, the installation's Jira work waits
 * (TenantUnavailable 'token_expired') until a call brings another.
 */
import { createHash } from 'node:crypto';
import type { Db } from '../db/database.js';
import { ForgeInstallationStore, type InstallationFacts } from '../db/forge-installations.js';
import type { ForgeInstallationRow, Models } from '../db/models.js';
import { TenantUnavailable } from '../tenancy/errors.js';
import { SealedValueError } from '../secrets/sealed.js';

/** What seals the token at rest (secrets/sealed.ts), bound to the installation id. */
export interface TokenSealer {
  seal(plaintext: string, boundTo: string): string;
  open(sealed: string, boundTo: string): string;
}

export interface SystemToken {
  token: string;
  /** The FIT iat of the call that brought it (seconds). */
  issuedAt: number;
}

/** Tokens already stored by this process, by installation: a repeat costs no database write. */
const REMEMBERED = 10_000;
const digest = (token: string) => createHash('sha256').update(token).digest('base64url');

export class ForgeInstallations {
  private readonly stored = new Map<string, { digest: string; issuedAt: number }>();
  private readonly rows: ForgeInstallationStore;

  /** Called when a token replaces one Jira had refused: the installation's waiting work may go on. */
  onRenewed: ((installationId: string) => void) | undefined;

  constructor(
    db: Db,
    models: Models,
    private readonly sealer: TokenSealer,
  ) {
    this.rows = new ForgeInstallationStore(db, models);
  }

  /** A live installation (not being uninstalled), or null. */
  async find(installationId: string): Promise<ForgeInstallationRow | null> {
    const row = await this.rows.byId(installationId);
    return row && !row.uninstallingAt ? row : null;
  }

  /**
   * Lifecycle or heartbeat: the installation exists (a reinstall arrives with a new id). It also gets the
   * per-tenant row every tenant has (sites: enabled), which the worker's queue and the health read; Forge
   * has no enable/disable, so it stays enabled until the uninstall. False once its uninstall has begun.
   */
  record(facts: InstallationFacts): Promise<boolean> {
    return this.rows.record(facts);
  }

  /**
   * A remote call brought `token`: store it unless the stored one came with a later invocation.
   * Returns whether it is now the stored token.
   *
   * `fromUser`: a call from a page (the Configure page, the flag panel), whose headers pass through the
   * user's browser: its token replaces none that Jira still takes, only a refused, unreadable or missing
   * one. Forge's own calls (lifecycle, the hourly heartbeat) always bring theirs.
   */
  async offerSystemToken(installationId: string, token: string, issuedAt: number, fromUser = false): Promise<boolean> {
    const d = digest(token);
    const known = this.stored.get(installationId);
    if (known && (known.digest === d || known.issuedAt > issuedAt)) return known.digest === d;
    const row = await this.find(installationId);
    if (!row) return false;
    const current = this.readToken(row);
    if (current && current.token === token) {
      this.remember(installationId, d, current.issuedAt);
      return true;
    }
    if (current && current.issuedAt > issuedAt) return false;
    if (fromUser && current && !row.systemTokenRefusedAt) return false;
    // A page's token replaces only the token read here (refused, unreadable or none), not one stored since.
    const changed = await this.rows.storeToken(installationId, this.sealer.seal(token, installationId), issuedAt, fromUser ? row.systemTokenSealed : undefined);
    if (changed) {
      this.remember(installationId, d, issuedAt);
      // Work may be waiting for a token: Jira refused the last one, or the stored one could not be opened.
      if (row.systemTokenRefusedAt || (row.systemTokenSealed && !current)) this.onRenewed?.(installationId);
    }
    return changed;
  }

  /** The token to call Jira with now; TenantUnavailable when there is none Jira still takes. */
  async systemToken(installationId: string): Promise<SystemToken> {
    const row = await this.find(installationId);
    if (!row) throw new TenantUnavailable(installationId, 'not_installed', 'The app is not installed on this Jira site (Forge).');
    const token = this.readToken(row);
    if (!token || row.systemTokenRefusedAt) {
      throw new TenantUnavailable(
        installationId,
        'token_expired',
        "The app holds no access token for this site that Jira still takes; work waits for the fresh one Forge sends within the hour.",
      );
    }
    return token;
  }

  /** Jira answered 401 to the token issued at `issuedAt`; a newer token stored meanwhile is left alone. */
  async markRefused(installationId: string, issuedAt: number): Promise<void> {
    this.stored.delete(installationId);
    await this.rows.markRefused(installationId, issuedAt);
  }

  /**
   * Pre-uninstall, first step: from now on the installation is unknown to every reader, and the worker
   * takes none of its work. False if it never was known.
   */
  async beginUninstall(installationId: string): Promise<boolean> {
    this.stored.delete(installationId);
    return this.rows.beginUninstall(installationId);
  }

  /** Installations whose purge was started and has not finished (e.g. the process stopped in between). */
  uninstallsPending(): Promise<string[]> {
    return this.rows.uninstallsPending();
  }

  /**
   * The stored token, or null when there is none, or none this process can open (sealed under another
   * APP_SECRET_KEY, or damaged): unlike a Connect shared secret, a token is not needed from the past, as
   * Forge brings a fresh one with its next call, which then replaces it. Until then the work waits.
   */
  private readToken(row: ForgeInstallationRow): SystemToken | null {
    if (!row.systemTokenSealed || row.systemTokenIssuedAt === null) return null;
    let token: string;
    try {
      token = this.sealer.open(row.systemTokenSealed, row.installationId);
    } catch (err) {
      if (!(err instanceof SealedValueError)) throw err;
      // This process may remember having stored the very token the next call brings: it must be stored again.
      this.stored.delete(row.installationId);
      return null;
    }
    return { token, issuedAt: Number(row.systemTokenIssuedAt) };
  }

  private remember(installationId: string, d: string, issuedAt: number): void {
    if (!this.stored.has(installationId) && this.stored.size >= REMEMBERED) this.stored.delete(this.stored.keys().next().value!);
    this.stored.set(installationId, { digest: d, issuedAt });
  }
}
