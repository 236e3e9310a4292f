/**
 * POST /api/associations: check everything once with the admin's keys, associate our AppConfig
 * extension with the profile, record the association, backfill when the keys may read the profile.
 * The keys live in `access` for the length of this call and go nowhere else.
 */
import crypto from 'node:crypto';
import { UniqueConstraintError } from 'sequelize';
import type { ResolvedConfig } from '../config.js';
import type { Db } from '../db/database.js';
import type { AssociationAttrs, AssociationRow, Models } from '../db/models.js';
import { AssociationGone, beginSave, endSave, findById, findByProfile, isSaveUnderWay, saveAssociation, SiteGone, type NewAssociation } from '../db/associations.js';
import { TenantUnavailable } from '../tenancy/errors.js';
import { ApiError, badRequest, notFound } from '../http/errors.js';
import { newestIssueNumber, type JiraClient } from '../jira/index.js';
import type { SigningSecrets } from '../secrets/signing-secrets.js';
import {
  checkCredentials,
  createExtensionAssociation,
  findExtensionAssociation,
  profileArn,
  resolveApplication,
  resolveFeatureFlagProfile,
  updateExtensionAssociation,
  type AwsAccess,
} from '../aws/index.js';
import type { AssociationBody } from './request-schemas.js';
import { accessFrom } from './aws-access.js';
import { jiraFailure } from './jira-failure.js';
import { backfill, type BackfillResult } from './backfill.js';
import type { EventState } from '../db/event-queue.js';

export interface AssociateDeps {
  config: ResolvedConfig;
  db: Db;
  models: Models;
  signing: SigningSecrets;
  notifyWorker?: (associationId: string) => void;
  awaitEvent?: (eventId: number, timeoutMs: number) => Promise<EventState>;
}

/** An association as the API shows it: its row's fields, and where its events go. */
export type AssociationView = Pick<
  AssociationAttrs,
  | 'id'
  | 'projectKey'
  | 'issueType'
  | 'region'
  | 'accountId'
  | 'applicationId'
  | 'applicationName'
  | 'configurationProfileId'
  | 'configurationProfileName'
  | 'extensionIdentifier'
  | 'extensionAssociationId'
> & { eventsUrl: string };

export const eventsUrlFor = (baseUrl: string, id: string) => `${baseUrl}/api/associations/${id}/events`;

const EVENTS_URL_ID = /\/api\/associations\/([0-9a-f-]{36})\/events$/;

/** Jira side first: it is cheap and needs no AWS call. Returns the issue type name to use. */
async function checkJira(jira: JiraClient, projectKey: string, issueType: string | undefined): Promise<string> {
  const project = await jira.getProject(projectKey).catch(jiraFailure('read the Jira project'));
  if (!project) {
    throw notFound('project_not_found', `Jira project ${projectKey} was not found, or the app cannot see it.`, 'projectKey');
  }
  const types = project.issueTypes.filter((t) => !t.subtask);
  if (issueType) {
    const match = types.find((t) => t.name.toLowerCase() === issueType.toLowerCase() || t.id === issueType);
    if (!match) {
      const names = types.map((t) => t.name).join(', ');
      throw badRequest('issue_type_not_found', `Project ${projectKey} has no issue type "${issueType}"; it has: ${names}.`, 'issueType');
    }
    return match.name;
  }
  const fallback = types.find((t) => t.name === 'Task') ?? types[0];
  if (!fallback) throw badRequest('issue_type_not_found', `Project ${projectKey} has no issue type the app can create.`, 'issueType');
  return fallback.name;
}

/**
 * The project's newest issue number, noted with the association: the floor of its first create (issues
 * numbered above it were created after it; see src/worker/lost-creates.ts). The index may lag, which only
 * gives an older number, still below anything created from now on. Null when Jira does not answer: the
 * worker then asks before its first create.
 */
async function issueFloorOf(jira: JiraClient, projectKey: string): Promise<number | null> {
  return newestIssueNumber(jira, projectKey).catch(() => null);
}

interface ExistingLink {
  extensionAssociationId: string;
  /** Our association id its EventsUrl points at, when it points at this app. */
  pointsAt: string | null;
}

async function existingExtensionLink(
  access: AwsAccess,
  baseUrl: string,
  resourceArn: string,
  extensionIdentifier: string,
): Promise<ExistingLink | null> {
  const found = await findExtensionAssociation(access, { resourceArn, extensionIdentifier });
  if (!found) return null;
  const url = found.parameters.EventsUrl ?? '';
  const id = url.startsWith(baseUrl + '/') ? (EVENTS_URL_ID.exec(url)?.[1] ?? null) : null;
  return { extensionAssociationId: found.id, pointsAt: id };
}

interface Where {
  deps: AssociateDeps;
  site: { clientKey: string };
  access: AwsAccess;
  profileKey: { accountId: string; region: string; applicationId: string; configurationProfileId: string };
  resourceArn: string;
  extensionIdentifier: string;
}

/** How long a Save waits for another Save of the same profile to finish before answering 409. */
const OTHER_SAVE_WAIT_MS = 10_000;
const OTHER_SAVE_POLL_MS = 200;

/**
 * The row of `id` once a save of it that is under way has ended: its row when it committed, null when it
 * ended without one (or there was none). Throws 409 when it is still under way after OTHER_SAVE_WAIT_MS.
 */
async function afterSaveOf(models: Models, id: string): Promise<AssociationRow | null> {
  for (let waited = 0; ; waited += OTHER_SAVE_POLL_MS) {
    // The note first, then the row: the commit that inserts the row ends the note, so a note gone means
    // the row is there to read (or the save failed). The other order could miss both.
    if (!(await isSaveUnderWay(models, id))) return findById(models, id);
    if (waited >= OTHER_SAVE_WAIT_MS) {
      throw new ApiError(409, 'save_under_way', 'Another Save of this configuration profile is still under way (a second click, or another admin); try again in a moment.', 'configurationProfileId');
    }
    await new Promise((resolve) => setTimeout(resolve, OTHER_SAVE_POLL_MS));
  }
}

/**
 * Our row for this profile and AWS's association of our extension on it; 409 when another association
 * holds that. A link to an id whose first save is still under way (another submission, of this site or
 * another) is waited for: taken for stale and repointed, it would leave that save's association without
 * events, or, if this save then failed, pointing at nothing.
 */
async function locate(w: Where): Promise<{ ours: AssociationRow | null; link: ExistingLink | null }> {
  const { models, config } = w.deps;
  const ours = await findByProfile(models, { clientKey: w.site.clientKey, ...w.profileKey });
  const link = await existingExtensionLink(w.access, config.baseUrl, w.resourceArn, w.extensionIdentifier);
  if (link?.pointsAt && link.pointsAt !== ours?.id) {
    const holder = await afterSaveOf(models, link.pointsAt);
    const k = w.profileKey;
    const isOurs =
      holder?.clientKey === w.site.clientKey &&
      holder.accountId === k.accountId &&
      holder.region === k.region &&
      holder.applicationId === k.applicationId &&
      holder.configurationProfileId === k.configurationProfileId;
    // Saved by a concurrent submission for this very profile after we looked for our row: it is ours.
    if (holder && isOurs) return { ours: holder, link };
    if (holder) {
      throw new ApiError(
        409,
        'profile_tracked_elsewhere',
        holder.clientKey === w.site.clientKey
          ? 'This configuration profile is already tracked by another association of this site.'
          : 'This configuration profile is already tracked by another Jira site. Remove it there first.',
        'configurationProfileId',
      );
    }
  }
  return { ours, link };
}

/** AWS refused a second association on the profile, or our unique row for it already exists. */
const lostRace = (err: unknown) => (err instanceof ApiError && err.code === 'aws_conflict') || err instanceof UniqueConstraintError;
const RACE_ATTEMPTS = 3;

interface Linked {
  row: AssociationRow;
  extensionAssociationId: string;
  eventsUrl: string;
}

/** Points AWS's association (created, or reused: never a second one) at our row, then saves the row. */
async function linkAndSave(
  w: Where,
  ours: AssociationRow | null,
  link: ExistingLink | null,
  summary: Omit<NewAssociation, 'id' | 'clientKey' | 'extensionAssociationId' | 'issueFloor'>,
  issueFloor: number | null,
): Promise<Linked> {
  const { deps, access } = w;
  const id = ours?.id ?? crypto.randomUUID();
  // A new id: AWS may send an event for it before its row commits, which must wait, not be refused.
  if (!ours) await beginSave(deps.db, deps.models, id, w.site.clientKey);
  try {
    const parameters = { EventsUrl: eventsUrlFor(deps.config.baseUrl, id), SigningSecret: deps.signing.forAssociation(id) };
    let extensionAssociationId: string;
    if (!link) {
      const spec = { resourceArn: w.resourceArn, extensionIdentifier: w.extensionIdentifier, parameters };
      extensionAssociationId = (await createExtensionAssociation(access, spec)).id;
    } else {
      extensionAssociationId = link.extensionAssociationId;
      // Reuse AWS's association; repoint it when it is stale (an earlier, removed association) or foreign.
      if (link.pointsAt !== id) await updateExtensionAssociation(access, extensionAssociationId, parameters);
    }
    const row = await saveAssociation(deps.db, deps.models, { id, clientKey: w.site.clientKey, ...summary, extensionAssociationId, issueFloor }, ours !== null).catch(
      (err: unknown) => {
        if (err instanceof SiteGone) throw new TenantUnavailable(err.clientKey, 'not_installed', 'The app was uninstalled from this site while the association was being saved.');
        if (err instanceof AssociationGone) {
          throw new ApiError(409, 'association_removed', 'This association was removed while it was being saved; nothing was saved. Save it again to create it anew.');
        }
        throw err;
      },
    );
    return { row, extensionAssociationId, eventsUrl: parameters.EventsUrl };
  } catch (err) {
    // AWS's association may now point at an id with no row: its events are answered 410 (so the
    // forwarder deletes it) until a save repoints it. When this note cannot be cleared, it lapses.
    if (!ours) await endSave(deps.db, deps.models, id).catch(() => undefined);
    throw err;
  }
}

export type AssociateResult =
  | {
      dryRun: false;
      created: boolean;
      association: AssociationView;
      backfill: BackfillResult;
      /** The project this site tracked the profile in until this save, when it was another one. */
      movedFromProject?: string;
    }
  | {
      dryRun: true;
      view: Omit<AssociationView, 'id' | 'eventsUrl' | 'extensionAssociationId'> & {
        existingExtensionAssociationId: string | null;
        /** The project this site tracks the profile in now, when it is another one: saving moves it. */
        movedFromProject?: string;
      };
      backfill: string;
    };

export async function associate(
  deps: AssociateDeps,
  /** `answerBy`: when the caller stops waiting (the Forge door's limit); the backfill's wait ends by then. */
  site: { clientKey: string; answerBy?: number },
  jira: JiraClient,
  body: AssociationBody,
  dryRun: boolean,
): Promise<AssociateResult> {
  const { config } = deps;
  const access = accessFrom(body, config);
  const extensionIdentifier = body.extensionIdentifier ?? config.extensionIdentifier;

  const issueType = await checkJira(jira, body.projectKey, body.issueType);
  // Asked meanwhile the AWS side is checked; only a saved association needs it.
  const issueFloor = dryRun ? Promise.resolve(null) : issueFloorOf(jira, body.projectKey);
  const identity = await checkCredentials(access);
  const application = await resolveApplication(access, body.applicationId);
  const profile = await resolveFeatureFlagProfile(access, application.id, body.configurationProfileId);
  const resourceArn = profileArn(body.region, identity.accountId, application.id, profile.id);

  const profileKey = { accountId: identity.accountId, region: body.region, applicationId: application.id, configurationProfileId: profile.id };
  const where = { deps, site, access, profileKey, resourceArn, extensionIdentifier };
  let { ours, link } = await locate(where);

  const summary = {
    projectKey: body.projectKey,
    issueType,
    region: body.region,
    accountId: identity.accountId,
    applicationId: application.id,
    applicationName: application.name,
    configurationProfileId: profile.id,
    configurationProfileName: profile.name,
    extensionIdentifier,
  };
  // Re-saved into another project: its flags' issues stay where they are (and are kept up to date
  // there); only flags without an issue get one in the new project. The admin is told.
  const moved = ours && ours.projectKey !== body.projectKey ? { movedFromProject: ours.projectKey } : {};
  if (dryRun) {
    return {
      dryRun: true,
      view: { ...summary, existingExtensionAssociationId: link?.extensionAssociationId ?? null, ...moved },
      backfill: await backfill.probe(access, application.id, profile.id),
    };
  }

  let linked: Linked;
  for (let attempt = 1; ; attempt++) {
    try {
      linked = await linkAndSave(where, ours, link, summary, await issueFloor);
      break;
    } catch (err) {
      // A concurrent submission for this profile (a double click, two admins) got there first: converge on
      // its row and AWS association instead of failing or leaving AWS pointing at a row that was never saved.
      if (attempt >= RACE_ATTEMPTS || !lostRace(err)) throw err;
      ({ ours, link } = await locate(where));
    }
  }
  const { row, extensionAssociationId, eventsUrl } = linked;
  deps.notifyWorker?.(row.id);
  const association: AssociationView = { id: row.id, ...summary, extensionAssociationId, eventsUrl };
  const outcome = await backfill.run(deps, access, row, site.answerBy);
  return { dryRun: false, created: ours === null, association, backfill: outcome, ...moved };
}
