/**
 * When the app answers 410 for an event (its signature was valid, but the association was removed
 * in Jira or the site uninstalled the app), the forwarder deletes its own extension association: the
 * one on the event's configuration profile whose EventsUrl is the URL it posted to. The app keeps no
 * AWS keys; the forwarder runs in the customer's account, with a role that may do exactly this.
 *
 * It uses the AWS SDK for JavaScript v3 that Lambda's Node.js runtimes provide, loaded only here and
 * only then; the credentials are the function's execution role, from the Lambda environment.
 */
import type { AppConfigClient } from '@aws-sdk/client-appconfig';

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface RemovalRequest {
  /** The event as AppConfig sent it: its Application and ConfigurationProfile name the resource. */
  event: Record<string, unknown>;
  /** The URL the event was posted to (normalised): the association whose EventsUrl it is, is ours. */
  eventsUrl: string;
  /** The Lambda context's invokedFunctionArn: partition, Region and account of the association. */
  functionArn: string | undefined;
  timeoutMs: number;
  /** Only for tests: Lambda provides the role's credentials through the environment. */
  credentials?: AwsCredentials;
}

export interface RemovalOutcome {
  /** deleted: ours was found and deleted; not_found: none on the profile points at this URL. */
  outcome: 'deleted' | 'not_found' | 'failed';
  associationId?: string;
  resourceArn?: string;
  /** What stopped it, without a message from outside: "DeleteExtensionAssociation: AccessDeniedException". */
  error?: string;
}

const FUNCTION_ARN = /^arn:(aws[a-z-]*):lambda:([a-z0-9-]+):(\d{12}):function:/;
/** AppConfig IDs are 4 to 7 lower-case letters and digits. */
const APPCONFIG_ID = /^[a-z0-9]{4,7}$/;
// Stops a misbehaving paginator from looping; one profile holds at most a handful of associations.
const MAX_PAGES = 20;

const idOf = (value: unknown): string | undefined => {
  const id = typeof value === 'object' && value !== null ? (value as { Id?: unknown }).Id : undefined;
  return typeof id === 'string' && APPCONFIG_ID.test(id) ? id : undefined;
};

function sameUrl(a: string | undefined, b: string): boolean {
  if (!a) return false;
  try {
    return new URL(a.trim()).href === b;
  } catch {
    return false;
  }
}

/** The configuration profile's ARN, from the function's own ARN and the event's IDs. */
function profileArnFor(req: RemovalRequest): { arn: string; region: string } | { problem: string } {
  const fn = FUNCTION_ARN.exec(req.functionArn ?? '');
  if (!fn) return { problem: 'the function ARN is unknown' };
  const [, partition, region, account] = fn;
  const appId = idOf(req.event.Application);
  const profileId = idOf(req.event.ConfigurationProfile);
  if (!appId || !profileId) return { problem: 'the event names no application and configuration profile' };
  return { arn: `arn:${partition}:appconfig:${region}:${account}:application/${appId}/configurationprofile/${profileId}`, region: region! };
}

export async function removeOwnAssociation(req: RemovalRequest): Promise<RemovalOutcome> {
  const where = profileArnFor(req);
  if ('problem' in where) return { outcome: 'failed', error: where.problem };
  const resourceArn = where.arn;
  let step = 'load the AWS SDK';
  let client: AppConfigClient | undefined;
  try {
    const sdk = await import('@aws-sdk/client-appconfig');
    client = new sdk.AppConfigClient({
      region: where.region,
      maxAttempts: 2,
      requestHandler: { connectionTimeout: req.timeoutMs, requestTimeout: req.timeoutMs },
      ...(req.credentials ? { credentials: req.credentials } : {}),
    });
    const opts = { abortSignal: AbortSignal.timeout(req.timeoutMs) };
    let token: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      step = 'ListExtensionAssociations';
      const list = await client.send(new sdk.ListExtensionAssociationsCommand({ ResourceIdentifier: resourceArn, MaxResults: 50, NextToken: token }), opts);
      for (const item of list.Items ?? []) {
        if (!item.Id || item.ResourceArn !== resourceArn) continue;
        step = 'GetExtensionAssociation';
        const got = await client.send(new sdk.GetExtensionAssociationCommand({ ExtensionAssociationId: item.Id }), opts);
        if (!sameUrl(got.Parameters?.EventsUrl, req.eventsUrl)) continue;
        step = 'DeleteExtensionAssociation';
        await client.send(new sdk.DeleteExtensionAssociationCommand({ ExtensionAssociationId: item.Id }), opts);
        return { outcome: 'deleted', associationId: item.Id, resourceArn };
      }
      token = list.NextToken;
      if (!token) break;
    }
    return { outcome: 'not_found', resourceArn };
  } catch (err) {
    const name = err instanceof Error && /^[A-Za-z0-9.]{1,80}$/.test(err.name) ? err.name : 'unknown error';
    return { outcome: 'failed', resourceArn, error: `${step}: ${name}` };
  } finally {
    client?.destroy();
  }
}
