/**
 * The app as a real child process (`node --import tsx src/server.ts`, as `npm run dev` runs it), for the
 * tests that kill it (SIGKILL) or run several side by side on one database. The Jira and AWS doubles stay
 * in the test process; the child reaches them through the same environment variables an operator sets.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { projectRoot } from '../../src/paths.js';
import type { AwsDouble } from '../doubles/aws/index.js';
import { KEYS, REGION, startSeededAws } from './aws-seed.js';
import { startJiraDouble, type JiraDouble } from '../doubles/jira/index.js';
import { signedEventHeaders } from './events.js';
import { TEST_OPERATOR_KEY } from './harness.js';

export interface AppProcessOptions {
  /** SQLite lives here when no databaseUrl is given. */
  dataDir: string;
  databaseUrl?: string;
  /** Extra environment, e.g. WORKER_LEASE_MS. */
  env?: Record<string, string>;
}

export interface AppProcess {
  readonly pid: number;
  /** http://127.0.0.1:<port> */
  readonly url: string;
  /** The base URL the app announces (its descriptor's baseUrl). */
  readonly baseUrl: string;
  /** Everything the process wrote (JSON log lines), for failure messages and secret checks. */
  output(): string;
  /** Kills the process with `signal` (default SIGKILL: no shutdown code runs) and waits for it to exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  readonly exited: boolean;
}

const STARTUP_MS = 30_000;

/** Starts one app process and resolves once it listens (its "app listening" log line). */
export function startAppProcess(opts: AppProcessOptions): Promise<AppProcess> {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'test',
    PORT: '0',
    LOG_LEVEL: 'info',
    DATA_DIR: opts.dataDir,
    APP_SECRET_KEY: TEST_OPERATOR_KEY,
    WORKER_POLL_MS: '200',
    AWS_ENDPOINT_URL_STS: process.env.AWS_ENDPOINT_URL_STS,
    AWS_ENDPOINT_URL_APPCONFIG: process.env.AWS_ENDPOINT_URL_APPCONFIG,
    CONNECT_KEYS_CDN_URL: process.env.CONNECT_KEYS_CDN_URL,
    ...(opts.databaseUrl ? { DATABASE_URL: opts.databaseUrl } : {}),
    ...opts.env,
  };
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: projectRoot,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once('exit', () => ((exited = true), resolve())));

  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the app did not start within ${STARTUP_MS} ms:\n${out.slice(-4000)}`));
    }, STARTUP_MS);
    const onData = (chunk: Buffer) => {
      const before = out.length;
      out += chunk.toString();
      if (before > 0 && out.slice(0, before).includes('"app listening"')) return;
      for (const line of out.split('\n')) {
        if (!line.includes('"app listening"')) continue;
        const info = JSON.parse(line) as { port: number; baseUrl: string };
        clearTimeout(timer);
        resolve({
          pid: child.pid!,
          url: `http://127.0.0.1:${info.port}`,
          baseUrl: info.baseUrl,
          output: () => out,
          get exited() {
            return exited;
          },
          async kill(signal: NodeJS.Signals = 'SIGKILL') {
            if (!exited) child.kill(signal);
            await exit;
          },
        });
        return;
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exit.then(() => {
      clearTimeout(timer);
      reject(new Error(`the app exited before it listened:\n${out.slice(-4000)}`));
    });
  });
}

/** The doubles an app process talks to, set up as the in-process harness sets them up. */
export interface Doubles {
  jira: JiraDouble;
  aws: AwsDouble;
  app: { id: string; name: string };
  /** Feature-flag profiles of `app`, as many as asked for. */
  profiles: { id: string; name: string; arn: string }[];
  close(): Promise<void>;
}

export async function startDoubles(profileCount = 1): Promise<Doubles> {
  const jira = await startJiraDouble();
  // Also sets AWS_ENDPOINT_URL_*, read by startAppProcess: the child's AWS SDK reaches the double
  // exactly as the in-process app does.
  const { aws, app, profiles } = await startSeededAws(profileCount);
  return {
    jira,
    aws,
    app,
    profiles,
    async close() {
      await jira.close();
      await aws.close();
    },
  };
}

/** Installs the app (a real signed install) on the Jira double. */
export async function installOn(doubles: Doubles, app: AppProcess): Promise<void> {
  const result = await doubles.jira.install(app.baseUrl);
  if (result.status !== 204) throw new Error(`install failed: ${result.status} ${result.body}`);
}

/** Associates a profile through the app's Configure API, as the site admin; returns the association id. */
export async function associateVia(doubles: Doubles, app: AppProcess, profileId: string): Promise<string> {
  const res = await fetch(`${app.url}/api/associations`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `JWT ${doubles.jira.contextJwt(doubles.jira.adminAccountId)}` },
    body: JSON.stringify({ projectKey: 'FLAG', region: REGION, applicationId: doubles.app.id, configurationProfileId: profileId, ...KEYS.full }),
  });
  const body = (await res.json()) as { id?: string };
  if ((res.status !== 201 && res.status !== 200) || !body.id) throw new Error(`associate failed: ${res.status} ${JSON.stringify(body)}`);
  return body.id;
}

/** POSTs one event as the forwarder would: the raw JSON, signed with the secret AppConfig holds for it. */
export async function postEvent(doubles: Doubles, app: AppProcess, associationId: string, event: unknown): Promise<{ status: number; body: unknown }> {
  const record = doubles.aws.extensionAssociations().find((a) => a.parameters.EventsUrl?.endsWith(`/api/associations/${associationId}/events`));
  if (!record?.parameters.SigningSecret) throw new Error(`no extension association in AWS for ${associationId}`);
  const raw = JSON.stringify(event);
  const res = await fetch(`${app.url}/api/associations/${associationId}/events`, {
    method: 'POST',
    headers: signedEventHeaders(record.parameters.SigningSecret, raw),
    body: raw,
  });
  return { status: res.status, body: await res.json().catch(() => null) };
}

/** The association's health as the Configure page shows it. */
export async function healthVia(doubles: Doubles, app: AppProcess): Promise<{ id: string; health: { backlog: number; failedEvents: number; status: string } }[]> {
  const res = await fetch(`${app.url}/api/associations`, { headers: { Authorization: `JWT ${doubles.jira.contextJwt(doubles.jira.adminAccountId)}` } });
  if (res.status !== 200) throw new Error(`GET /api/associations answered ${res.status}`);
  return ((await res.json()) as { associations: { id: string; health: { backlog: number; failedEvents: number; status: string } }[] }).associations;
}
