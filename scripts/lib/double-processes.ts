/**
 * The doubles as child processes (test/doubles/{jira,aws,forge}/main.ts, run from source under tsx): the Jira
 * double is driven through its --control stdin channel, the AWS double runs the real forwarder (--forward).
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../src/paths.js';
import type { AwsSeed } from '../../test/doubles/aws/seed.js';
import type { Child, Children } from './children.js';

// Test code stays out of the app's build, so the doubles run from source.
const main = (double: 'jira' | 'aws' | 'forge') => ['--import', 'tsx', path.join(projectRoot, 'test', 'doubles', double, 'main.ts')];
const childEnv = (): NodeJS.ProcessEnv => ({ PATH: process.env.PATH, HOME: process.env.HOME });

/** Asks a double over its --control channel (test/doubles/control-channel.ts): one command, its answer. */
function controlChannel(child: Child, name: string, timeoutMs: number): (cmd: Record<string, unknown>) => Promise<Record<string, unknown>> {
  let nextId = 0;
  return async (cmd) => {
    const id = ++nextId;
    const answer = child.waitForJson((l) => l.id === id, timeoutMs, `answer to ${String(cmd.cmd)}`);
    child.send(JSON.stringify({ id, ...cmd }));
    const a = await answer;
    if (a.ok !== true) throw new Error(`${name}: ${String(cmd.cmd)} failed: ${String(a.error)}`);
    return a;
  };
}

export interface JiraProcess {
  url: string;
  keysUrl: string;
  adminAccountId: string;
  child: Child;
  /** Jira posts the signed install callback to the app (RS256, as Jira Cloud does). */
  install(appBaseUrl: string): Promise<number>;
  /** A context JWT for `accountId`, as AP.context.getToken() gives the Configure page. */
  contextJwt(accountId: string): Promise<string>;
}

export async function startJiraProcess(children: Children): Promise<JiraProcess> {
  const child = children.spawnNode('jira-double', [...main('jira'), '--port', '0', '--control'], { cwd: projectRoot, env: childEnv() });
  const hello = await child.waitForJson((l) => typeof l.url === 'string' && typeof l.keysUrl === 'string', 15_000, 'start-up line');
  const ask = controlChannel(child, 'jira double', 15_000);
  return {
    url: String(hello.url),
    keysUrl: String(hello.keysUrl),
    adminAccountId: String(hello.adminAccountId),
    child,
    install: async (appBaseUrl) => Number((await ask({ cmd: 'install', appBaseUrl })).status),
    contextJwt: async (accountId) => String((await ask({ cmd: 'contextJwt', accountId })).jwt),
  };
}

export interface AwsProcess {
  url: string;
  /** Application name -> { id, profiles: profile name -> id }, as seeded. */
  created: Record<string, { id: string; profiles: Record<string, string> }>;
  child: Child;
}

export async function startAwsProcess(children: Children, seed: AwsSeed & { accountId: string; region: string }, seedDir: string): Promise<AwsProcess> {
  const seedFile = path.join(seedDir, 'aws-seed.json');
  writeFileSync(seedFile, JSON.stringify(seed), { mode: 0o600 });
  const child = children.spawnNode('aws-double', [...main('aws'), '--port', '0', '--seed', seedFile, '--forward'], { cwd: projectRoot, env: childEnv() });
  const hello = await child.waitForJson((l) => typeof l.url === 'string' && typeof l.created === 'object', 15_000, 'start-up line');
  return { url: String(hello.url), created: hello.created as AwsProcess['created'], child };
}

export interface ForgeProcess {
  /** The Forge double's key set (FORGE_JWKS_URL) and app id (FORGE_APP_ID). */
  jwksUrl: string;
  appId: string;
  /** The Jira site the app is installed on (read-only page at jiraUrl/). */
  jiraUrl: string;
  /** The Jira double's Connect key server (unused by the Forge door; the app process wants one). */
  keysUrl: string;
  apiBaseUrl: string;
  child: Child;
  /** Forge's installed trigger to the app. */
  install(appBaseUrl: string): Promise<number>;
  /** invokeRemote from the Forge Configure page, as the site admin. */
  invoke(method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }>;
  expireTokens(): Promise<void>;
  heartbeat(): Promise<number>;
  preUninstall(): Promise<number>;
}

/** The Forge double and its Jira site in one child process, driven through its --control stdin channel. */
export async function startForgeProcess(children: Children): Promise<ForgeProcess> {
  const child = children.spawnNode('forge-double', [...main('forge'), '--control'], { cwd: projectRoot, env: childEnv() });
  const hello = await child.waitForJson((l) => typeof l.jwksUrl === 'string' && typeof l.appId === 'string', 15_000, 'start-up line');
  const ask = controlChannel(child, 'forge double', 30_000);
  return {
    jwksUrl: String(hello.jwksUrl),
    appId: String(hello.appId),
    jiraUrl: String(hello.jiraUrl),
    keysUrl: String(hello.keysUrl),
    apiBaseUrl: String(hello.apiBaseUrl),
    child,
    install: async (appBaseUrl) => Number((await ask({ cmd: 'install', appBaseUrl })).status),
    async invoke(method, path, body) {
      const a = await ask({ cmd: 'invoke', method, path, body });
      return { status: Number(a.status), json: (a.json ?? {}) as Record<string, unknown> };
    },
    expireTokens: async () => void (await ask({ cmd: 'expireTokens' })),
    heartbeat: async () => Number((await ask({ cmd: 'heartbeat' })).status),
    preUninstall: async () => Number((await ask({ cmd: 'preUninstall' })).status),
  };
}
