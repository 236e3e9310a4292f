/**
 * The tables as sequelize models, defined per sequelize instance (tests run several app instances in one
 * process). The schema itself comes from migrations (src/db/migrations); these only map rows to objects.
 */
import { DataTypes, type Model, type ModelStatic, type Optional, type Sequelize } from 'sequelize';

type Row<A extends object, C extends object = A> = Model<A, C> & A;

export interface AddonSettingAttrs {
  id: number;
  clientKey: string | null;
  key: string | null;
  val: unknown;
}

export interface SiteAttrs {
  clientKey: string;
  enabled: boolean;
  installedAt: Date;
  updatedAt: Date;
}

export interface AssociationAttrs {
  id: string;
  clientKey: string;
  projectKey: string;
  issueType: string;
  region: string;
  accountId: string;
  applicationId: string;
  applicationName: string;
  configurationProfileId: string;
  configurationProfileName: string;
  extensionIdentifier: string;
  extensionAssociationId: string;
  /** The project's newest issue number when the association was saved (null: saved before it was noted, or Jira did not say). */
  issueFloor: number | null;
  lastEventAt: Date | null;
  lastErrorAt: Date | null;
  lastErrorCode: string | null;
  lastErrorMessage: string | null;
  leaseOwner: string | null;
  leaseUntil: Date | null;
  createdAt: Date;
  updatedAt: Date;
}
export type AssociationOptional =
  | 'issueFloor'
  | 'lastEventAt'
  | 'lastErrorAt'
  | 'lastErrorCode'
  | 'lastErrorMessage'
  | 'leaseOwner'
  | 'leaseUntil'
  | 'createdAt'
  | 'updatedAt';

export type EventStatus = 'pending' | 'done' | 'failed';

export interface StoredEventAttrs {
  id: number;
  associationId: string;
  invocationId: string;
  type: string;
  /** The event JSON as received, minus Parameters.SigningSecret. */
  payload: string;
  status: EventStatus;
  attempts: number;
  availableAt: Date;
  lastError: string | null;
  receivedAt: Date;
  processedAt: Date | null;
  /** JSON array of the flags the event wrote to before it was set aside (see Queue.completeMany). */
  writtenFlags: string | null;
}

export interface FlagStateAttrs {
  associationId: string;
  flagKey: string;
  issueId: string | null;
  issueKey: string | null;
  /** JSON of the last known Flag (src/flags model). */
  state: string | null;
  deleted: boolean;
  pendingWrite: string | null;
  lastWrite: string | null;
  updatedAt: Date;
}

export interface ConfigVersionAttrs {
  associationId: string;
  version: string;
  /** JSON array of the flag keys this saved version created or changed. */
  changedFlags: string;
  eventId: number;
  description: string | null;
  createdAt: Date;
}

export interface ForgeInstallationAttrs {
  installationId: string;
  apiBaseUrl: string;
  cloudId: string | null;
  systemTokenSealed: string | null;
  /** Seconds (the FIT's iat); BIGINT comes back as a string on PostgreSQL. */
  systemTokenIssuedAt: number | string | null;
  systemTokenRefusedAt: Date | null;
  uninstallingAt: Date | null;
  installedAt: Date;
  updatedAt: Date;
}

/** A save of a new association under way (migration 0008): its events wait for its row instead of being refused. */
export interface AssociationSaveAttrs {
  id: string;
  clientKey: string;
  /** Epoch milliseconds; BIGINT comes back as a string on PostgreSQL. */
  startedAtMs: number | string;
}

/** An association that existed here and is gone (migration 0010): its events are answered 410, not 404. */
export interface RemovedAssociationAttrs {
  id: string;
  /** Epoch milliseconds; BIGINT comes back as a string on PostgreSQL. */
  removedAtMs: number | string;
}

export type AddonSettingRow = Row<AddonSettingAttrs, Optional<AddonSettingAttrs, 'id'>>;
export type SiteRow = Row<SiteAttrs, Optional<SiteAttrs, 'updatedAt'>>;
export type AssociationRow = Row<AssociationAttrs, Optional<AssociationAttrs, AssociationOptional>>;
export type StoredEventRow = Row<
  StoredEventAttrs,
  Optional<StoredEventAttrs, 'id' | 'status' | 'attempts' | 'lastError' | 'processedAt' | 'writtenFlags'>
>;
export type FlagStateRow = Row<
  FlagStateAttrs,
  Optional<FlagStateAttrs, 'issueId' | 'issueKey' | 'state' | 'deleted' | 'pendingWrite' | 'lastWrite' | 'updatedAt'>
>;
export type ConfigVersionRow = Row<ConfigVersionAttrs, Optional<ConfigVersionAttrs, 'createdAt'>>;

export type ForgeInstallationRow = Row<
  ForgeInstallationAttrs,
  Optional<ForgeInstallationAttrs, 'cloudId' | 'systemTokenSealed' | 'systemTokenIssuedAt' | 'systemTokenRefusedAt' | 'uninstallingAt' | 'updatedAt'>
>;

export type AssociationSaveRow = Row<AssociationSaveAttrs, AssociationSaveAttrs>;
export type RemovedAssociationRow = Row<RemovedAssociationAttrs, RemovedAssociationAttrs>;

export interface Models {
  AddonSetting: ModelStatic<AddonSettingRow>;
  Site: ModelStatic<SiteRow>;
  Association: ModelStatic<AssociationRow>;
  AssociationSave: ModelStatic<AssociationSaveRow>;
  RemovedAssociation: ModelStatic<RemovedAssociationRow>;
  StoredEvent: ModelStatic<StoredEventRow>;
  FlagState: ModelStatic<FlagStateRow>;
  ConfigVersion: ModelStatic<ConfigVersionRow>;
  ForgeInstallation: ModelStatic<ForgeInstallationRow>;
}

const str = (len = 255) => ({ type: DataTypes.STRING(len), allowNull: false });
const nullable = (type: DataTypes.DataType) => ({ type, allowNull: true });

export function defineModels(sequelize: Sequelize): Models {
  const AddonSetting = sequelize.define<AddonSettingRow>(
    'AddonSetting',
    {
      id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
      clientKey: nullable(DataTypes.STRING),
      key: nullable(DataTypes.STRING),
      val: nullable(DataTypes.JSON),
    },
    { tableName: 'AddonSettings', timestamps: false },
  );
  const Site = sequelize.define<SiteRow>(
    'Site',
    {
      clientKey: { type: DataTypes.STRING, primaryKey: true },
      enabled: { type: DataTypes.BOOLEAN, allowNull: false },
      installedAt: { type: DataTypes.DATE, allowNull: false },
      updatedAt: DataTypes.DATE,
    },
    { tableName: 'sites', underscored: true, timestamps: true, createdAt: false },
  );
  const Association = sequelize.define<AssociationRow>(
    'Association',
    {
      id: { type: DataTypes.STRING(36), primaryKey: true },
      clientKey: str(),
      projectKey: str(),
      issueType: str(),
      region: str(32),
      accountId: str(12),
      applicationId: str(64),
      applicationName: str(),
      configurationProfileId: str(64),
      configurationProfileName: str(),
      extensionIdentifier: str(2048),
      extensionAssociationId: str(64),
      issueFloor: nullable(DataTypes.INTEGER),
      lastEventAt: nullable(DataTypes.DATE),
      lastErrorAt: nullable(DataTypes.DATE),
      lastErrorCode: nullable(DataTypes.STRING(64)),
      lastErrorMessage: nullable(DataTypes.TEXT),
      leaseOwner: nullable(DataTypes.STRING(64)),
      leaseUntil: nullable(DataTypes.DATE),
      createdAt: DataTypes.DATE,
      updatedAt: DataTypes.DATE,
    },
    { tableName: 'associations', underscored: true, timestamps: true },
  );
  const StoredEvent = sequelize.define<StoredEventRow>(
    'StoredEvent',
    {
      id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
      associationId: str(36),
      invocationId: str(256),
      type: str(64),
      payload: { type: DataTypes.TEXT, allowNull: false },
      status: { type: DataTypes.STRING(16), allowNull: false, defaultValue: 'pending' },
      attempts: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
      availableAt: { type: DataTypes.DATE, allowNull: false },
      lastError: nullable(DataTypes.TEXT),
      writtenFlags: nullable(DataTypes.TEXT),
      receivedAt: { type: DataTypes.DATE, allowNull: false },
      processedAt: nullable(DataTypes.DATE),
    },
    { tableName: 'events', underscored: true, timestamps: false },
  );
  const FlagState = sequelize.define<FlagStateRow>(
    'FlagState',
    {
      associationId: { type: DataTypes.STRING(36), primaryKey: true },
      flagKey: { type: DataTypes.STRING(64), primaryKey: true },
      issueId: nullable(DataTypes.STRING(32)),
      issueKey: nullable(DataTypes.STRING(64)),
      state: nullable(DataTypes.TEXT),
      deleted: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
      pendingWrite: nullable(DataTypes.STRING(128)),
      lastWrite: nullable(DataTypes.STRING(128)),
      updatedAt: DataTypes.DATE,
    },
    { tableName: 'flag_states', underscored: true, timestamps: true, createdAt: false },
  );
  const ConfigVersion = sequelize.define<ConfigVersionRow>(
    'ConfigVersion',
    {
      associationId: { type: DataTypes.STRING(36), primaryKey: true },
      version: { type: DataTypes.STRING(64), primaryKey: true },
      changedFlags: { type: DataTypes.TEXT, allowNull: false },
      eventId: { type: DataTypes.INTEGER, allowNull: false },
      description: nullable(DataTypes.TEXT),
      createdAt: DataTypes.DATE,
    },
    { tableName: 'config_versions', underscored: true, timestamps: true, updatedAt: false },
  );
  const ForgeInstallation = sequelize.define<ForgeInstallationRow>(
    'ForgeInstallation',
    {
      installationId: { type: DataTypes.STRING(255), primaryKey: true },
      apiBaseUrl: str(2048),
      cloudId: nullable(DataTypes.STRING(64)),
      systemTokenSealed: nullable(DataTypes.TEXT),
      systemTokenIssuedAt: nullable(DataTypes.BIGINT),
      systemTokenRefusedAt: nullable(DataTypes.DATE),
      uninstallingAt: nullable(DataTypes.DATE),
      installedAt: { type: DataTypes.DATE, allowNull: false },
      updatedAt: DataTypes.DATE,
    },
    { tableName: 'forge_installations', underscored: true, timestamps: true, createdAt: false },
  );
  const AssociationSave = sequelize.define<AssociationSaveRow>(
    'AssociationSave',
    {
      id: { type: DataTypes.STRING(36), primaryKey: true },
      clientKey: str(),
      startedAtMs: { type: DataTypes.BIGINT, allowNull: false },
    },
    { tableName: 'association_saves', underscored: true, timestamps: false },
  );
  const RemovedAssociation = sequelize.define<RemovedAssociationRow>(
    'RemovedAssociation',
    {
      id: { type: DataTypes.STRING(36), primaryKey: true },
      removedAtMs: { type: DataTypes.BIGINT, allowNull: false },
    },
    { tableName: 'removed_associations', underscored: true, timestamps: false },
  );
  return { AddonSetting, Site, Association, AssociationSave, RemovedAssociation, StoredEvent, FlagState, ConfigVersion, ForgeInstallation };
}
