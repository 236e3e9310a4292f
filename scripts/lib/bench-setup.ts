/**
 * One benchmark stage: the Jira and AWS doubles in this process (so their request logs, faults and
 * state can be read directly), the app as its own process (`node dist/src/server.js`, so its memory is
 * its own), installed through a signed callback and associated through the real API.
 */
import { startJiraDouble, type JiraDouble } from '../../test/doubles/jira/index.js';
import { startAwsDouble, type AwsDouble } from '../../test/doubles/aws/index.js';
import { startAppProcess, type AppProcess } from './app-process.js';
import type { BenchDatabase } from './bench-database.js';
import type { Children } from './children.js';
import { callApi } from './configure-api.js';
import type { BenchTarget } from './events.js';
import { DEFAULT_EXTENSION_NAME } from '../../src/forwarder/template.js';

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

export async function startStage(children: Children, db: BenchDatabase, appOptions: { env?: Record<string, string>; nodeArgs?: string[] } = {}): Promise<Stage> {
  const jira = await startJiraDouble();
  const aws = await startAwsDouble({ accountId: ACCOUNT, region: REGION });
  aws.addKey({ ...KEYS, accountId: ACCOUNT, userArn: `arn:aws:iam::${ACCOUNT}:user/bench`, allow: '*' });
  aws.addExtension({ name: DEFAULT_EXTENSION_NAME, parameters: { EventsUrl: { Required: true }, SigningSecret: { Required: true } } });
  const application = aws.addApplication({ name: 'shop' });
  const profile = aws.addProfile(application.id, { name: 'release-flags', type: 'AWS.AppConfig.FeatureFlags' });

  const app = await startAppProcess(children, { dataDir: db.dataDir, databaseUrl: db.databaseUrl, keysUrl: jira.keysUrl, awsUrl: aws.url, ...appOptions });
  const install = await jira.install(app.url);
  if (install.status !== 204) throw new Error(`install answered ${install.status}: ${install.body}`);
  const jwt = jira.contextJwt(jira.adminAccountId);
  const res = await callApi(app.url, jwt, 'POST', '/api/associations', {
    projectKey: 'FLAG',
    region: REGION,
    applicationId: application.id,
    configurationProfileId: profile.id,
    ...KEYS,
  });
  if (res.status !== 201) throw new Error(`POST /api/associations answered ${res.status}: ${JSON.stringify(res.json)}`);
  const associationId = String(res.json.id);
  const eventsUrl = String(res.json.eventsUrl);
  const record = aws.extensionAssociations().find((a) => a.parameters.EventsUrl === eventsUrl);
  if (!record?.parameters.SigningSecret) throw new Error('the app created no extension association with a SigningSecret');

  return {
    jira,
    aws,
    app,
    jwt,
    associationId,
    target: {
      eventsUrl,
      signingSecret: record.parameters.SigningSecret,
      app: { id: application.id, name: application.name },
      profile: { id: profile.id, name: profile.name },
    },
    async close() {
      await app.child.stop();
      await jira.close();
      await aws.close();
    },
  };
}
