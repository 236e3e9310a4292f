/**
 * AppConfig extension events as the forwarder posts them, built from the fixtures with the caller's
 * application and profile, and the signed headers the forwarder sends them with.
 */
import crypto from 'node:crypto';
import type { DeploymentEventType, IGNORED_EVENT_TYPES } from '../../src/events/appconfig-event.js';
import { SIGNATURE_HEADER, signatureHeader } from '../../src/intake/signature.js';
import { fixtureJson } from './fixtures.js';

/** The AppConfig application and profile an event is about (must match the association's). */
export interface EventTarget {
  app: { id: string; name: string };
  profile: { id: string; name: string };
}

/** The association's parameters AppConfig passes along (the fixtures carry example values). */
export interface EventParameters {
  EventsUrl?: string;
  SigningSecret?: string;
}

export const newInvocationId = (): string => crypto.randomBytes(6).toString('hex');

interface CommonOptions {
  invocationId?: string;
  parameters?: EventParameters;
}

const common = (target: EventTarget, opts: CommonOptions) => ({
  InvocationId: opts.invocationId ?? newInvocationId(),
  ...(opts.parameters ? { Parameters: opts.parameters } : {}),
  Application: { Id: target.app.id, Name: target.app.name },
  ConfigurationProfile: { Id: target.profile.id, Name: target.profile.name },
});

/** A PreCreateHostedConfigurationVersion event carrying `document` (an object, or raw text) as version `version`. */
export function preCreateEvent(
  target: EventTarget,
  document: unknown,
  version: number | string,
  opts: CommonOptions & { description?: string | null } = {},
): Record<string, unknown> {
  const text = typeof document === 'string' ? document : JSON.stringify(document, null, 2);
  return {
    ...fixtureJson('event-pre-create.json'),
    ...common(target, opts),
    Description: opts.description === undefined ? `saved version ${version}` : opts.description,
    Content: Buffer.from(text, 'utf8').toString('base64'),
    ContentVersion: String(version),
  };
}

/** The deployment action points: the three the app stores and those it acknowledges without storing. */
export type DeploymentType = DeploymentEventType | (typeof IGNORED_EVENT_TYPES)[number];

/** A deployment event of configuration version `version` (by default: completed, deployment #3, to production). */
export function deploymentEvent(
  target: EventTarget,
  version: number | string,
  opts: CommonOptions & { type?: DeploymentType; deploymentNumber?: string | number; environment?: { Id: string; Name: string }; description?: string | null } = {},
): Record<string, unknown> {
  return {
    ...fixtureJson('event-deployment-complete.json'),
    ...common(target, opts),
    Type: opts.type ?? 'OnDeploymentComplete',
    Environment: opts.environment ?? { Id: 'env5678', Name: 'production' },
    ...(opts.description === undefined ? {} : { Description: opts.description }),
    DeploymentNumber: String(opts.deploymentNumber ?? 3),
    ConfigurationVersion: String(version),
  };
}

/** Headers exactly as the forwarder (src/forwarder/deliver.ts) sends a raw event body. */
export const signedEventHeaders = (secret: string, raw: string): Record<string, string> => ({
  'Content-Type': 'application/json',
  [SIGNATURE_HEADER]: signatureHeader(secret, raw),
});
