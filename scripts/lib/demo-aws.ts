/**
 * The AWS side of the demo: what is in the account before anyone starts (seed), an engineer saving
 * flag documents through the real SDK, and AppConfig invoking the forwarder for a deployment.
 */
import {
  AppConfigClient,
  CreateHostedConfigurationVersionCommand,
  GetExtensionAssociationCommand,
} from '@aws-sdk/client-appconfig';
import { createHandler } from '../../src/forwarder/handler.js';
import { DEFAULT_EXTENSION_NAME } from '../../src/forwarder/template.js';
import type { AwsSeed } from '../../test/doubles/aws/seed.js';
import { BACKFILL_ACTIONS, REQUIRED_ACTIONS } from '../../src/aws/index.js';
import type { DeploymentEventType } from '../../src/events/appconfig-event.js';
import { deploymentEvent, type EventTarget } from '../../test/support/events.js';

export const DEMO_ACCOUNT = '123456789012';
export const DEMO_REGION = 'eu-west-1';
export const EXTENSION = DEFAULT_EXTENSION_NAME;

/** The keys the Jira admin pastes into the Configure page (the README's least-privilege policy). */
export const ADMIN_KEYS = { accessKeyId: 'AKIADEMOJIRAADMIN001', secretAccessKey: 'demo-jira-admin-secret-0000000000000000000' };
/** An engineer who saves flags in AppConfig. */
const ENGINEER_KEYS = { accessKeyId: 'AKIADEMOENGINEER0002', secretAccessKey: 'demo-engineer-secret-00000000000000000000000' };

export function demoSeed(): AwsSeed & { accountId: string; region: string } {
  return {
    accountId: DEMO_ACCOUNT,
    region: DEMO_REGION,
    keys: [
      {
        ...ADMIN_KEYS,
        accountId: DEMO_ACCOUNT,
        userArn: `arn:aws:iam::${DEMO_ACCOUNT}:user/jira-flag-tracker`,
        allow: [...REQUIRED_ACTIONS, ...BACKFILL_ACTIONS],
      },
      {
        ...ENGINEER_KEYS,
        accountId: DEMO_ACCOUNT,
        userArn: `arn:aws:iam::${DEMO_ACCOUNT}:user/engineer`,
        allow: ['appconfig:CreateHostedConfigurationVersion', 'appconfig:GetExtensionAssociation'],
      },
    ],
    // What the app's CloudFormation template defines.
    extensions: [{ name: EXTENSION, parameters: { EventsUrl: { Required: true }, SigningSecret: { Required: true } } }],
    applications: [{ name: 'shop', profiles: [{ name: 'release-flags', type: 'AWS.AppConfig.FeatureFlags' }] }],
  };
}

export function engineerClient(awsUrl: string): AppConfigClient {
  return new AppConfigClient({ region: DEMO_REGION, endpoint: awsUrl, credentials: ENGINEER_KEYS, maxAttempts: 1 });
}

/** Saves a hosted version; AppConfig runs the PRE_CREATE action (our forwarder) before it answers. */
export async function saveVersion(client: AppConfigClient, appId: string, profileId: string, document: string, description: string): Promise<number> {
  const out = await client.send(
    new CreateHostedConfigurationVersionCommand({
      ApplicationId: appId,
      ConfigurationProfileId: profileId,
      Content: new TextEncoder().encode(document),
      ContentType: 'application/json',
      Description: description,
    }),
  );
  if (out.VersionNumber === undefined) throw new Error('CreateHostedConfigurationVersion returned no version number');
  return out.VersionNumber;
}

export interface DeploymentSpec extends EventTarget {
  type: DeploymentEventType;
  environment: { Id: string; Name: string };
  deploymentNumber: number;
  version: number;
  description: string;
}

/**
 * What AppConfig does at ON_DEPLOYMENT_* action points: invoke the forwarder Lambda with the event and
 * the association's parameters. The AWS double raises only PRE_CREATE events, so this runs the same
 * forwarder code (src/forwarder/handler.ts) here; it signs and posts exactly as it does in Lambda.
 */
export async function deliverDeployment(client: AppConfigClient, extensionAssociationId: string, d: DeploymentSpec): Promise<void> {
  const association = await client.send(new GetExtensionAssociationCommand({ ExtensionAssociationId: extensionAssociationId }));
  const lines: { outcome?: string; status?: number; error?: string }[] = [];
  const forward = createHandler({ log: (line) => lines.push(JSON.parse(line) as (typeof lines)[number]) });
  await forward(
    deploymentEvent(d, d.version, {
      type: d.type,
      environment: d.environment,
      deploymentNumber: d.deploymentNumber,
      description: d.description,
      parameters: association.Parameters ?? {},
    }),
  );
  const line = lines[0];
  if (line?.outcome !== 'delivered') throw new Error(`the forwarder did not deliver ${d.type}: ${JSON.stringify(line)}`);
}
