/**
 * A stand-in for the Forge platform as a Forge Remote backend meets it, on 127.0.0.1:
 * - its own RSA key set, served as a JWKS (the app is pointed at it with FORGE_JWKS_URL), with key
 *   rotation and a count of fetches;
 * - Forge Invocation Tokens (FITs) signed with the claims Forge puts in them, and every bad variant a
 *   backend must refuse;
 * - opaque app system and app user tokens, granted on the Jira double of the installation's site, so the
 *   Jira double accepts them as Bearer under /ex/jira/<cloudId> until they expire;
 * - the calls Forge makes to the remote: lifecycle trigger, hourly scheduled trigger, preUninstall, and
 *   invokeRemote from the Custom UI page, each with the headers Forge adds.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type JWK, type CryptoKey } from 'jose';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { projectRoot } from '../../../src/paths.js';
import type { JiraDouble } from '../jira/index.js';

export const FIT_ISSUER = 'forge/invocation-token';
const APP_ARI = (uuid: string) => `ari:cloud:ecosystem::app/${uuid}`;

/** System tokens arrive with hours left (at most 4 h in all). */
export const SYSTEM_TOKEN_TTL_MS = 3 * 60 * 60 * 1000;
const USER_TOKEN_TTL_MS = 15 * 60 * 1000;
const FIT_TTL_SECONDS = 60;
/** Forge gives up on a Custom UI's invokeRemote after 25 s and hands the page an error instead. */
export const INVOKE_REMOTE_TIMEOUT_MS = 25_000;

export type BadFit =
  | 'wrong-key' // signed by another key, naming a kid the key set has
  | 'unknown-kid' // signed by a key the key set never had
  | 'wrong-aud' // another app's audience
  | 'wrong-iss'
  | 'expired'
  | 'alg-none' // unsigned
  | 'hs256' // HMAC "signed" with the key set's public key as the secret (algorithm confusion)
  | 'no-installation-id'
  | 'no-exp';

export const BAD_FITS: readonly BadFit[] = ['wrong-key', 'unknown-kid', 'wrong-aud', 'wrong-iss', 'expired', 'alg-none', 'hs256', 'no-installation-id', 'no-exp'];

export interface ForgeInstallation {
  installationId: string;
  cloudId: string;
  apiBaseUrl: string;
  environmentId: string;
  jira: JiraDouble;
  /** The system token Forge currently sends on remote calls of this installation. */
  systemToken: string;
  /** Every system token issued for this installation, oldest first. */
  systemTokens: string[];
}

export interface FitOptions {
  /** UI calls: the user (claim `principal`) and the module that called. */
  principal?: string;
  module?: { type: string; key: string };
  /** Seconds relative to now for iat (negative: in the past). */
  issuedAtOffset?: number;
  bad?: BadFit;
  /** Claims merged over the FIT's (e.g. a spoofed apiBaseUrl). */
  claims?: Record<string, unknown>;
}

export interface RemoteCallOptions extends FitOptions {
  /** The x-forge-oauth-system header: default the installation's current token; null sends none. */
  systemToken?: string | null;
  /** A raw Authorization header instead of a FIT. */
  authorization?: string | null;
}

export interface RemoteAnswer {
  status: number;
  /** The backend's response headers (lower-case names), which invokeRemote hands the page too. */
  headers: Record<string, string>;
  json: unknown;
  text: string;
  ms: number;
}

export interface ForgeDouble {
  /** The app's UUID (FORGE_APP_ID). */
  readonly appId: string;
  readonly jwksUrl: string;
  /** The kid new FITs are signed with. */
  readonly kid: string;
  /** How often the key set has been fetched. */
  readonly jwksFetches: number;
  /** Adds a new signing key to the key set and signs with it from now on; returns its kid. */
  rotateKey(): Promise<string>;
  /** A new installation of the app on the Jira double's site (no call yet); a reinstall is a new installation. */
  install(jira: JiraDouble): ForgeInstallation;
  issueSystemToken(inst: ForgeInstallation, ttlMs?: number): string;
  issueUserToken(inst: ForgeInstallation, accountId: string, ttlMs?: number): string;
  /** Makes every system token of the installation expire now (as hours passing would). */
  expireSystemTokens(inst: ForgeInstallation): void;
  fit(inst: ForgeInstallation, opts?: FitOptions): Promise<string>;
  lifecycle(appUrl: string, inst: ForgeInstallation, event: 'installed' | 'upgraded', opts?: RemoteCallOptions): Promise<RemoteAnswer>;
  /** The hourly scheduled trigger: brings a fresh system token. */
  heartbeat(appUrl: string, inst: ForgeInstallation, opts?: RemoteCallOptions): Promise<RemoteAnswer>;
  preUninstall(appUrl: string, inst: ForgeInstallation, opts?: RemoteCallOptions): Promise<RemoteAnswer>;
  /** `invokeRemote({ path, method, body })` from the Configure page, as `accountId`. */
  invokeRemote(appUrl: string, inst: ForgeInstallation, req: { path: string; method?: string; body?: unknown; accountId: string }, opts?: RemoteCallOptions): Promise<RemoteAnswer>;
  close(): Promise<void>;
}

interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
  publicPem: string;
}

async function newKey(): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const kid = `forge-double-${randomUUID()}`;
  return { kid, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' }, publicPem: await exportSPKI(publicKey) };
}

const b64url = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const opaqueToken = (kind: string) => `forge-${kind}-${randomBytes(32).toString('base64url')}`;

export async function startForgeDouble(opts: { appId?: string; port?: number } = {}): Promise<ForgeDouble> {
  const appId = opts.appId ?? randomUUID();
  const keys: SigningKey[] = [await newKey()];
  const outsider = await newKey(); // never published
  let fetches = 0;
  const server: Server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/.well-known/jwks.json') {
      fetches++;
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ keys: keys.map((k) => k.publicJwk) }));
      return;
    }
    res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not Found');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
  const current = () => keys[keys.length - 1]!;

  function claimsFor(inst: ForgeInstallation, o: FitOptions, nowS: number): Record<string, unknown> {
    const iat = nowS + (o.issuedAtOffset ?? 0);
    const module = o.module ?? (o.principal ? { type: 'jira:adminPage', key: 'configure' } : { type: 'core:endpoint', key: 'lifecycle-endpoint' });
    const app: Record<string, unknown> = {
      id: APP_ARI(appId),
      version: '1',
      installationId: inst.installationId,
      apiBaseUrl: inst.apiBaseUrl,
      environment: { type: 'DEVELOPMENT', id: inst.environmentId },
      module,
      license: { isActive: true },
    };
    if (o.bad === 'no-installation-id') delete app.installationId;
    const claims: Record<string, unknown> = {
      app,
      context: { cloudId: inst.cloudId, moduleKey: module.key },
      iss: o.bad === 'wrong-iss' ? 'forge/another-issuer' : FIT_ISSUER,
      aud: o.bad === 'wrong-aud' ? APP_ARI(randomUUID()) : APP_ARI(appId),
      iat,
      nbf: iat,
      exp: o.bad === 'expired' ? nowS - 120 : iat + FIT_TTL_SECONDS,
      jti: randomUUID(),
      ...(o.principal ? { principal: o.principal } : {}),
      ...o.claims,
    };
    if (o.bad === 'no-exp') delete claims.exp;
    return claims;
  }

  async function fit(inst: ForgeInstallation, o: FitOptions = {}): Promise<string> {
    const claims = claimsFor(inst, o, Math.floor(Date.now() / 1000));
    const key = current();
    switch (o.bad) {
      case 'alg-none':
        return `${b64url({ alg: 'none', typ: 'JWT', kid: key.kid })}.${b64url(claims)}.`;
      case 'hs256':
        return new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid: key.kid }).sign(new TextEncoder().encode(key.publicPem));
      case 'wrong-key':
        return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: key.kid }).sign(outsider.privateKey);
      case 'unknown-kid':
        return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: outsider.kid }).sign(outsider.privateKey);
      default:
        return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: key.kid }).sign(key.privateKey);
    }
  }

  function issueSystemToken(inst: ForgeInstallation, ttlMs = SYSTEM_TOKEN_TTL_MS): string {
    const token = opaqueToken('system');
    inst.jira.bearer.grant(token, { kind: 'system', accountId: inst.jira.appAccountId, expiresAtMs: Date.now() + ttlMs });
    inst.systemTokens.push(token);
    inst.systemToken = token;
    return token;
  }

  function issueUserToken(inst: ForgeInstallation, accountId: string, ttlMs = USER_TOKEN_TTL_MS): string {
    const token = opaqueToken('user');
    inst.jira.bearer.grant(token, { kind: 'user', accountId, expiresAtMs: Date.now() + ttlMs });
    return token;
  }

  async function call(url: string, method: string, inst: ForgeInstallation, body: unknown, o: RemoteCallOptions, timeoutMs?: number): Promise<RemoteAnswer> {
    const headers: Record<string, string> = {
      'Content-Type': 'application/json',
      'x-b3-traceid': randomBytes(8).toString('hex'),
      'x-b3-spanid': randomBytes(8).toString('hex'),
    };
    const authorization = o.authorization === undefined ? `Bearer ${await fit(inst, o)}` : o.authorization;
    if (authorization !== null) headers.authorization = authorization;
    const system = o.systemToken === undefined ? inst.systemToken : o.systemToken;
    if (system !== null) headers['x-forge-oauth-system'] = system;
    const started = Date.now();
    let res: Response;
    let text: string;
    try {
      res = await fetch(url, { method, headers, body: body === undefined || method === 'GET' ? undefined : JSON.stringify(body), signal: timeoutMs ? AbortSignal.timeout(timeoutMs) : undefined });
      text = await res.text();
    } catch (err) {
      if ((err as Error).name !== 'TimeoutError') throw err;
      const gaveUp = `Forge gave up waiting for the remote after ${timeoutMs} ms`;
      return { status: 504, headers: {}, json: { message: gaveUp }, text: gaveUp, ms: Date.now() - started };
    }
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: res.status, headers: Object.fromEntries(res.headers), json, text, ms: Date.now() - started };
  }

  const route = (appUrl: string, path: string) => appUrl.replace(/\/+$/, '') + path;
  const eventBody = (inst: ForgeInstallation, eventType: string) => ({
    eventType,
    id: randomUUID(),
    app: { id: APP_ARI(appId), version: '1' },
    environment: { id: inst.environmentId },
    context: { cloudId: inst.cloudId },
    installerAccountId: inst.jira.adminAccountId,
  });

  return {
    appId,
    jwksUrl,
    get kid() {
      return current().kid;
    },
    get jwksFetches() {
      return fetches;
    },
    async rotateKey() {
      keys.push(await newKey());
      return current().kid;
    },
    install(jira) {
      jira.indexEntityProperties(entityPropertiesOfManifest());
      const inst: ForgeInstallation = {
        installationId: `ari:cloud:ecosystem::installation/${randomUUID()}`,
        cloudId: jira.cloudId,
        apiBaseUrl: jira.apiBaseUrl,
        environmentId: createHash('sha256').update(appId).digest('hex').slice(0, 32),
        jira,
        systemToken: '',
        systemTokens: [],
      };
      issueSystemToken(inst);
      return inst;
    },
    issueSystemToken,
    issueUserToken,
    expireSystemTokens(inst) {
      for (const t of inst.systemTokens) inst.jira.bearer.expire(t);
    },
    fit,
    lifecycle: (appUrl, inst, event, o = {}) => call(route(appUrl, '/forge/lifecycle'), 'POST', inst, eventBody(inst, `avi:forge:${event}:app`), o),
    heartbeat(appUrl, inst, o = {}) {
      if (o.systemToken === undefined) issueSystemToken(inst);
      return call(route(appUrl, '/forge/heartbeat'), 'POST', inst, { context: { cloudId: inst.cloudId } }, { module: { type: 'scheduledTrigger', key: 'heartbeat' }, ...o });
    },
    preUninstall: (appUrl, inst, o = {}) =>
      call(route(appUrl, '/forge/pre-uninstall'), 'POST', inst, { context: { cloudId: inst.cloudId } }, { module: { type: 'preUninstall', key: 'pre-uninstall' }, systemToken: null, ...o }),
    invokeRemote(appUrl, inst, r, o = {}) {
      // The manifest enables no app user token on the page endpoints: Forge adds none.
      return call(route(appUrl, r.path), (r.method ?? 'GET').toUpperCase(), inst, r.body, { principal: r.accountId, ...o }, INVOKE_REMOTE_TIMEOUT_MS);
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

interface ManifestEntityProperty {
  entityType?: string;
  propertyKey: string;
  values: { path: string; type: string; searchAlias?: string }[];
}

/** The app's jira:entityProperty modules (forge/manifest.yml), in the descriptor's shape the Jira double indexes. */
function entityPropertiesOfManifest(): { jiraEntityProperties: unknown } {
  const manifest = parse(readFileSync(path.join(projectRoot, 'forge', 'manifest.yml'), 'utf8')) as { modules?: Record<string, unknown> };
  const modules = (manifest.modules?.['jira:entityProperty'] ?? []) as ManifestEntityProperty[];
  return {
    jiraEntityProperties: modules.map((m) => ({
      entityType: m.entityType ?? 'issue',
      keyConfigurations: [{ propertyKey: m.propertyKey, extractions: m.values.map((v) => ({ objectName: v.path, type: v.type, ...(v.searchAlias ? { alias: v.searchAlias } : {}) })) }],
    })),
  };
}
