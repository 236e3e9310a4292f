/** Reads the newest saved version of a hosted configuration (for the backfill of existing flags). */
import { GetHostedConfigurationVersionCommand, ListHostedConfigurationVersionsCommand } from '@aws-sdk/client-appconfig';
import { withAppConfig, type AwsAccess } from './clients.js';
import { profileNotFound } from './resolve.js';

export interface HostedVersion {
  version: number;
  content: Uint8Array;
  contentType?: string;
  description?: string;
}

/** The latest hosted version, or null when the profile has none yet. */
export async function readLatestHostedVersion(a: AwsAccess, applicationId: string, profileId: string): Promise<HostedVersion | null> {
  const notFound = profileNotFound(a, applicationId, profileId);
  // AppConfig lists hosted versions newest first.
  const list = await withAppConfig(
    a,
    'ListHostedConfigurationVersions',
    (c, opts) => c.send(new ListHostedConfigurationVersionsCommand({ ApplicationId: applicationId, ConfigurationProfileId: profileId, MaxResults: 1 }), opts),
    { notFound },
  );
  const latest = list.Items?.[0]?.VersionNumber;
  if (latest === undefined) return null;
  const v = await withAppConfig(
    a,
    'GetHostedConfigurationVersion',
    (c, opts) =>
      c.send(new GetHostedConfigurationVersionCommand({ ApplicationId: applicationId, ConfigurationProfileId: profileId, VersionNumber: latest }), opts),
    { notFound },
  );
  return {
    version: v.VersionNumber ?? latest,
    content: v.Content ?? new Uint8Array(),
    ...(v.ContentType ? { contentType: v.ContentType } : {}),
    ...(v.Description !== undefined ? { description: v.Description } : {}),
  };
}
