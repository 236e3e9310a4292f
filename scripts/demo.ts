/**
 * `npm run demo`: the whole product on this machine in well under a minute, with no AWS account and
 * no Jira site. Three real processes on 127.0.0.1: the app (node dist/src/server.js), the Jira double
 * and the AWS double (which runs the real forwarder code). Jira installs the app, the site admin
 * associates a project with a flag profile through the real API, an engineer saves two versions and
 * deploys one, and the demo prints what landed in Jira, read back from the Jira double over HTTP.
 *
 *   npm run demo             runs, prints, stops everything, exits 0
 *   npm run demo -- --keep   keeps everything running to browse the Jira double's page (Ctrl-C stops)
 *   npm run demo -- --forge  the same flow through the Forge door: the Forge double (its own key set,
 *                            FITs, app system tokens) installs the app and calls the Configure API with
 *                            invokeRemote; Jira is reached with Bearer tokens at /ex/jira/<cloudId>; a
 *                            token expires mid-stream and the heartbeat's fresh one resumes the work;
 *                            pre-uninstall deletes the installation's data
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startAppProcess } from './lib/app-process.js';
import { Children, onInterrupt } from './lib/children.js';
import { connectApi, waitUntilProcessed, type AdminApi } from './lib/configure-api.js';
import { ADMIN_KEYS, DEMO_REGION, deliverDeployment, demoSeed, engineerClient, saveVersion } from './lib/demo-aws.js';
import { startAwsProcess, startForgeProcess, startJiraProcess, type ForgeProcess } from './lib/double-processes.js';
import { readJiraPage } from './lib/jira-page.js';
import { formatIssues, formatPanel } from './lib/print-issues.js';
import { fixtureText, flagsV2 } from '../test/support/fixtures.js';

const FLAG_PROPERTY = 'appconfigFlag';
const keep = process.argv.includes('--keep');
const viaForge = process.argv.includes('--forge');
const started = Date.now();
const seconds = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
const say = (line = '') => process.stdout.write(line + '\n');
const step = (n: number, what: string, result: string) => say(`${String(n).padStart(2)}. ${what.padEnd(64)} ${result}  [${seconds()}]`);

// The AWS SDK's own switch for its "Node 22 from 2027" notice: true, and not what a newcomer came to read.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const children = new Children();
const tmp = mkdtempSync(path.join(os.tmpdir(), 'appconfig-jira-demo-'));
let cleaned: Promise<void> | undefined;
const cleanup = () => (cleaned ??= children.stopAll().finally(() => rmSync(tmp, { recursive: true, force: true })));
const interrupted = onInterrupt(cleanup);

/** The site admin's door into the app: the Configure API as the Connect page or the Forge page calls it. */
interface AdminDoor {
  /** The Jira site the app writes to (its read-only page at siteUrl/). */
  siteUrl: string;
  api: AdminApi;
}

async function run(): Promise<void> {
  say(`AppConfig feature flags -> Jira issues, end to end on 127.0.0.1 (no AWS account, no Jira site)${viaForge ? ', through the Forge door' : ''}`);
  say();
  const jira = viaForge ? undefined : await startJiraProcess(children);
  const forge = viaForge ? await startForgeProcess(children) : undefined;
  const aws = await startAwsProcess(children, demoSeed(), tmp);
  const app = await startAppProcess(children, {
    dataDir: path.join(tmp, 'data'),
    keysUrl: jira?.keysUrl ?? forge!.keysUrl,
    awsUrl: aws.url,
    env: forge ? { FORGE_APP_ID: forge.appId, FORGE_JWKS_URL: forge.jwksUrl } : {},
  });
  if (jira) say(`   Jira double  ${jira.url}   (pid ${jira.child.pid}; read-only page: ${jira.url}/)`);
  if (forge) say(`   Forge double ${forge.jwksUrl}   (pid ${forge.child.pid}; with its Jira site ${forge.jiraUrl}/)`);
  say(`   AWS double   ${aws.url}   (pid ${aws.child.pid}; STS + AppConfig, runs the real forwarder code)`);
  say(`   app          ${app.url}   (pid ${app.pid}; node dist/src/server.js, SQLite in ${path.join(tmp, 'data')})`);
  say();

  let door: AdminDoor;
  if (jira) {
    const installed = await jira.install(app.url);
    if (installed !== 204) throw new Error(`the install callback answered ${installed}\n${app.child.tail()}`);
    step(1, 'Jira installs the app (RS256-signed install callback)', `-> ${installed}`);
    const jwt = await jira.contextJwt(jira.adminAccountId);
    door = { siteUrl: jira.url, api: connectApi(app.url, jwt) };
  } else {
    const installed = await forge!.install(app.url);
    if (installed !== 200) throw new Error(`the Forge installed trigger answered ${installed}\n${app.child.tail()}`);
    step(1, 'Forge installs the app (FIT + app system token)', `-> ${installed}`);
    door = { siteUrl: forge!.jiraUrl, api: (method, p, body) => forge!.invoke(method, p, body) };
  }

  const shop = aws.created.shop!;
  const res = await door.api('POST', '/api/associations', {
    projectKey: 'FLAG',
    region: DEMO_REGION,
    applicationId: 'shop',
    configurationProfileId: 'release-flags',
    ...ADMIN_KEYS,
  });
  if (res.status !== 201) throw new Error(`POST /api/associations answered ${res.status}: ${JSON.stringify(res.json)}`);
  const association = res.json as { id: string; extensionAssociationId: string; eventsUrl: string; backfill: string };
  step(2, `Site admin associates project FLAG with shop / release-flags${forge ? ' (invokeRemote)' : ''}`, `-> ${res.status}`);
  say(`      EventsUrl ${association.eventsUrl}`);
  say(`      backfill: ${association.backfill}`);

  const engineer = engineerClient(aws.url);
  const target = { app: { id: shop.id, name: 'shop' }, profile: { id: shop.profiles['release-flags']!, name: 'release-flags' } };
  const save = async (n: number, file: 'flags-v1.json' | 'flags-v2.json', description: string): Promise<number> => {
    const forwarded = aws.child.waitForJson((l) => typeof l.msg === 'string' && l.msg.startsWith('appconfig event'), 15_000, 'forwarder log line');
    const version = await saveVersion(engineer, target.app.id, target.profile.id, fixtureText(file), description);
    const line = await forwarded;
    if (line.outcome !== 'delivered') throw new Error(`the forwarder did not deliver version ${version}: ${JSON.stringify(line)}`);
    await waitUntilProcessed(door.api, association.id, 20_000);
    step(n, `Engineer saves version ${version} in AppConfig; the forwarder posts it`, `-> ${line.status}, processed`);
    say(`      "${description}"`);
    return version;
  };
  const v1 = await save(3, 'flags-v1.json', 'first flags');
  const v2 = await save(4, 'flags-v2.json', 'raise checkout limit, launch beta banner, add search ranking');

  const deliver = async (environment: { Id: string; Name: string }, deploymentNumber: number, version: number, types: readonly ('OnDeploymentStart' | 'OnDeploymentComplete')[]) => {
    for (const type of types) {
      await deliverDeployment(engineer, association.extensionAssociationId, { type, ...target, environment, deploymentNumber, version, description: 'weekly release' });
    }
  };
  const deploy = async (...args: Parameters<typeof deliver>) => {
    await deliver(...args);
    await waitUntilProcessed(door.api, association.id, 20_000);
  };
  const staging = { Id: 'stg123', Name: 'staging' };
  const production = { Id: 'prod123', Name: 'production' };
  await deploy(staging, 1, v2, ['OnDeploymentStart', 'OnDeploymentComplete']);
  step(5, `Deployment 1 of version ${v2} to staging: start, complete`, '-> processed');
  await deploy(production, 1, v1, ['OnDeploymentStart', 'OnDeploymentComplete']);
  step(6, `Deployment 1 of version ${v1} to production: start, complete`, '-> processed');
  if (forge) {
    await forge.expireTokens();
    step(7, 'Hours pass: the app system token Forge gave the app expires', '');
    await deliver(production, 2, v2, ['OnDeploymentStart']);
    step(8, `Deployment 2 of version ${v2} to production: started (under way)`, '-> stored; Jira work waits');
    const beat = await forge.heartbeat();
    await waitUntilProcessed(door.api, association.id, 90_000);
    step(9, "Forge's hourly heartbeat brings a fresh token; the work goes on", `-> ${beat}, processed`);
  } else {
    await deploy(production, 2, v2, ['OnDeploymentStart']);
    step(7, `Deployment 2 of version ${v2} to production: started (under way)`, '-> processed');
  }

  const page = await readJiraPage(door.siteUrl);
  say();
  say(`What landed in Jira (read over HTTP from the Jira double's page ${door.siteUrl}/):`);
  say();
  say(formatIssues(page.issues, FLAG_PROPERTY));
  say();
  say("Jira's Releases panel, as the app submitted it (per flag: its issues, and on/off in each environment):");
  say();
  say(formatPanel(page.featureFlags));
  for (const env of ['production', 'staging']) {
    const on = page.issues.filter((i) => ((i.properties.appconfigFlagState as { enabledIn?: string[] } | undefined)?.enabledIn ?? []).includes(env)).map((i) => i.key);
    say(`  JQL  appconfigEnabledIn = ${env.padEnd(10)} -> ${on.join(', ') || '(none)'}   (issue property appconfigFlagState)`);
  }
  say();

  // The demo checks itself: one issue per flag of the latest version, nothing else.
  const keys = page.issues.map((i) => (i.properties[FLAG_PROPERTY] as { flagKey?: string } | undefined)?.flagKey);
  const expected = Object.keys(flagsV2().flags as Record<string, unknown>).sort();
  if (JSON.stringify([...keys].sort()) !== JSON.stringify(expected)) {
    throw new Error(`expected one issue per flag (${expected.join(', ')}), found flag keys ${JSON.stringify(keys)}`);
  }
  const environments = new Set(page.featureFlags.flatMap((f) => f.environments.map((e) => e.name)));
  if (!environments.has('staging') || !environments.has('production')) throw new Error(`expected the Releases panel to show staging and production, found ${[...environments].join(', ')}`);
  say(`${page.issues.length} issues, ${page.issues.reduce((n, i) => n + i.comments.length, 0)} comments; done in ${seconds()}.`);
  if (keep) {
    say(`Everything keeps running: open ${door.siteUrl}/ in a browser. Ctrl-C stops all three processes.`);
    await new Promise(() => undefined);
  }
  if (forge) await uninstallFromForge(forge, door);
  say(`(The Jira double's page ${door.siteUrl}/ closes with the demo; \`npm run demo -- --keep\` keeps it open.)`);
}

/** Forge's preUninstall: every row of the installation goes; the Configure API no longer knows it. */
async function uninstallFromForge(forge: ForgeProcess, door: AdminDoor): Promise<void> {
  const status = await forge.preUninstall();
  const after = await door.api('GET', '/api/associations');
  if (status !== 200 || after.status !== 401) throw new Error(`pre-uninstall answered ${status}; the API then answered ${after.status}`);
  say(`Forge pre-uninstall -> ${status}: the installation's data is deleted (the Configure API now answers ${after.status}).`);
}

run()
  .then(
    () => cleanup(),
    async (err: unknown) => {
      if (interrupted()) return new Promise<void>(() => undefined); // the interrupt handler exits
      process.exitCode = 1;
      process.stderr.write(`\ndemo failed: ${err instanceof Error ? err.message : String(err)}\n\nLast output of each process:\n${children.tails()}\n`);
      await cleanup();
    },
  )
  .then(() => process.exit());
