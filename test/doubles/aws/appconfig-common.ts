/** What every AppConfig operation handler of the double shares: its context, lookups and paging. */
import type { IncomingHttpHeaders } from 'node:http';
import type { EventHub } from './events.js';
import {
  applicationArn,
  profileArnOf,
  type ApplicationRecord,
  type AwsState,
  type KeySpec,
  type ProfileRecord,
  type Scope,
} from './state.js';
import { AwsFault, type Reply } from './wire.js';

export interface OpContext {
  state: AwsState;
  events: EventHub;
  scope: Scope;
  key: KeySpec;
  params: Record<string, string>;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface Route {
  method: string;
  /** Path template with `{Name}` segments, exactly as the SDK's serializers write it. */
  path: string;
  operation: string;
  /** The ARN IAM would evaluate, for the AccessDenied message. */
  resource(ctx: OpContext): string;
  handle(ctx: OpContext): Reply | Promise<Reply>;
}

export const badRequest = (message: string, extra: Record<string, unknown> = {}) => new AwsFault(400, 'BadRequestException', message, extra);
export const notFound = (message: string, resourceName: string) =>
  new AwsFault(404, 'ResourceNotFoundException', message, { ResourceName: resourceName });

export function wildcardArn(scope: Scope, suffix: string): string {
  return `arn:aws:appconfig:${scope.region}:${scope.accountId}:${suffix}`;
}

export function appArnParam(ctx: OpContext): string {
  return applicationArn(ctx.scope, ctx.params.ApplicationId ?? '');
}

export function profileArnParam(ctx: OpContext): string {
  return profileArnOf(ctx.scope, ctx.params.ApplicationId ?? '', ctx.params.ConfigurationProfileId ?? '');
}

export function requireApp(ctx: OpContext, id: string | undefined): ApplicationRecord {
  const app = id ? ctx.state.applications.get(id) : undefined;
  if (!app || app.accountId !== ctx.scope.accountId || app.region !== ctx.scope.region) {
    throw notFound(`Application ${id ?? ''} not found`, 'Application');
  }
  return app;
}

export function requireProfile(ctx: OpContext, appId: string | undefined, profileId: string | undefined): { app: ApplicationRecord; profile: ProfileRecord } {
  const app = requireApp(ctx, appId);
  const profile = profileId ? app.profiles.get(profileId) : undefined;
  if (!profile) throw notFound(`Configuration profile ${profileId ?? ''} not found in application ${app.id}`, 'ConfigurationProfile');
  return { app, profile };
}

export function jsonBody(ctx: OpContext): Record<string, unknown> {
  if (ctx.body.length === 0) return {};
  try {
    const parsed: unknown = JSON.parse(ctx.body.toString('utf8'));
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // fall through to the same answer as a non-object body
  }
  throw new AwsFault(400, 'SerializationException', 'The request body is not a JSON object.');
}

/** AppConfig's paging: max_results 1..50, an opaque next_token. */
export function paginate<T>(items: T[], query: URLSearchParams): { Items: T[]; NextToken?: string } {
  const rawMax = query.get('max_results');
  const max = rawMax === null ? 50 : Number(rawMax);
  if (!Number.isInteger(max) || max < 1 || max > 50) throw badRequest('max_results must be between 1 and 50.');
  const token = query.get('next_token');
  let start = 0;
  if (token !== null) {
    const m = /^offset:(\d+)$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
    if (!m) throw badRequest('The next_token is not valid.');
    start = Number(m[1]);
  }
  const page = items.slice(start, start + max);
  const next = start + max < items.length ? Buffer.from(`offset:${start + max}`).toString('base64url') : undefined;
  return next ? { Items: page, NextToken: next } : { Items: page };
}

export function stringMap(value: unknown, what: string): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw badRequest(`${what} must be a map of strings.`);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string') throw badRequest(`${what}.${k} must be a string.`);
    out[k] = v;
  }
  return out;
}
