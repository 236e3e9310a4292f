/** AppConfig operations on applications, configuration profiles and hosted configuration versions. */
import { randomUUID } from 'node:crypto';
import {
  appArnParam,
  badRequest,
  notFound,
  paginate,
  profileArnParam,
  requireApp,
  requireProfile,
  wildcardArn,
  type OpContext,
  type Route,
} from './appconfig-common.js';
import type { ExtensionEvent } from './events.js';
import { applicationArn, profileArnOf, type HostedVersionRecord, type ProfileRecord } from './state.js';
import { AwsFault } from './wire.js';

const HOSTED_BASE = '/applications/{ApplicationId}/configurationprofiles/{ConfigurationProfileId}/hostedconfigurationversions';

/** Header values must be Latin-1 on the wire; AppConfig descriptions normally are. */
const headerSafe = (s: string) => s.replace(/[^\t\x20-\x7e\x80-\xff]/g, '?');

function profileBody(p: ProfileRecord) {
  return { ApplicationId: p.applicationId, Id: p.id, Name: p.name, Description: p.description, LocationUri: 'hosted', Validators: [], Type: p.type };
}

function versionHeaders(appId: string, profileId: string, v: HostedVersionRecord): Record<string, string> {
  const h: Record<string, string> = {
    'Application-Id': appId,
    'Configuration-Profile-Id': profileId,
    'Version-Number': String(v.versionNumber),
    'Content-Type': v.contentType,
  };
  if (v.description !== undefined) h.Description = headerSafe(v.description);
  if (v.versionLabel !== undefined) h.VersionLabel = headerSafe(v.versionLabel);
  return h;
}

async function createHostedVersion(ctx: OpContext) {
  const { app, profile } = requireProfile(ctx, ctx.params.ApplicationId, ctx.params.ConfigurationProfileId);
  const contentType = ctx.headers['content-type'];
  if (!contentType) throw badRequest('Content-Type is required.');
  const description = typeof ctx.headers.description === 'string' ? ctx.headers.description : undefined;
  const { quotas } = ctx.state;
  if (ctx.body.length > quotas.hostedContentBytes) {
    throw new AwsFault(413, 'PayloadTooLargeException', 'The configuration size is too large.', {
      Measure: 'KILOBYTES',
      Limit: quotas.hostedContentBytes / 1024,
      Size: Math.ceil(ctx.body.length / 1024),
    });
  }
  if (profile.versions.length >= quotas.hostedVersionsPerProfile) {
    throw new AwsFault(402, 'ServiceQuotaExceededException', 'Maximum number of hosted configuration versions reached for this configuration profile.');
  }
  const latest = profile.versions[profile.versions.length - 1]?.versionNumber ?? 0;
  const lock = ctx.headers['latest-version-number'];
  if (typeof lock === 'string' && Number(lock) !== latest) {
    throw new AwsFault(409, 'ConflictException', `Latest-Version-Number ${lock} does not match the latest version ${latest}.`);
  }
  if (profile.type === 'AWS.AppConfig.FeatureFlags') {
    let ok = false;
    try {
      const doc: unknown = JSON.parse(ctx.body.toString('utf8'));
      ok = !!doc && typeof doc === 'object' && !Array.isArray(doc);
    } catch {
      ok = false;
    }
    if (!ok) {
      throw badRequest('The content is not a valid feature flags document.', {
        Reason: 'InvalidConfiguration',
        Details: { InvalidConfiguration: [{ Location: '/', Reason: 'not a JSON object', Type: 'Syntax' }] },
      });
    }
  }
  const versionNumber = latest + 1;
  await raisePreCreateEvents(ctx, app.id, app.name, profile, versionNumber, contentType, description);
  const version = ctx.state.addHostedVersion(app.id, profile.id, ctx.body, { contentType, description });
  return { status: 201, headers: versionHeaders(app.id, profile.id, version), body: version.content };
}

/** Associations on the profile or its application receive the PRE_CREATE event, as in AppConfig. */
async function raisePreCreateEvents(
  ctx: OpContext,
  appId: string,
  appName: string,
  profile: ProfileRecord,
  versionNumber: number,
  contentType: string,
  description: string | undefined,
) {
  const targets = new Set([applicationArn(ctx.scope, appId), profileArnOf(ctx.scope, appId, profile.id)]);
  for (const assoc of ctx.state.associationsIn(ctx.scope)) {
    if (!targets.has(assoc.resourceArn)) continue;
    const ext = ctx.state.extensions.get(assoc.extensionId);
    const event: ExtensionEvent = {
      InvocationId: randomUUID().slice(0, 8),
      Type: 'PreCreateHostedConfigurationVersion',
      Parameters: { ...assoc.parameters },
      Application: { Id: appId, Name: appName },
      ConfigurationProfile: { Id: profile.id, Name: profile.name },
      ...(description !== undefined ? { Description: description } : {}),
      Content: ctx.body.toString('base64'),
      ContentType: contentType,
      ContentVersion: String(versionNumber),
    };
    try {
      await ctx.events.emit(event, {
        associationId: assoc.id,
        extensionId: assoc.extensionId,
        extensionName: ext?.name ?? assoc.extensionId,
        accountId: ctx.scope.accountId,
        region: ctx.scope.region,
      });
    } catch (err) {
      throw badRequest(`Extension ${ext?.name ?? assoc.extensionId} rejected the configuration: ${(err as Error).message}`);
    }
  }
}

export const resourceRoutes: Route[] = [
  {
    method: 'GET',
    path: '/applications',
    operation: 'ListApplications',
    resource: (ctx) => wildcardArn(ctx.scope, 'application/*'),
    handle: (ctx) => ({
      status: 200,
      body: paginate(
        ctx.state.applicationsIn(ctx.scope).map((a) => ({ Id: a.id, Name: a.name, Description: a.description })),
        ctx.query,
      ),
    }),
  },
  {
    method: 'GET',
    path: '/applications/{ApplicationId}',
    operation: 'GetApplication',
    resource: appArnParam,
    handle: (ctx) => {
      const a = requireApp(ctx, ctx.params.ApplicationId);
      return { status: 200, body: { Id: a.id, Name: a.name, Description: a.description } };
    },
  },
  {
    method: 'GET',
    path: '/applications/{ApplicationId}/configurationprofiles',
    operation: 'ListConfigurationProfiles',
    resource: appArnParam,
    handle: (ctx) => {
      const app = requireApp(ctx, ctx.params.ApplicationId);
      const type = ctx.query.get('type');
      const items = [...app.profiles.values()]
        .filter((p) => type === null || p.type === type)
        .map((p) => ({ ApplicationId: app.id, Id: p.id, Name: p.name, LocationUri: 'hosted', ValidatorTypes: [], Type: p.type }));
      return { status: 200, body: paginate(items, ctx.query) };
    },
  },
  {
    method: 'GET',
    path: '/applications/{ApplicationId}/configurationprofiles/{ConfigurationProfileId}',
    operation: 'GetConfigurationProfile',
    resource: profileArnParam,
    handle: (ctx) => ({ status: 200, body: profileBody(requireProfile(ctx, ctx.params.ApplicationId, ctx.params.ConfigurationProfileId).profile) }),
  },
  {
    method: 'GET',
    path: HOSTED_BASE,
    operation: 'ListHostedConfigurationVersions',
    resource: profileArnParam,
    handle: (ctx) => {
      const { app, profile } = requireProfile(ctx, ctx.params.ApplicationId, ctx.params.ConfigurationProfileId);
      const label = ctx.query.get('version_label');
      const items = [...profile.versions]
        .reverse()
        .filter((v) => label === null || v.versionLabel === label)
        .map((v) => ({
          ApplicationId: app.id,
          ConfigurationProfileId: profile.id,
          VersionNumber: v.versionNumber,
          Description: v.description,
          ContentType: v.contentType,
          VersionLabel: v.versionLabel,
        }));
      return { status: 200, body: paginate(items, ctx.query) };
    },
  },
  {
    method: 'GET',
    path: `${HOSTED_BASE}/{VersionNumber}`,
    operation: 'GetHostedConfigurationVersion',
    resource: profileArnParam,
    handle: (ctx) => {
      const { app, profile } = requireProfile(ctx, ctx.params.ApplicationId, ctx.params.ConfigurationProfileId);
      const n = Number(ctx.params.VersionNumber);
      const v = profile.versions.find((x) => x.versionNumber === n);
      if (!v) throw notFound(`Hosted configuration version ${ctx.params.VersionNumber ?? ''} not found`, 'HostedConfigurationVersion');
      return { status: 200, headers: versionHeaders(app.id, profile.id, v), body: v.content };
    },
  },
  {
    method: 'POST',
    path: HOSTED_BASE,
    operation: 'CreateHostedConfigurationVersion',
    resource: profileArnParam,
    handle: createHostedVersion,
  },
];
