/**
 * The app as an operator runs it (`npm start`: `node dist/src/server.js` with the start script's
 * environment), in a child process on a free loopback port, pointed at the doubles through the
 * environment alone.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { projectRoot } from '../../src/paths.js';
import type { Child, Children } from './children.js';

export interface AppProcess {
  /** http://127.0.0.1:<port>, also the app's public base URL (so EventsUrl points here). */
  url: string;
  pid: number;
  child: Child;
}

export interface AppProcessOptions {
  dataDir: string;
  databaseUrl?: string;
  /** The Jira double's Connect key server (ACE fetches the install key from CONNECT_KEYS_CDN_URL). */
  keysUrl: string;
  /** The AWS double, reached by the real SDK through AWS_ENDPOINT_URL_STS / _APPCONFIG. */
  awsUrl: string;
  env?: Record<string, string>;
  /** Extra node options, e.g. ['--cpu-prof'] to profile the app. */
  nodeArgs?: string[];
}

/** A port nobody listens on right now (the kernel's pick for port 0). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const address = s.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/**
 * The glibc arena cap `npm start` sets (package.json), so the bench measures the memory of the app as
 * it is started, not of a bare `node`.
 */
export function startScriptArenaMax(): string | undefined {
  const pkg = JSON.parse(readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
  return /MALLOC_ARENA_MAX=\$\{MALLOC_ARENA_MAX:-(\d+)\}/.exec(pkg.scripts?.start ?? '')?.[1];
}

/**
 * Only what the app needs, nothing from the caller's shell that could point it elsewhere
 * (AWS_PROFILE, a DATABASE_URL, a credentials.json-driven registration in development mode).
 */
function appEnv(port: number, opts: AppProcessOptions): NodeJS.ProcessEnv {
  const arenaMax = startScriptArenaMax();
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, TMPDIR: process.env.TMPDIR };
  Object.assign(env, {
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    PORT: String(port),
    HOST: '127.0.0.1',
    AC_LOCAL_BASE_URL: `http://127.0.0.1:${port}`,
    DATA_DIR: opts.dataDir,
    APP_SECRET_KEY: randomBytes(32).toString('hex'),
    CONNECT_KEYS_CDN_URL: opts.keysUrl,
    AWS_ENDPOINT_URL_STS: opts.awsUrl,
    AWS_ENDPOINT_URL_APPCONFIG: opts.awsUrl,
    WORKER_POLL_MS: '200',
    ...(arenaMax ? { MALLOC_ARENA_MAX: arenaMax } : {}),
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    // No ~/.aws files: the app must use the keys it is given and the double's endpoints, nothing else.
    AWS_CONFIG_FILE: path.join(opts.dataDir, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(opts.dataDir, 'no-aws-credentials'),
    ...(opts.databaseUrl ? { DATABASE_URL: opts.databaseUrl } : {}),
    ...opts.env,
  });
  return env;
}

export async function startAppProcess(children: Children, opts: AppProcessOptions): Promise<AppProcess> {
  let lastError: unknown;
  // The port is free when picked; another program could take it before the app binds it: try again.
  for (let attempt = 1; attempt <= 3; attempt++) {
    const port = await freePort();
    const child = children.spawnNode('app', [...(opts.nodeArgs ?? []), path.join(projectRoot, 'dist', 'src', 'server.js')], { cwd: projectRoot, env: appEnv(port, opts) });
    try {
      await child.waitForJson((l) => l.msg === 'app listening' && l.port === port, 30_000, '"app listening" log line');
      return { url: `http://127.0.0.1:${port}`, pid: child.pid, child };
    } catch (err) {
      lastError = err;
      if (!/EADDRINUSE/.test(child.tail())) break;
    }
  }
  throw lastError;
}
