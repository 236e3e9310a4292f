/** GET / POST / DELETE /api/associations: the site's associations, for site admins only. */
import { Router } from 'express';
import { asyncHandler } from '../http/async.js';
import { ApiError, notFound } from '../http/errors.js';
import type { Tenancy } from '../tenancy/index.js';
import type { RequireSiteAdmin } from '../tenancy/site-admin.js';
import { listForSite, removeAssociation } from '../db/associations.js';
import { healthOf } from '../db/health.js';
import type { AssociationRow } from '../db/models.js';
import { associationBodySchema, parseBody } from './request-schemas.js';
import { associate, eventsUrlFor, type AssociateDeps, type AssociationView } from './associate.js';
import type { BackfillResult } from './backfill.js';
import { jiraFailure } from './jira-failure.js';
import { EnvironmentStore, jiraFootprint } from '../db/environments.js';
import { PropertyTaskFailed, withdrawFromJira, WithdrawalStopped } from './withdraw-from-jira.js';
import type { Logger } from '../log.js';

export interface AssociationsDeps extends AssociateDeps {
  log: Logger;
  requireSiteAdmin: RequireSiteAdmin;
  tenancy: Pick<Tenancy, 'jiraFor' | 'isEnabled'>;
}

function view(row: AssociationRow, baseUrl: string): AssociationView & { createdAt: string } {
  return {
    id: row.id,
    projectKey: row.projectKey,
    issueType: row.issueType,
    region: row.region,
    accountId: row.accountId,
    applicationId: row.applicationId,
    applicationName: row.applicationName,
    configurationProfileId: row.configurationProfileId,
    configurationProfileName: row.configurationProfileName,
    extensionIdentifier: row.extensionIdentifier,
    extensionAssociationId: row.extensionAssociationId,
    eventsUrl: eventsUrlFor(baseUrl, row.id),
    createdAt: row.createdAt.toISOString(),
  };
}

/** POST's answer: exactly the fields the API documents (the page and other clients rely on that shape). */
const SAVED_FIELDS = [
  'id',
  'projectKey',
  'region',
  'accountId',
  'applicationId',
  'applicationName',
  'configurationProfileId',
  'configurationProfileName',
  'extensionAssociationId',
  'eventsUrl',
] as const satisfies readonly (keyof AssociationView)[];

/**
 * The documented fields, then how far the backfill's event got (`backfillEvent`, when there was one) and
 * the project the profile was tracked in before (`movedFromProject`, when this save moved it).
 */
function saved(a: AssociationView, backfill: BackfillResult, movedFromProject: string | undefined) {
  return {
    ...Object.fromEntries(SAVED_FIELDS.map((f) => [f, a[f]])),
    backfill: backfill.outcome,
    ...(backfill.event ? { backfillEvent: backfill.event } : {}),
    ...(movedFromProject ? { movedFromProject } : {}),
  };
}

const WITHDRAWING = "remove the profile's flags from the Releases panel and its state from the issues";

/**
 * A removal Jira stopped part-way: what it took out is published again by the association's next event
 * (the association stays), and the admin hears that Jira failed.
 */
async function withdrawalFailed(deps: AssociationsDeps, associationId: string, err: unknown): Promise<never> {
  if (!(err instanceof WithdrawalStopped)) throw err;
  if (err.started) await new EnvironmentStore(deps.db, deps.models, associationId).forgetPublished();
  if (err.cause instanceof PropertyTaskFailed) throw new ApiError(502, 'jira_unavailable', `Jira could not ${WITHDRAWING} right now; try again.`);
  return jiraFailure(WITHDRAWING)(err.cause);
}

export function associationsRouter(deps: AssociationsDeps): Router {
  const router = Router();

  router.get(
    '/associations',
    asyncHandler(async (req, res) => {
      const tenant = await deps.requireSiteAdmin(req);
      const enabled = await deps.tenancy.isEnabled(tenant.tenantKey);
      const rows = await listForSite(deps.models, tenant.tenantKey);
      const associations = await Promise.all(
        rows.map(async (row) => ({ ...view(row, deps.config.baseUrl), health: await healthOf(deps.models, row, enabled) })),
      );
      res.json({ associations });
    }),
  );

  router.post(
    '/associations',
    asyncHandler(async (req, res) => {
      const tenant = await deps.requireSiteAdmin(req);
      const body = parseBody(associationBodySchema, req.body);
      const dryRun = req.query.dryRun === 'true' || req.query.dryRun === '1';
      const jira = await deps.tenancy.jiraFor(tenant.tenantKey);
      const result = await associate(deps, { clientKey: tenant.tenantKey, answerBy: tenant.answerBy }, jira, body, dryRun);
      if (result.dryRun) {
        res.status(200).json({ dryRun: true, ...result.view, backfill: result.backfill });
        return;
      }
      res.status(result.created ? 201 : 200).json(saved(result.association, result.backfill, result.movedFromProject));
    }),
  );

  router.delete(
    '/associations/:id',
    asyncHandler(async (req, res) => {
      const tenant = await deps.requireSiteAdmin(req);
      const id = String(req.params.id);
      // Its flags leave Jira's Releases panel and its state leaves its issues (JQL would still find them
      // on in production) first: should Jira fail, the association stays and the admin retries.
      const footprint = await jiraFootprint(deps.db, deps.models, tenant.tenantKey, id);
      const jira = footprint.inPanel ? await deps.tenancy.jiraFor(tenant.tenantKey) : undefined;
      if (jira) await withdrawFromJira(jira, id, footprint, deps.log).catch(async (err: unknown) => withdrawalFailed(deps, id, err));
      const removed = await removeAssociation(deps.db, deps.models, tenant.tenantKey, id);
      if (!removed) throw notFound('association_not_found', 'No such association on this Jira site.');
      // A worker's write under way meanwhile may have landed after that: once more, now that the rows are
      // gone, after the answer (one landing later still is taken out by its worker, releases-panel.ts).
      if (jira) {
        void withdrawFromJira(jira, id, footprint, deps.log).catch((err: unknown) =>
          deps.log.warn({ err: err instanceof WithdrawalStopped ? err.cause : err, associationId: id }, "second removal of a removed association's flags and states from Jira failed"),
        );
      }
      res.status(204).end();
    }),
  );
  return router;
}
