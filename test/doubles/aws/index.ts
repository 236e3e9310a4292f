/**
 * A double of AWS STS and AppConfig on 127.0.0.1, reached by the real AWS SDK v3 clients through the
 * standard AWS_ENDPOINT_URL_STS / AWS_ENDPOINT_URL_APPCONFIG variables. It verifies SigV4 itself,
 * enforces per-key IAM allow lists and answers in each service's own wire format.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createDispatcher, type CallRecord } from './dispatch.js';
import { EventHub, type ExtensionEventListener } from './events.js';
import { Faults } from './faults.js';
import {
  AwsState,
  profileArnOf,
  type AssociationRecord,
  type ExtensionParameterSpec,
  type HostedVersionRecord,
  type KeySpec,
  type ProfileType,
  type Quotas,
  type Scope,
} from './state.js';

export type { CallRecord } from './dispatch.js';
export type { ExtensionEvent, ExtensionEventMeta, ExtensionEventListener } from './events.js';
export type { FaultSpec } from './faults.js';
export type { AssociationRecord, KeySpec, ProfileType, Scope } from './state.js';

export interface AwsDoubleOptions {
  /** Account and Region that setup helpers use when none is given. */
  accountId?: string;
  region?: string;
  host?: string;
  port?: number;
}

export interface AwsDouble {
  url: string;
  defaults: Scope;
  close(): Promise<void>;
  addKey(spec: KeySpec): void;
  addApplication(spec: { name: string; id?: string; description?: string } & Partial<Scope>): { id: string; name: string } & Scope;
  addProfile(
    appId: string,
    spec: { name: string; type: ProfileType | string; id?: string; description?: string },
  ): { id: string; name: string; type: string; arn: string };
  addHostedVersion(
    appId: string,
    profileId: string,
    content: string | Uint8Array,
    opts?: { description?: string; contentType?: string; versionLabel?: string },
  ): { versionNumber: number };
  addExtension(spec: {
    name: string;
    id?: string;
    description?: string;
    parameters: Record<string, ExtensionParameterSpec>;
  } & Partial<Scope>): { id: string; name: string; arn: string };
  /** Associates directly, skipping IAM and parameter checks (setup only). */
  addExtensionAssociation(spec: { extension: string; resourceArn: string; parameters: Record<string, string> } & Partial<Scope>): { id: string; arn: string };
  extensionAssociations(): AssociationRecord[];
  hostedVersions(appId: string, profileId: string): HostedVersionRecord[];
  profileArn(appId: string, profileId: string): string;
  faults: Faults;
  quotas: Quotas;
  /** Every call the double received, in order, with the answer's status (-1 = dropped). */
  calls: CallRecord[];
  onExtensionEvent(cb: ExtensionEventListener): () => void;
}

export async function startAwsDouble(options: AwsDoubleOptions = {}): Promise<AwsDouble> {
  const state = new AwsState({ accountId: options.accountId ?? '123456789012', region: options.region ?? 'us-east-1' });
  const events = new EventHub();
  const faults = new Faults();
  const calls: CallRecord[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        timers.delete(t);
        resolve();
      }, ms);
      timers.add(t);
    });
  const dispatch = createDispatcher({ state, events, faults, calls, sleep });
  const server: Server = createServer((req, res) => {
    dispatch(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://${host}:${port}`,
    defaults: state.defaults,
    async close() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    addKey: (spec) => state.addKey(spec),
    addApplication(spec) {
      const a = state.addApplication(spec);
      return { id: a.id, name: a.name, accountId: a.accountId, region: a.region };
    },
    addProfile(appId, spec) {
      const app = state.requireApplication(appId);
      const p = state.addProfile(appId, spec);
      return { id: p.id, name: p.name, type: p.type, arn: profileArnOf(app, appId, p.id) };
    },
    addHostedVersion(appId, profileId, content, opts) {
      return { versionNumber: state.addHostedVersion(appId, profileId, content, opts).versionNumber };
    },
    addExtension(spec) {
      const e = state.addExtension(spec);
      return { id: e.id, name: e.name, arn: e.arn };
    },
    addExtensionAssociation(spec) {
      const ext = state.findExtension(state.scopeOf(spec), spec.extension);
      if (!ext) throw new Error(`aws double: no extension ${spec.extension}`);
      const a = state.addAssociation(ext, spec.resourceArn, spec.parameters);
      return { id: a.id, arn: a.arn };
    },
    extensionAssociations: () => [...state.associations.values()].map((a) => ({ ...a, parameters: { ...a.parameters } })),
    hostedVersions: (appId, profileId) => [...state.requireProfile(appId, profileId).versions],
    profileArn: (appId, profileId) => profileArnOf(state.requireApplication(appId), appId, profileId),
    faults,
    quotas: state.quotas,
    calls,
    onExtensionEvent: (cb) => events.on(cb),
  };
}
