/**
 * Finds the AppConfig application and feature-flag profile the admin named, by ID or by exact name.
 * Listing (rather than Get by ID) needs only the List permissions and resolves names with the same call.
 */
import { ListApplicationsCommand, ListConfigurationProfilesCommand } from '@aws-sdk/client-appconfig';
import { ApiError } from '../http/errors.js';
import { withAppConfig, type AwsAccess } from './clients.js';
import { printable, type NotFoundMeaning } from './errors.js';

export const FEATURE_FLAGS_TYPE = 'AWS.AppConfig.FeatureFlags';

export interface ApplicationRef {
  id: string;
  name: string;
}

export interface ProfileRef {
  id: string;
  name: string;
  type: string;
}

/** Stops a misbehaving paginator from looping forever. */
const MAX_PAGES = 200;

/** User input echoed back in a message: printable, quoted, short. */
export function shown(value: string): string {
  const clean = printable(value);
  return `"${clean.length > 80 ? `${clean.slice(0, 77)}...` : clean}"`;
}

export function profileArn(region: string, accountId: string, applicationId: string, profileId: string): string {
  const partition = region.startsWith('cn-') ? 'aws-cn' : region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws';
  return `arn:${partition}:appconfig:${region}:${accountId}:application/${applicationId}/configurationprofile/${profileId}`;
}

export const applicationNotFound =
  (a: AwsAccess, applicationId: string) =>
  (): NotFoundMeaning => ({
    field: 'applicationId',
    message: `AppConfig has no application ${shown(applicationId)} in Region ${a.region} for this account: check the application ID and the Region.`,
  });

/** For calls on a profile: AWS's message says whether the application or the profile is missing. */
export const profileNotFound =
  (a: AwsAccess, applicationId: string, profileId: string) =>
  (awsMessage: string): NotFoundMeaning =>
    /^application/i.test(awsMessage)
      ? applicationNotFound(a, applicationId)()
      : {
          field: 'configurationProfileId',
          message: `AppConfig has no configuration profile ${shown(profileId)} in application ${shown(applicationId)} (Region ${a.region}): check the profile ID.`,
        };

export async function listApplications(a: AwsAccess): Promise<ApplicationRef[]> {
  const apps: ApplicationRef[] = [];
  let token: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const out = await withAppConfig(a, 'ListApplications', (c, opts) => c.send(new ListApplicationsCommand({ MaxResults: 50, NextToken: token }), opts));
    for (const item of out.Items ?? []) if (item.Id) apps.push({ id: item.Id, name: item.Name ?? '' });
    token = out.NextToken;
    if (!token) break;
  }
  return apps;
}

async function listProfiles(a: AwsAccess, applicationId: string, type?: string): Promise<ProfileRef[]> {
  const profiles: ProfileRef[] = [];
  let token: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const out = await withAppConfig(
      a,
      'ListConfigurationProfiles',
      (c, opts) => c.send(new ListConfigurationProfilesCommand({ ApplicationId: applicationId, MaxResults: 50, NextToken: token, Type: type }), opts),
      { notFound: applicationNotFound(a, applicationId) },
    );
    for (const item of out.Items ?? []) if (item.Id) profiles.push({ id: item.Id, name: item.Name ?? '', type: item.Type ?? '' });
    token = out.NextToken;
    if (!token) break;
  }
  return profiles;
}

/** The application's feature-flag profiles only (Type AWS.AppConfig.FeatureFlags). */
export function listFeatureFlagProfiles(a: AwsAccess, applicationId: string): Promise<ProfileRef[]> {
  return listProfiles(a, applicationId, FEATURE_FLAGS_TYPE);
}

function pick<T extends { id: string; name: string }>(items: T[], idOrName: string, ambiguous: (matches: T[]) => ApiError): T | undefined {
  const byId = items.find((x) => x.id === idOrName);
  if (byId) return byId;
  const byName = items.filter((x) => x.name === idOrName);
  if (byName.length > 1) throw ambiguous(byName);
  return byName[0];
}

export async function resolveApplication(a: AwsAccess, idOrName: string): Promise<ApplicationRef> {
  const wanted = idOrName.trim();
  if (!wanted) throw new ApiError(400, 'invalid_application', 'Enter the AppConfig application ID or name.', 'applicationId');
  const apps = await listApplications(a);
  const found = pick(apps, wanted, (matches) =>
    new ApiError(
      400,
      'aws_ambiguous_name',
      `${matches.length} AppConfig applications are named ${shown(wanted)} in Region ${a.region} (IDs ${matches.map((m) => m.id).join(', ')}): enter the application ID instead.`,
      'applicationId',
    ),
  );
  if (!found) {
    throw new ApiError(
      404,
      'aws_not_found',
      `AppConfig has no application with the ID or name ${shown(wanted)} in Region ${a.region} for this account: check the spelling and the Region.`,
      'applicationId',
    );
  }
  return found;
}

export async function resolveFeatureFlagProfile(a: AwsAccess, applicationId: string, idOrName: string): Promise<ProfileRef> {
  const wanted = idOrName.trim();
  if (!wanted) throw new ApiError(400, 'invalid_configuration_profile', 'Enter the configuration profile ID or name.', 'configurationProfileId');
  const all = await listProfiles(a, applicationId);
  // Two profiles may share a name; if only one of them holds feature flags, that is the one meant.
  const flagsNamed = all.filter((p) => p.name === wanted && p.type === FEATURE_FLAGS_TYPE);
  const candidates = all.some((p) => p.id === wanted) || flagsNamed.length !== 1 ? all : flagsNamed;
  const found = pick(candidates, wanted, (matches) =>
    new ApiError(
      400,
      'aws_ambiguous_name',
      `${matches.length} configuration profiles are named ${shown(wanted)} in this application (IDs ${matches.map((m) => m.id).join(', ')}): enter the profile ID instead.`,
      'configurationProfileId',
    ),
  );
  if (!found) {
    throw new ApiError(
      404,
      'aws_not_found',
      `AppConfig application ${shown(applicationId)} has no configuration profile with the ID or name ${shown(wanted)}: check the spelling.`,
      'configurationProfileId',
    );
  }
  if (found.type !== FEATURE_FLAGS_TYPE) {
    throw new ApiError(
      400,
      'aws_wrong_profile_type',
      `Configuration profile ${shown(found.name)} (${found.id}) is of type ${found.type || 'unknown'}, not ${FEATURE_FLAGS_TYPE}: choose a feature flag profile.`,
      'configurationProfileId',
    );
  }
  return found;
}
