/**
 * The AppConfig extension association that makes AWS send a profile's events to this app.
 * Parameter values (they hold the signing secret) are never echoed in an error.
 */
import {
  CreateExtensionAssociationCommand,
  GetExtensionAssociationCommand,
  ListExtensionAssociationsCommand,
  UpdateExtensionAssociationCommand,
} from '@aws-sdk/client-appconfig';
import { ApiError } from '../http/errors.js';
import { withAppConfig, type AwsAccess } from './clients.js';
import type { NotFoundMeaning } from './errors.js';
import { shown } from './resolve.js';

export interface ExtensionAssociationRef {
  id: string;
  arn?: string;
  parameters: Record<string, string>;
}

const MAX_PAGES = 50;

const extensionNotFound = (a: AwsAccess, extensionIdentifier: string): NotFoundMeaning => ({
  field: 'extensionIdentifier',
  message: `The AppConfig extension ${shown(extensionIdentifier)} does not exist in Region ${a.region} of this account: deploy the app's CloudFormation template there first.`,
});

/** A not-found on create names the resource AWS could not find: the profile, its application, or the extension. */
const createNotFound =
  (a: AwsAccess, extensionIdentifier: string, resourceArn: string) =>
  (awsMessage: string): NotFoundMeaning => {
    if (/^(configuration )?profile/i.test(awsMessage)) {
      return { field: 'configurationProfileId', message: `The configuration profile ${shown(resourceArn)} no longer exists in AppConfig: check the profile and try again.` };
    }
    if (/^application/i.test(awsMessage)) {
      return { field: 'applicationId', message: `The application of ${shown(resourceArn)} no longer exists in AppConfig: check the application and try again.` };
    }
    return extensionNotFound(a, extensionIdentifier);
  };

/** The association of this extension on this resource, with its parameters, or null. */
export async function findExtensionAssociation(
  a: AwsAccess,
  q: { resourceArn: string; extensionIdentifier: string },
): Promise<ExtensionAssociationRef | null> {
  let token: string | undefined;
  let id: string | undefined;
  for (let page = 0; page < MAX_PAGES && !id; page++) {
    const out = await withAppConfig(
      a,
      'ListExtensionAssociations',
      (c, opts) =>
        c.send(
          new ListExtensionAssociationsCommand({ ResourceIdentifier: q.resourceArn, ExtensionIdentifier: q.extensionIdentifier, MaxResults: 50, NextToken: token }),
          opts,
        ),
      { notFound: () => extensionNotFound(a, q.extensionIdentifier) },
    );
    // The filter is applied by AppConfig; the resource check guards against a looser answer.
    id = out.Items?.find((item) => item.Id && item.ResourceArn === q.resourceArn)?.Id;
    token = out.NextToken;
    if (!token) break;
  }
  if (!id) return null;
  const assocId = id;
  const got = await withAppConfig(a, 'GetExtensionAssociation', (c, opts) => c.send(new GetExtensionAssociationCommand({ ExtensionAssociationId: assocId }), opts), {
    notFound: () => ({ message: `The extension association ${assocId} disappeared while it was being read: try again.` }),
  });
  return { id: assocId, ...(got.Arn ? { arn: got.Arn } : {}), parameters: { ...(got.Parameters ?? {}) } };
}

export async function createExtensionAssociation(
  a: AwsAccess,
  spec: { resourceArn: string; extensionIdentifier: string; parameters: Record<string, string> },
): Promise<{ id: string; arn?: string }> {
  const out = await withAppConfig(
    a,
    'CreateExtensionAssociation',
    (c, opts) =>
      c.send(
        new CreateExtensionAssociationCommand({ ExtensionIdentifier: spec.extensionIdentifier, ResourceIdentifier: spec.resourceArn, Parameters: spec.parameters }),
        opts,
      ),
    { notFound: createNotFound(a, spec.extensionIdentifier, spec.resourceArn), redact: Object.values(spec.parameters) },
  );
  if (!out.Id) throw new ApiError(502, 'aws_error', 'AWS AppConfig created the extension association but did not return its ID: try again.');
  return { id: out.Id, ...(out.Arn ? { arn: out.Arn } : {}) };
}

/** Replaces the association's parameters (e.g. a new EventsUrl or signing secret). */
export async function updateExtensionAssociation(a: AwsAccess, id: string, parameters: Record<string, string>): Promise<void> {
  await withAppConfig(
    a,
    'UpdateExtensionAssociation',
    (c, opts) => c.send(new UpdateExtensionAssociationCommand({ ExtensionAssociationId: id, Parameters: parameters }), opts),
    {
      notFound: () => ({ message: `The extension association ${shown(id)} no longer exists in AppConfig: save again to create a new one.` }),
      redact: Object.values(parameters),
    },
  );
}
