/**
 * One benchmark stage: the Jira and AWS doubles in this process (so their request logs, faults and
 * state can be read directly), the app as its own process (`node dist/src/server.js`, so its memory is
 * its own), installed through a signed callback and associated through the real API, and warmed up
 * (see warmUp) before anything is measured.
 */
import { startJiraDouble, type JiraDouble } from '../../test/doubles/jira/index.js';
import { startAwsDouble, type AwsDouble } from '../../test/doubles/aws/index.js';
import { startAppProcess, type AppProcess } from './app-process.js';
import type { BenchDatabase } from './bench-database.js';
import type { Children } from './children.js';
import { callApi } from './configure-api.js';
import { parametersOf, type BenchTarget } from './events.js';
import { DEFAULT_EXTENSION_NAME } from '../../src/forwarder/template.js';
import { preCreateEvent } from '../../test/support/events.js';
import { flagDocument } from './flag-docs.js';
import { isBulkCreate, issueEdit, JIRA_LATENCY_MS, runEvent } from './bench-run.js';

const ACCOUNT = '123456789012';
const REGION = 'eu-west-1';
const KEYS = { accessKeyId: 'AKIABENCHADMIN000001', secretAccessKey: 'bench-admin-secret-000000000000000000000000' };

export interface Stage {
  jira: JiraDouble;
  aws: AwsDouble;
  app: AppProcess;
  /** A context JWT of the site admin (valid 15 minutes). */
  jwt: string;
  associationId: string;
  target: BenchTarget;
  close(): Promise<void>;
}

/** The project of the measured association (the warm-up's is WARM_PROJECT). */
export const BENCH_PROJECT = 'FLAG';
const WARM_PROJECT = 'WARM';

async function associate(
  jira: JiraDouble,
  aws: AwsDouble,
  app: AppProcess,
  jwt: string,
  projectKey: string,
  applicationName: string,
): Promise<{ associationId: string; target: BenchTarget }> {
  const application = aws.addApplication({ name: applicationName });
  const profile = aws.addProfile(application.id, { name: 'release-flags', type: 'AWS.AppConfig.FeatureFlags' });
  const res = await callApi(app.url, jwt, 'POST', '/api/associations', {
    projectKey,
    region: REGION,
    applicationId: application.id,
    configurationProfileId: profile.id,
    ...KEYS,
  });
  if (res.status !== 201) throw new Error(`POST /api/associations answered ${res.status}: ${JSON.stringify(res.json)}`);
  const eventsUrl = String(res.json.eventsUrl);
  const record = aws.extensionAssociations().find((a) => a.parameters.EventsUrl === eventsUrl);
  if (!record?.parameters.SigningSecret) throw new Error('the app created no extension association with a SigningSecret');
  return {
    associationId: String(res.json.id),
    target: {
      eventsUrl,
      signingSecret: record.parameters.SigningSecret,
      app: { id: application.id, name: application.name },
      profile: { id: profile.id, name: profile.name },
    },
  };
}

/**
 * A running app has served events before: its code is compiled, its modules loaded, its database
 * statements prepared. So before anything is measured, a warm-up association on its own project
 * (WARM) syncs a small document and then a version changing a few of its flags, Jira answering in
 * JIRA_LATENCY_MS as in the timed rows. Its issues stay in WARM; the rows count only FLAG's.
 */
async function warmUp(stage: Stage): Promise<void> {
  stage.jira.addProject({ key: WARM_PROJECT, name: 'Bench warm-up' });
  const warm = await associate(stage.jira, stage.aws, stage.app, stage.jwt, WARM_PROJECT, 'warm-up');
  const warmStage: Stage = { ...stage, ...warm };
  const params = { parameters: parametersOf(warm.target) };
  stage.jira.faults.clear();
  stage.jira.faults.add({ delayMs: JIRA_LATENCY_MS });
  const flags = 100; // two bulk creates
  await runEvent(warmStage, preCreateEvent(warm.target, flagDocument(flags), 1, { description: 'warm-up 1', ...params }), {
    expect: isBulkCreate,
    count: 2,
    timeoutMs: 120_000,
  });
  await runEvent(warmStage, preCreateEvent(warm.target, flagDocument(flags, [{ from: 0, to: 8, base: 500 }]), 2, { description: 'warm-up 2', ...params }), {
    expect: (r) => issueEdit(r) !== undefined,
    count: 8,
    timeoutMs: 120_000,
  });
  stage.jira.faults.clear();
  stage.jira.clearRequests();
}

export async function startStage(children: Children, db: BenchDatabase, appOptions: { env?: Record<string, string>; nodeArgs?: string[] } = {}): Promise<Stage> {
  const jira = await startJiraDouble();
  const aws = await startAwsDouble({ accountId: ACCOUNT, region: REGION });
  aws.addKey({ ...KEYS, accountId: ACCOUNT, userArn: `arn:aws:iam::${ACCOUNT}:user/bench`, allow: '*' });
  aws.addExtension({ name: DEFAULT_EXTENSION_NAME, parameters: { EventsUrl: { Required: true }, SigningSecret: { Required: true } } });

  const app = await startAppProcess(children, { dataDir: db.dataDir, databaseUrl: db.databaseUrl, keysUrl: jira.keysUrl, awsUrl: aws.url, ...appOptions });
  const install = await jira.install(app.url);
  if (install.status !== 204) throw new Error(`install answered ${install.status}: ${install.body}`);
  const jwt = jira.contextJwt(jira.adminAccountId);
  const measured = await associate(jira, aws, app, jwt, BENCH_PROJECT, 'shop');
  const stage: Stage = {
    jira,
    aws,
    app,
    jwt,
    ...measured,
    async close() {
      await app.child.stop();
      await jira.close();
      await aws.close();
    },
  };
  await warmUp(stage);
  return stage;
}
