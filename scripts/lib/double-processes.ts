/**
 * The two doubles as child processes (test/doubles/{jira,aws}/main.ts, run from source under tsx): the Jira
 * double is driven through its --control stdin channel, the AWS double runs the real forwarder (--forward).
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../src/paths.js';
import type { AwsSeed } from '../../test/doubles/aws/seed.js';
import type { Child, Children } from './children.js';

// Test code stays out of the app's build, so the doubles run from source.
const main = (double: 'jira' | 'aws') => ['--import', 'tsx', path.join(projectRoot, 'test', 'doubles', double, 'main.ts')];
const childEnv = (): NodeJS.ProcessEnv => ({ PATH: process.env.PATH, HOME: process.env.HOME });

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
  let nextId = 0;
  const ask = async (cmd: Record<string, unknown>): Promise<Record<string, unknown>> => {
    const id = ++nextId;
    const answer = child.waitForJson((l) => l.id === id, 15_000, `answer to ${String(cmd.cmd)}`);
    child.send(JSON.stringify({ id, ...cmd }));
    const a = await answer;
    if (a.ok !== true) throw new Error(`jira double: ${String(cmd.cmd)} failed: ${String(a.error)}`);
    return a;
  };
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
