/** AppConfig operations on extensions and extension associations. */
import { badRequest, jsonBody, notFound, paginate, stringMap, wildcardArn, type OpContext, type Route } from './appconfig-common.js';
import { applicationArn, profileArnOf, type AssociationRecord, type ExtensionRecord } from './state.js';
import { AwsFault } from './wire.js';

const RESOURCE_ARN_RE =
  /^arn:aws[a-z-]*:appconfig:([^:]+):(\d{12}):application\/([a-z0-9]+)(?:\/(configurationprofile|environment)\/([a-z0-9]+))?$/;

function associationBody(a: AssociationRecord) {
  return {
    Id: a.id,
    ExtensionArn: a.extensionArn,
    ResourceArn: a.resourceArn,
    Arn: a.arn,
    Parameters: a.parameters,
    ExtensionVersionNumber: a.extensionVersionNumber,
  };
}

function extensionBody(e: ExtensionRecord) {
  return { Id: e.id, Name: e.name, VersionNumber: e.versionNumber, Arn: e.arn, Description: e.description, Actions: e.actions, Parameters: e.parameters };
}

function requireExtension(ctx: OpContext, identifier: string): ExtensionRecord {
  const ext = ctx.state.findExtension(ctx.scope, identifier);
  if (!ext) throw notFound(`Extension ${identifier} not found`, 'Extension');
  return ext;
}

function requireAssociation(ctx: OpContext): AssociationRecord {
  const id = ctx.params.ExtensionAssociationId ?? '';
  const a = ctx.state.associations.get(id);
  if (!a || a.accountId !== ctx.scope.accountId || a.region !== ctx.scope.region) {
    throw notFound(`Extension association ${id} not found`, 'ExtensionAssociation');
  }
  return a;
}

/** The extension's declared parameters decide what an association must and may carry. */
function checkParameters(ext: ExtensionRecord, params: Record<string, string>): void {
  const unknown = Object.keys(params).filter((k) => !(k in ext.parameters));
  if (unknown.length) throw badRequest(`Parameter(s) ${unknown.join(', ')} are not defined by extension ${ext.name}.`);
  const missing = Object.entries(ext.parameters)
    .filter(([name, spec]) => spec.Required && !params[name])
    .map(([name]) => name);
  if (missing.length) throw badRequest(`Missing required parameter(s) for extension ${ext.name}: ${missing.join(', ')}.`);
  for (const [k, v] of Object.entries(params)) {
    if (v.length > 2048) throw badRequest(`Parameter ${k} is longer than 2048 characters.`);
  }
}

/** The resource an association may sit on must exist in the caller's own account and Region. */
function requireResource(ctx: OpContext, arn: string): string {
  const m = RESOURCE_ARN_RE.exec(arn);
  if (!m) throw badRequest(`ResourceIdentifier ${arn} is not an application, configuration profile or environment ARN.`);
  const [, region, account, appId, kind, childId] = m;
  if (region !== ctx.scope.region || account !== ctx.scope.accountId) {
    throw badRequest('ResourceIdentifier must be in the same account and Region as the request.');
  }
  const app = ctx.state.applications.get(appId!);
  if (!app || app.accountId !== account || app.region !== region) throw notFound(`Application ${appId} not found`, 'Application');
  if (kind === 'configurationprofile') {
    if (!app.profiles.has(childId!)) throw notFound(`Configuration profile ${childId} not found`, 'ConfigurationProfile');
    return profileArnOf(ctx.scope, app.id, childId!);
  }
  if (kind === 'environment') throw notFound(`Environment ${childId} not found`, 'Environment');
  return applicationArn(ctx.scope, app.id);
}

function createAssociation(ctx: OpContext) {
  const body = jsonBody(ctx);
  const extId = body.ExtensionIdentifier;
  const resId = body.ResourceIdentifier;
  if (typeof extId !== 'string' || !extId) throw badRequest('ExtensionIdentifier is required.');
  if (typeof resId !== 'string' || !resId) throw badRequest('ResourceIdentifier is required.');
  const ext = requireExtension(ctx, extId);
  const resourceArn = requireResource(ctx, resId);
  const params = stringMap(body.Parameters, 'Parameters');
  checkParameters(ext, params);
  const existing = ctx.state.associationsIn(ctx.scope);
  if (existing.some((a) => a.extensionId === ext.id && a.resourceArn === resourceArn)) {
    throw new AwsFault(409, 'ConflictException', `An association of extension ${ext.name} already exists on resource ${resourceArn}.`);
  }
  if (existing.length >= ctx.state.quotas.associationsPerAccount) {
    throw new AwsFault(402, 'ServiceQuotaExceededException', 'Maximum number of extension associations reached for this account.');
  }
  return { status: 201, body: associationBody(ctx.state.addAssociation(ext, resourceArn, params)) };
}

function listAssociations(ctx: OpContext) {
  const resource = ctx.query.get('resource_identifier');
  const extIdentifier = ctx.query.get('extension_identifier');
  const version = ctx.query.get('extension_version_number');
  if (version !== null && extIdentifier === null) throw badRequest('extension_version_number requires extension_identifier.');
  const ext = extIdentifier === null ? undefined : ctx.state.findExtension(ctx.scope, extIdentifier);
  const items = ctx.state
    .associationsIn(ctx.scope)
    .filter((a) => resource === null || a.resourceArn === resource)
    .filter((a) => extIdentifier === null || a.extensionId === ext?.id)
    .filter((a) => version === null || a.extensionVersionNumber === Number(version))
    .map((a) => ({ Id: a.id, ExtensionArn: a.extensionArn, ResourceArn: a.resourceArn }));
  return { status: 200, body: paginate(items, ctx.query) };
}

const associationArn = (ctx: OpContext) => wildcardArn(ctx.scope, `extensionassociation/${ctx.params.ExtensionAssociationId ?? ''}`);

export const extensionRoutes: Route[] = [
  {
    method: 'GET',
    path: '/extensionassociations',
    operation: 'ListExtensionAssociations',
    resource: (ctx) => wildcardArn(ctx.scope, 'extensionassociation/*'),
    handle: listAssociations,
  },
  {
    method: 'POST',
    path: '/extensionassociations',
    operation: 'CreateExtensionAssociation',
    resource: (ctx) => {
      try {
        const r = jsonBody(ctx).ResourceIdentifier;
        return typeof r === 'string' ? r : wildcardArn(ctx.scope, '*');
      } catch {
        return wildcardArn(ctx.scope, '*');
      }
    },
    handle: createAssociation,
  },
  {
    method: 'GET',
    path: '/extensionassociations/{ExtensionAssociationId}',
    operation: 'GetExtensionAssociation',
    resource: associationArn,
    handle: (ctx) => ({ status: 200, body: associationBody(requireAssociation(ctx)) }),
  },
  {
    method: 'PATCH',
    path: '/extensionassociations/{ExtensionAssociationId}',
    operation: 'UpdateExtensionAssociation',
    resource: associationArn,
    handle: (ctx) => {
      const assoc = requireAssociation(ctx);
      const body = jsonBody(ctx);
      if (body.Parameters !== undefined) {
        const params = stringMap(body.Parameters, 'Parameters');
        const ext = ctx.state.extensions.get(assoc.extensionId);
        if (ext) checkParameters(ext, params);
        assoc.parameters = params;
      }
      return { status: 200, body: associationBody(assoc) };
    },
  },
  {
    method: 'DELETE',
    path: '/extensionassociations/{ExtensionAssociationId}',
    operation: 'DeleteExtensionAssociation',
    resource: associationArn,
    handle: (ctx) => {
      ctx.state.associations.delete(requireAssociation(ctx).id);
      return { status: 204 };
    },
  },
  {
    method: 'GET',
    path: '/extensions',
    operation: 'ListExtensions',
    resource: (ctx) => wildcardArn(ctx.scope, 'extension/*'),
    handle: (ctx) => {
      const name = ctx.query.get('name');
      const items = [...ctx.state.extensions.values()]
        .filter((e) => e.accountId === ctx.scope.accountId && e.region === ctx.scope.region)
        .filter((e) => name === null || e.name === name)
        .map((e) => ({ Id: e.id, Name: e.name, VersionNumber: e.versionNumber, Arn: e.arn, Description: e.description }));
      return { status: 200, body: paginate(items, ctx.query) };
    },
  },
  {
    method: 'GET',
    path: '/extensions/{ExtensionIdentifier}',
    operation: 'GetExtension',
    resource: (ctx) => wildcardArn(ctx.scope, `extension/${ctx.params.ExtensionIdentifier ?? ''}`),
    handle: (ctx) => {
      const ext = requireExtension(ctx, ctx.params.ExtensionIdentifier ?? '');
      const v = ctx.query.get('version_number');
      if (v !== null && Number(v) !== ext.versionNumber) throw notFound(`Extension ${ext.name} version ${v} not found`, 'Extension');
      return { status: 200, body: extensionBody(ext) };
    },
  },
];
