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
  /** The token as stored (sealed): names exactly this token when Jira refuses it. */
  sealed: string;
}

/**
 * Tokens already stored by this process, by installation: a repeat costs no database write. Trusted
 * for REMEMBER_MS only, so a refusal another process marked is seen by the next call after that.
 */
const REMEMBERED = 10_000;
const REMEMBER_MS = 5 * 60_000;
/** How long a page's token is kept in memory to take over from a stored token Jira then refuses. */
const STANDBY_MS = 10 * 60_000;
const digest = (token: string) => createHash('sha256').update(token).digest('base64url');

export class ForgeInstallations {
  private readonly stored = new Map<string, { digest: string; issuedAt: number; at: number }>();
  /** A page's token not stored (the stored one was still taken), by installation: see markRefused. */
  private readonly standby = new Map<string, { token: string; issuedAt: number; at: number }>();
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
    if (known && Date.now() - known.at < REMEMBER_MS && (known.digest === d || known.issuedAt > issuedAt)) return known.digest === d;
    const row = await this.find(installationId);
    if (!row) return false;
    const current = this.readToken(row);
    if (current && current.token === token) {
      // Forge sends again the very token Jira refused: it still holds it valid (the refusal may have been
      // a passing one). It is tried again, once more per such call at most.
      if (row.systemTokenRefusedAt) {
        if (fromUser || !(await this.rows.clearRefusal(installationId, current.sealed))) return true;
        this.onRenewed?.(installationId);
      }
      this.remember(installationId, d, current.issuedAt);
      return true;
    }
    if (current && current.issuedAt > issuedAt) return false;
    if (fromUser && current && !row.systemTokenRefusedAt) {
      this.keepStandby(installationId, token, issuedAt);
      return false;
    }
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

  /**
   * Jira answered 401 to `refused` (as systemToken gave it); a token stored meanwhile is left alone. A
   * page's token kept on standby, newer than the refused one, then takes its place (a page's token may
   * replace a refused one), so the call that met the refusal goes on with it.
   */
  async markRefused(installationId: string, refused: SystemToken): Promise<void> {
    this.stored.delete(installationId);
    await this.rows.markRefused(installationId, refused.sealed);
    const standby = this.standby.get(installationId);
    this.standby.delete(installationId);
    if (standby && Date.now() - standby.at < STANDBY_MS && standby.issuedAt >= refused.issuedAt && standby.token !== refused.token) {
      await this.offerSystemToken(installationId, standby.token, standby.issuedAt, true);
    }
  }

  /**
   * Pre-uninstall, first step: from now on the installation is unknown to every reader, and the worker
   * takes none of its work. False if it never was known.
   */
  async beginUninstall(installationId: string): Promise<boolean> {
    this.stored.delete(installationId);
    this.standby.delete(installationId);
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
    return { token, issuedAt: Number(row.systemTokenIssuedAt), sealed: row.systemTokenSealed };
  }

  private remember(installationId: string, d: string, issuedAt: number): void {
    setBounded(this.stored, installationId, { digest: d, issuedAt, at: Date.now() });
  }

  private keepStandby(installationId: string, token: string, issuedAt: number): void {
    const kept = this.standby.get(installationId);
    if (kept && kept.issuedAt > issuedAt) return;
    setBounded(this.standby, installationId, { token, issuedAt, at: Date.now() });
  }
}

/** Sets `key`, first dropping the oldest entry when a new key would take the map past REMEMBERED. */
function setBounded<V>(map: Map<string, V>, key: string, value: V): void {
  if (!map.has(key) && map.size >= REMEMBERED) map.delete(map.keys().next().value!);
  map.set(key, value);
}
