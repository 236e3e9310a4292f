/**
 * Pickers for the Configure page: Jira projects and issue types (as the app, after the admin check),
 * AppConfig applications and feature-flag profiles (with the admin's keys, for this request only).
 */
import { Router } from 'express';
import type { ResolvedConfig } from '../config.js';
import { asyncHandler } from '../http/async.js';
import { notFound } from '../http/errors.js';
import type { Tenancy } from '../tenancy/index.js';
import type { RequireSiteAdmin } from '../tenancy/site-admin.js';
import { listApplications, listFeatureFlagProfiles, resolveApplication } from '../aws/index.js';
import { awsKeysSchema, parseBody, profilesBodySchema } from './request-schemas.js';
import { jiraFailure } from './jira-failure.js';
import { accessFrom } from './aws-access.js';

export interface LookupDeps {
  config: ResolvedConfig;
  requireSiteAdmin: RequireSiteAdmin;
  tenancy: Pick<Tenancy, 'jiraFor' | 'isEnabled'>;
}

export function lookupRouter(deps: LookupDeps): Router {
  const router = Router();

  router.get(
    '/jira/projects',
    asyncHandler(async (req, res) => {
      const tenant = await deps.requireSiteAdmin(req);
      const query = typeof req.query.query === 'string' ? req.query.query.slice(0, 100) : '';
      const jira = await deps.tenancy.jiraFor(tenant.tenantKey);
      const projects = await jira.searchProjects(query, 50).catch(jiraFailure('list the Jira projects'));
      res.json({ projects: projects.map((p) => ({ id: p.id, key: p.key, name: p.name })) });
    }),
  );

  router.get(
    '/jira/projects/:key/issue-types',
    asyncHandler(async (req, res) => {
      const tenant = await deps.requireSiteAdmin(req);
      const jira = await deps.tenancy.jiraFor(tenant.tenantKey);
      const project = await jira.getProject(String(req.params.key)).catch(jiraFailure('read the Jira project'));
      if (!project) throw notFound('project_not_found', `Jira project ${req.params.key} was not found.`, 'projectKey');
      res.json({
        issueTypes: project.issueTypes.filter((t) => !t.subtask).map((t) => ({ id: t.id, name: t.name })),
      });
    }),
  );

  router.post(
    '/aws/applications',
    asyncHandler(async (req, res) => {
      await deps.requireSiteAdmin(req);
      const access = accessFrom(parseBody(awsKeysSchema, req.body), deps.config);
      const applications = await listApplications(access);
      res.json({ applications });
    }),
  );

  router.post(
    '/aws/configuration-profiles',
    asyncHandler(async (req, res) => {
      await deps.requireSiteAdmin(req);
      const body = parseBody(profilesBodySchema, req.body);
      const access = accessFrom(body, deps.config);
      // The field takes an ID or a name, as Save does: a name is looked up first.
      const application = await resolveApplication(access, body.applicationId);
      const profiles = await listFeatureFlagProfiles(access, application.id);
      res.json({ application, profiles: profiles.map((p) => ({ id: p.id, name: p.name })) });
    }),
  );
  return router;
}
