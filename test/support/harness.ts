/**
 * One app on a real database, with a Jira double (signed installs, JWT-checked REST) and an AWS double
 * (SigV4-checked STS + AppConfig reached by the real SDK through AWS_ENDPOINT_URL_*), all on 127.0.0.1.
 */
import { Writable } from 'node:stream';
import request from 'supertest';
import { loadConfig, type AppConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { startService, type Service } from '../../src/service.js';
import { signatureHeader } from '../../src/intake/signature.js';
import { startJiraDouble, type JiraDouble } from '../doubles/jira/index.js';
import type { AwsDouble } from '../doubles/aws/index.js';
import { REQUIRED_ACTIONS } from '../../src/aws/index.js';
import { ACCOUNT_ID, KEYS, REGION, startSeededAws } from './aws-seed.js';
import { createTestDatabase, type DbKind, type TestDatabase } from './databases.js';

export const TEST_OPERATOR_KEY = 'test-operator-key-0123456789abcdef0123456789abcdef';

export { ACCOUNT_ID, KEYS, REGION } from './aws-seed.js';

export interface Harness {
  service: Service;
  jira: JiraDouble;
  aws: AwsDouble;
  db: TestDatabase;
  /** Everything the app logged, as text (for "no secret in the logs" checks). */
  logs(): string;
  app: { id: string; name: string };
  profile: { id: string; name: string; arn: string };
  /** Every seeded profile (the first is `profile`). */
  profiles: { id: string; name: string; arn: string }[];
  /** An API call from the Configure page as `accountId` (default: the site admin), with a context JWT. */
  api(method: 'get' | 'post' | 'delete', path: string, body?: unknown, accountId?: string): request.Test;
  /** Associate FLAG with the seeded profile through the real API; returns the response body. */
  associate(overrides?: Record<string, unknown>): Promise<Record<string, unknown> & { id: string }>;
  /** The signing secret AppConfig holds for an association (read from the AWS double, as the forwarder gets it). */
  signingSecretOf(associationId: string): string;
  /** POST an event exactly as the forwarder would (JSON, signed with the association's secret). */
  sendEvent(associationId: string, event: unknown, opts?: { secret?: string; header?: string | null; raw?: string }): request.Test;
  close(): Promise<void>;
}

/** The Configure form for the seeded profile with the FULL keys, as the site admin submits it. */
export function associationForm(x: Pick<Harness, 'app' | 'profile'>, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { projectKey: 'FLAG', region: REGION, applicationId: x.app.id, configurationProfileId: x.profile.id, ...KEYS.full, ...overrides };
}

export interface HarnessOptions {
  db?: DbKind;
  /** Opens the Forge door (FORGE_APP_ID and FORGE_JWKS_URL, keys fetched again at once for an unknown kid). */
  forge?: { appId: string; jwksUrl: string };
  /** Feature-flag profiles to seed in AWS (default 1). */
  profiles?: number;
  worker?: boolean;
  env?: Partial<AppConfig['worker']>;
  /** How long a Save waits for the backfill's issues (BACKFILL_WAIT_MS). */
  backfillWaitMs?: number;
}

export async function startHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const db = await createTestDatabase(opts.db ?? 'sqlite');
  const jira = await startJiraDouble();
  const { aws, app, profiles } = await startSeededAws(opts.profiles);
  const profile = profiles[0]!;
  aws.addKey({ ...KEYS.basic, accountId: ACCOUNT_ID, userArn: `arn:aws:iam::${ACCOUNT_ID}:user/jira-basic`, allow: [...REQUIRED_ACTIONS] });
  aws.addKey({ ...KEYS.readOnly, accountId: ACCOUNT_ID, userArn: `arn:aws:iam::${ACCOUNT_ID}:user/jira-ro`, allow: ['appconfig:ListApplications', 'appconfig:GetApplication', 'appconfig:ListConfigurationProfiles', 'appconfig:GetConfigurationProfile'] });

  let logText = '';
  const sink = new Writable({
    write(chunk, _enc, cb) {
      logText += chunk.toString();
      cb();
    },
  });
  const base = loadConfig({ NODE_ENV: 'test' });
  const config: AppConfig = {
    ...base,
    port: 0,
    baseUrl: undefined,
    dataDir: db.dataDir,
    databaseUrl: db.databaseUrl,
    appSecretKey: TEST_OPERATOR_KEY,
    connectKeysUrl: jira.keysUrl,
    forge: opts.forge ? { ...opts.forge, jwksCooldownMs: 0 } : base.forge,
    worker: { ...base.worker, enabled: opts.worker ?? true, pollMs: 200, leaseMs: 10_000, searchLagMs: 0, ...opts.env },
    ...(opts.backfillWaitMs !== undefined ? { backfillWaitMs: opts.backfillWaitMs } : {}),
  };
  const service = await startService(config, createLogger('debug', sink), { host: '127.0.0.1' });
  const install = await jira.install(service.config.baseUrl);
  if (install.status !== 204) throw new Error(`install failed: ${install.status} ${JSON.stringify(install.body)}`);

  const h: Harness = {
    service,
    jira,
    aws,
    db,
    app,
    profile,
    profiles,
    logs: () => logText,
    api(method, path, body, accountId = jira.adminAccountId) {
      const req = request(service.app)[method](path).set('Authorization', `JWT ${jira.contextJwt(accountId)}`);
      return body === undefined ? req : req.send(body as object);
    },
    async associate(overrides = {}) {
      const res = await h.api('post', '/api/associations', associationForm(h, overrides));
      if (res.status !== 201 && res.status !== 200) throw new Error(`associate failed: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body;
    },
    signingSecretOf(associationId) {
      const record = aws.extensionAssociations().find((a) => a.parameters.EventsUrl?.endsWith(`/api/associations/${associationId}/events`));
      if (!record) throw new Error(`no extension association in AWS for ${associationId}`);
      return record.parameters.SigningSecret!;
    },
    sendEvent(associationId, event, o = {}) {
      const raw = o.raw ?? JSON.stringify(event);
      const req = request(service.app).post(`/api/associations/${associationId}/events`).set('Content-Type', 'application/json');
      const header = o.header === undefined ? signatureHeader(o.secret ?? h.signingSecretOf(associationId), raw) : o.header;
      if (header !== null) req.set('X-AppConfig-Signature', header);
      return req.send(raw);
    },
    async close() {
      await service.close();
      await jira.close();
      await aws.close();
      await db.drop();
    },
  };
  return h;
}
