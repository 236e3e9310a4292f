/**
 * The AWS double's world: IAM keys, and AppConfig resources kept per account + Region (as AWS keeps them).
 * Setup helpers write here directly; the HTTP handlers read and change it through the same records.
 */
import { randomBytes, createHash } from 'node:crypto';

export type ProfileType = 'AWS.AppConfig.FeatureFlags' | 'AWS.Freeform';

export interface KeySpec {
  accessKeyId: string;
  secretAccessKey: string;
  /** Temporary keys: requests must carry exactly this X-Amz-Security-Token. */
  sessionToken?: string;
  /** A temporary key whose session has ended: every call answers ExpiredToken. */
  expired?: boolean;
  accountId: string;
  userArn: string;
  userId?: string;
  /** IAM actions this identity may call, e.g. `appconfig:ListApplications`; '*' allows all. */
  allow: string[] | '*';
}

export interface Scope {
  accountId: string;
  region: string;
}

export interface HostedVersionRecord {
  versionNumber: number;
  content: Buffer;
  contentType: string;
  description?: string;
  versionLabel?: string;
}

export interface ProfileRecord {
  id: string;
  name: string;
  type: string;
  applicationId: string;
  description?: string;
  versions: HostedVersionRecord[];
}

export interface ApplicationRecord extends Scope {
  id: string;
  name: string;
  description?: string;
  profiles: Map<string, ProfileRecord>;
}

export interface ExtensionParameterSpec {
  Required?: boolean;
  Description?: string;
  Dynamic?: boolean;
}

export interface ExtensionRecord extends Scope {
  id: string;
  name: string;
  versionNumber: number;
  arn: string;
  description?: string;
  parameters: Record<string, ExtensionParameterSpec>;
  actions: Record<string, { Name: string; Uri: string; RoleArn?: string }[]>;
}

export interface AssociationRecord extends Scope {
  id: string;
  arn: string;
  extensionId: string;
  extensionArn: string;
  extensionVersionNumber: number;
  resourceArn: string;
  parameters: Record<string, string>;
}

export interface Quotas {
  /** AppConfig's hosted configuration size limit (2 MB by default). */
  hostedContentBytes: number;
  hostedVersionsPerProfile: number;
  associationsPerAccount: number;
}

/** Commercial Regions the double accepts in a credential scope; others get AWS's "valid region" answer. */
export const KNOWN_REGIONS = [
  'us-east-1', 'us-east-2', 'us-west-1', 'us-west-2', 'af-south-1', 'ap-east-1', 'ap-south-1', 'ap-south-2',
  'ap-southeast-1', 'ap-southeast-2', 'ap-southeast-3', 'ap-southeast-4', 'ap-southeast-5', 'ap-southeast-7',
  'ap-northeast-1', 'ap-northeast-2', 'ap-northeast-3', 'ca-central-1', 'ca-west-1', 'eu-central-1',
  'eu-central-2', 'eu-west-1', 'eu-west-2', 'eu-west-3', 'eu-south-1', 'eu-south-2', 'eu-north-1',
  'il-central-1', 'me-south-1', 'me-central-1', 'mx-central-1', 'sa-east-1',
];

/** AppConfig IDs are 7 lowercase letters and digits. */
export function newId(taken: (id: string) => boolean): string {
  for (;;) {
    const id = Array.from(randomBytes(7), (b) => 'abcdefghijklmnopqrstuvwxyz0123456789'[b % 36]).join('');
    if (!taken(id)) return id;
  }
}

export function applicationArn(s: Scope, appId: string): string {
  return `arn:aws:appconfig:${s.region}:${s.accountId}:application/${appId}`;
}

export function profileArnOf(s: Scope, appId: string, profileId: string): string {
  return `${applicationArn(s, appId)}/configurationprofile/${profileId}`;
}

export class AwsState {
  readonly keys = new Map<string, KeySpec>();
  readonly applications = new Map<string, ApplicationRecord>();
  readonly extensions = new Map<string, ExtensionRecord>();
  readonly associations = new Map<string, AssociationRecord>();
  readonly regions = new Set(KNOWN_REGIONS);
  readonly quotas: Quotas = { hostedContentBytes: 2 * 1024 * 1024, hostedVersionsPerProfile: 1000, associationsPerAccount: 1000 };

  constructor(readonly defaults: Scope) {}

  addKey(spec: KeySpec): void {
    this.keys.set(spec.accessKeyId, { ...spec });
  }

  userIdOf(key: KeySpec): string {
    if (key.userId) return key.userId;
    const digest = createHash('sha256').update(key.userArn).digest('hex').toUpperCase().replace(/[^A-Z0-9]/g, '');
    return `AIDA${digest.slice(0, 17)}`;
  }

  scopeOf(s: Partial<Scope> | undefined): Scope {
    return { accountId: s?.accountId ?? this.defaults.accountId, region: s?.region ?? this.defaults.region };
  }

  private anyIdTaken = (id: string) => this.applications.has(id) || this.extensions.has(id) || this.associations.has(id) || this.profileById(id) !== undefined;

  private profileById(id: string): ProfileRecord | undefined {
    for (const app of this.applications.values()) {
      const p = app.profiles.get(id);
      if (p) return p;
    }
    return undefined;
  }

  addApplication(spec: { name: string; id?: string; description?: string } & Partial<Scope>): ApplicationRecord {
    const id = spec.id ?? newId(this.anyIdTaken);
    const app: ApplicationRecord = { ...this.scopeOf(spec), id, name: spec.name, description: spec.description, profiles: new Map() };
    this.applications.set(id, app);
    return app;
  }

  requireApplication(appId: string): ApplicationRecord {
    const app = this.applications.get(appId);
    if (!app) throw new Error(`aws double: no application ${appId}`);
    return app;
  }

  addProfile(appId: string, spec: { name: string; type: ProfileType | string; id?: string; description?: string }): ProfileRecord {
    const app = this.requireApplication(appId);
    const id = spec.id ?? newId(this.anyIdTaken);
    const profile: ProfileRecord = { id, name: spec.name, type: spec.type, applicationId: appId, description: spec.description, versions: [] };
    app.profiles.set(id, profile);
    return profile;
  }

  requireProfile(appId: string, profileId: string): ProfileRecord {
    const p = this.requireApplication(appId).profiles.get(profileId);
    if (!p) throw new Error(`aws double: no profile ${profileId} in application ${appId}`);
    return p;
  }

  addHostedVersion(
    appId: string,
    profileId: string,
    content: string | Uint8Array,
    opts: { description?: string; contentType?: string; versionLabel?: string } = {},
  ): HostedVersionRecord {
    const profile = this.requireProfile(appId, profileId);
    const last = profile.versions[profile.versions.length - 1];
    const version: HostedVersionRecord = {
      versionNumber: (last?.versionNumber ?? 0) + 1,
      content: Buffer.from(typeof content === 'string' ? Buffer.from(content, 'utf8') : content),
      contentType: opts.contentType ?? 'application/json',
      description: opts.description,
      versionLabel: opts.versionLabel,
    };
    profile.versions.push(version);
    return version;
  }

  addExtension(spec: {
    name: string;
    id?: string;
    description?: string;
    parameters: Record<string, ExtensionParameterSpec>;
    actions?: ExtensionRecord['actions'];
  } & Partial<Scope>): ExtensionRecord {
    const scope = this.scopeOf(spec);
    const id = spec.id ?? newId(this.anyIdTaken);
    const ext: ExtensionRecord = {
      ...scope,
      id,
      name: spec.name,
      versionNumber: 1,
      arn: `arn:aws:appconfig:${scope.region}:${scope.accountId}:extension/${id}/1`,
      description: spec.description,
      parameters: spec.parameters,
      actions: spec.actions ?? {},
    };
    this.extensions.set(id, ext);
    return ext;
  }

  /** Finds an extension by name, ID or ARN (with or without the version suffix), as AppConfig does. */
  findExtension(scope: Scope, identifier: string): ExtensionRecord | undefined {
    const arnMatch = /^arn:aws[a-z-]*:appconfig:([^:]+):(\d{12}):extension\/([^/]+)(?:\/(\d+))?$/.exec(identifier);
    for (const ext of this.extensions.values()) {
      if (ext.accountId !== scope.accountId || ext.region !== scope.region) continue;
      if (arnMatch) {
        if (arnMatch[1] === ext.region && arnMatch[2] === ext.accountId && arnMatch[3] === ext.id) return ext;
      } else if (ext.id === identifier || ext.name === identifier) {
        return ext;
      }
    }
    return undefined;
  }

  addAssociation(ext: ExtensionRecord, resourceArn: string, parameters: Record<string, string>): AssociationRecord {
    const id = newId(this.anyIdTaken);
    const assoc: AssociationRecord = {
      accountId: ext.accountId,
      region: ext.region,
      id,
      arn: `arn:aws:appconfig:${ext.region}:${ext.accountId}:extensionassociation/${id}`,
      extensionId: ext.id,
      extensionArn: ext.arn,
      extensionVersionNumber: ext.versionNumber,
      resourceArn,
      parameters: { ...parameters },
    };
    this.associations.set(id, assoc);
    return assoc;
  }

  applicationsIn(scope: Scope): ApplicationRecord[] {
    return [...this.applications.values()].filter((a) => a.accountId === scope.accountId && a.region === scope.region);
  }

  associationsIn(scope: Scope): AssociationRecord[] {
    return [...this.associations.values()].filter((a) => a.accountId === scope.accountId && a.region === scope.region);
  }
}
