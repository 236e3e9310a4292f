/**
 * Everything the operator can set, read once from the environment. Defaults give the embedded setup:
 * `npm start` with no variables runs on SQLite in ./data.
 */
import path from 'node:path';
import { DEFAULT_EXTENSION_NAME } from './forwarder/template.js';

export interface AppConfig {
  env: string;
  port: number;
  /** Interface to listen on; all of them when unset. */
  host: string | undefined;
  /**
   * Public base URL Jira and the forwarder reach this app at (the descriptor's baseUrl). Without
   * AC_LOCAL_BASE_URL it is http://localhost:<the port the server got>.
   */
  baseUrl: string | undefined;
  dataDir: string;
  /** postgres://... when set; otherwise SQLite in dataDir. */
  databaseUrl?: string;
  /** Operator key the per-association signing secrets are derived from (never stored in the database). */
  appSecretKey?: string;
  /** Default AppConfig extension identifier (the name our CloudFormation template gives it). */
  extensionIdentifier: string;
  logLevel: string;
  /** Atlassian's key server for signed installs (a test points it at the Jira double's). */
  connectKeysUrl: string;
  /** Bound of one fetch of an install public key. */
  connectKeysTimeoutMs: number;
  /** The Forge door: closed (no /forge routes, Bearer tokens refused) without an app id. */
  forge: {
    /** FORGE_APP_ID: the Forge app's UUID (or its whole ari:cloud:ecosystem::app/... id). */
    appId: string | undefined;
    /** Where Forge publishes the keys that sign its invocation tokens. */
    jwksUrl: string;
    /** Least time between two key set fetches for an unknown kid. */
    jwksCooldownMs: number;
  };
  /** Deadline of each AWS call made with an admin's keys while configuring. */
  awsCallTimeoutMs: number;
  /** How long a Save waits for the existing flags' issues before answering that they are on their way. */
  backfillWaitMs: number;
  worker: {
    enabled: boolean;
    concurrency: number;
    pollMs: number;
    leaseMs: number;
    /**
     * How long to wait before looking for a write whose answer was lost: Jira's search index lags behind
     * a create, and Jira may still be applying an edit; looking too early would write it twice.
     */
    searchLagMs: number;
    /** Days a processed event is kept before it is deleted (failed events are kept). */
    eventRetentionDays: number;
  };
}

function int(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a whole number, got "${value}"`);
  return n;
}

/**
 * Longest AWS_CALL_TIMEOUT_MS. A Save makes several AWS calls within the 120 s a request may take, and
 * a new association's save counts as under way for 120 s (its events wait meanwhile instead of being
 * answered as removed): one call may take at most half of that.
 */
export const MAX_AWS_CALL_TIMEOUT_MS = 60_000;

/** A whole number of ms (or the fallback) within [min, max]; the error names the variable and why. */
function bounded(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number, why: string): number {
  const n = int(env[name], fallback, name);
  if (n < min || n > max) throw new Error(`${name} must be between ${min} and ${max} (${why}), got "${env[name]}"`);
  return n;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function logLevel(env: NodeJS.ProcessEnv): string {
  const level = env.LOG_LEVEL || (env.NODE_ENV === 'test' ? 'silent' : 'info');
  if (!LOG_LEVELS.includes(level)) throw new Error(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${env.LOG_LEVEL}"`);
  return level;
}

function workerEnabled(value: string | undefined): boolean {
  const v = (value ?? '').trim().toLowerCase();
  if (v === '' || v === 'on') return true;
  if (v === 'off') return false;
  throw new Error(`WORKER must be "on" (the default) or "off", got "${value}"`);
}

function databaseUrl(value: string | undefined): string | undefined {
  if (!value) return undefined;
  if (!/^postgres(ql)?:\/\//.test(value)) throw new Error('DATABASE_URL must be a PostgreSQL URL (postgres://user:password@host:5432/database); leave it unset for the embedded SQLite');
  return value;
}

function awsCallTimeout(value: string | undefined): number {
  const ms = int(value, 10_000, 'AWS_CALL_TIMEOUT_MS') || 10_000;
  if (ms > MAX_AWS_CALL_TIMEOUT_MS) {
    throw new Error(`AWS_CALL_TIMEOUT_MS must be at most ${MAX_AWS_CALL_TIMEOUT_MS} (a Save makes several AWS calls within the 120 s a request may take), got "${value}"`);
  }
  return ms;
}

/** Atlassian's published key set for Forge invocation tokens. */
export const FORGE_JWKS_URL = 'https://forge.cdn.prod.atlassian-dev.net/.well-known/jwks.json';

/** FORGE_APP_ID as the developer console shows it (the UUID, or the app's whole ARI), as the UUID. */
export function parseForgeAppId(value: string): string {
  const uuid = value.trim().replace(/^ari:cloud:ecosystem::app\//, '');
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(uuid)) {
    throw new Error(`FORGE_APP_ID must be the Forge app's UUID (or ari:cloud:ecosystem::app/<uuid>), got "${value}"`);
  }
  return uuid.toLowerCase();
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const port = int(env.PORT, 3000, 'PORT');
  const baseUrl = (env.AC_LOCAL_BASE_URL || env.BASE_URL || '').replace(/\/+$/, '') || undefined;
  // In production AWS sends flag documents to this URL, and Jira its lifecycle calls: never in clear,
  // and never to a default (localhost) that no one outside this machine can reach.
  if (env.NODE_ENV === 'production' && !baseUrl?.startsWith('https://')) {
    throw new Error(`AC_LOCAL_BASE_URL must be the app's public https:// URL when NODE_ENV=production, got ${baseUrl ? `"${baseUrl}"` : 'none'}`);
  }
  return {
    env: env.NODE_ENV || 'development',
    port,
    host: env.HOST || undefined,
    baseUrl,
    dataDir: path.resolve(env.DATA_DIR || 'data'),
    databaseUrl: databaseUrl(env.DATABASE_URL),
    appSecretKey: env.APP_SECRET_KEY || undefined,
    extensionIdentifier: env.APPCONFIG_EXTENSION || DEFAULT_EXTENSION_NAME,
    connectKeysUrl: (env.CONNECT_KEYS_CDN_URL || 'https://connect-install-keys.atlassian.com').replace(/\/+$/, ''),
    connectKeysTimeoutMs: int(env.CONNECT_KEYS_TIMEOUT_MS, 5_000, 'CONNECT_KEYS_TIMEOUT_MS'),
    logLevel: logLevel(env),
    forge: {
      appId: env.FORGE_APP_ID ? parseForgeAppId(env.FORGE_APP_ID) : undefined,
      jwksUrl: env.FORGE_JWKS_URL || FORGE_JWKS_URL,
      jwksCooldownMs: 30_000,
    },
    awsCallTimeoutMs: awsCallTimeout(env.AWS_CALL_TIMEOUT_MS),
    backfillWaitMs: bounded(env, 'BACKFILL_WAIT_MS', 10_000, 0, 60_000, 'a Save answers within the 120 s a request may take'),
    worker: {
      enabled: workerEnabled(env.WORKER),
      concurrency: int(env.WORKER_CONCURRENCY, 4, 'WORKER_CONCURRENCY') || 1,
      pollMs: bounded(env, 'WORKER_POLL_MS', 1000, 50, 60_000, 'shorter polls only spin'),
      leaseMs: bounded(env, 'WORKER_LEASE_MS', 60_000, 3_000, 3_600_000, 'a lease is renewed at most once a second, a third of the way through'),
      searchLagMs: int(env.JIRA_SEARCH_LAG_MS, 30_000, 'JIRA_SEARCH_LAG_MS'),
      eventRetentionDays: int(env.EVENT_RETENTION_DAYS, 14, 'EVENT_RETENTION_DAYS'),
    },
  };
}

/** The configuration once the server listens: the base URL is known. */
export type ResolvedConfig = AppConfig & { baseUrl: string };
