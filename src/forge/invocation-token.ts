/**
 * Verification of Forge Invocation Tokens (FITs): the RS256 JWT Forge puts in `Authorization: Bearer`
 * on every call to this backend. A FIT is the only source of a Forge caller's identity: the
 * installation, its Jira API base URL and, on UI calls, the user.
 */
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';

export const FIT_ISSUER = 'forge/invocation-token';
const APP_ARI_PREFIX = 'ari:cloud:ecosystem::app/';
const INSTALLATION_ARI = /^ari:cloud:ecosystem::installation\/[A-Za-z0-9._-]{1,128}$/;
/** Atlassian's API gateway: the only Jira base a production backend accepts from a FIT. */
const PRODUCTION_API_ORIGIN = 'https://api.atlassian.com';

export interface ForgeInvocation {
  /** app.installationId: the tenant key of a Forge installation (a reinstall gets a new one). */
  installationId: string;
  /** app.apiBaseUrl: Jira for this installation, e.g. https://api.atlassian.com/ex/jira/<cloudId>. */
  apiBaseUrl: string;
  /** The user of a UI call (claim `principal`); absent on lifecycle, scheduled and uninstall calls. */
  accountId: string | undefined;
  cloudId: string | undefined;
  /** The manifest module Forge invoked for (claim `app.module.key`): a UI module, a trigger, the uninstall hook. */
  moduleKey: string | undefined;
  /** When Forge issued this invocation (seconds): orders the app system tokens calls bring. */
  issuedAt: number;
}

export class InvalidInvocationToken extends Error {
  override readonly name = 'InvalidInvocationToken';
}

/** Forge's key set could not be fetched: the token may be fine, this backend cannot tell right now. */
export class ForgeKeysUnavailable extends Error {
  override readonly name = 'ForgeKeysUnavailable';
}

export interface FitVerifierOptions {
  /** The app's UUID (config's parsed FORGE_APP_ID); the FIT's audience is its ARI. */
  appId: string;
  jwksUrl: string;
  /** Production accepts only Jira base URLs on Atlassian's API gateway. */
  production: boolean;
  /** Least time between two fetches of the key set for an unknown kid (jose's default is 30 s). */
  jwksCooldownMs?: number;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

function jiraBaseOf(value: unknown, production: boolean): string {
  const raw = str(value);
  let url: URL | undefined;
  try {
    url = raw ? new URL(raw) : undefined;
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:') || url.search || url.hash || url.username) {
    throw new InvalidInvocationToken('the invocation token has no usable app.apiBaseUrl');
  }
  if (production && (url.origin !== PRODUCTION_API_ORIGIN || !url.pathname.startsWith('/ex/jira/'))) {
    throw new InvalidInvocationToken(`the invocation token's app.apiBaseUrl is not on ${PRODUCTION_API_ORIGIN}`);
  }
  return url.toString().replace(/\/+$/, '');
}

/**
 * One verifier per process: the key set is fetched once, cached, and fetched again when a FIT names a
 * kid it does not hold (Forge rotating its keys), at most once per cooldown.
 */
export function createFitVerifier(opts: FitVerifierOptions): (token: string) => Promise<ForgeInvocation> {
  const appAri = APP_ARI_PREFIX + opts.appId;
  const keySet = createRemoteJWKSet(new URL(opts.jwksUrl), {
    cooldownDuration: opts.jwksCooldownMs ?? 30_000,
    timeoutDuration: 5_000,
  });

  return async function verifyInvocation(token: string): Promise<ForgeInvocation> {
    let claims: JWTPayload;
    try {
      ({ payload: claims } = await jwtVerify(token, keySet, {
        algorithms: ['RS256'],
        issuer: FIT_ISSUER,
        audience: appAri,
        requiredClaims: ['exp', 'iat'],
        clockTolerance: 5,
      }));
    } catch (err) {
      if (keysUnavailable(err)) throw new ForgeKeysUnavailable("Forge's key set could not be fetched to verify the invocation token");
      throw new InvalidInvocationToken(reasonOf(err));
    }
    const app = (claims.app ?? {}) as Record<string, unknown>;
    const installationId = str(app.installationId);
    if (!installationId || !INSTALLATION_ARI.test(installationId)) {
      throw new InvalidInvocationToken('the invocation token names no app.installationId');
    }
    if (app.id !== undefined && app.id !== appAri) throw new InvalidInvocationToken('the invocation token is for another app');
    const context = (claims.context ?? {}) as Record<string, unknown>;
    const module = (app.module ?? {}) as Record<string, unknown>;
    return {
      installationId,
      apiBaseUrl: jiraBaseOf(app.apiBaseUrl, opts.production),
      accountId: str(claims.principal),
      cloudId: str(context.cloudId),
      moduleKey: str(module.key),
      issuedAt: claims.iat!,
    };
  };
}

/** A reason fit for a 401 message and a log line: what was wrong, never the token itself. */
function reasonOf(err: unknown): string {
  if (err instanceof joseErrors.JWTExpired) return 'the invocation token has expired';
  if (err instanceof joseErrors.JWTClaimValidationFailed) return `the invocation token's ${err.claim} claim is not valid for this app`;
  if (err instanceof joseErrors.JOSEAlgNotAllowed) return 'the invocation token is not signed with RS256';
  if (err instanceof joseErrors.JWKSNoMatchingKey) return "the invocation token's signing key is not in Forge's key set";
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) return "the invocation token's signature does not verify";
  return 'the invocation token is malformed';
}

function keysUnavailable(err: unknown): boolean {
  if (err instanceof joseErrors.JWKSTimeout || err instanceof joseErrors.JWKSInvalid) return true;
  // A refused connection or a non-200 answer from the key set URL.
  return !(err instanceof joseErrors.JOSEError) || err.code === 'ERR_JOSE_GENERIC';
}
