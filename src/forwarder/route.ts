/**
 * GET /aws/appconfig-jira-extension.yaml: the CloudFormation template the AWS admin deploys,
 * linked from the Configure page. Public on purpose: it holds no secret and nothing tenant-specific
 * (each association's EventsUrl and SigningSecret are set later by the app, in AWS).
 *
 * Serves the file `npm run build` wrote. Without one (development, tests) it builds the template in
 * memory once, loading esbuild only then: serving a built app needs no esbuild at run time.
 */
import { readFile } from 'node:fs/promises';
import { Router } from 'express';
import { renderTemplate, TEMPLATE_FILE_NAME } from './template.js';

export const TEMPLATE_ROUTE = `/aws/${TEMPLATE_FILE_NAME}`;

export interface TemplateRouterOptions {
  /** Where the build wrote the template, e.g. dist/cloudformation/appconfig-jira-extension.yaml. */
  templatePath: string;
}

async function buildInMemory(): Promise<string> {
  const { buildForwarderBundle } = await import('./bundle.js');
  return renderTemplate(await buildForwarderBundle());
}

async function loadTemplate(templatePath: string): Promise<string> {
  try {
    return await readFile(templatePath, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    return buildInMemory();
  }
}

export function templateRouter(opts: TemplateRouterOptions): Router {
  const router = Router();
  let cached: Promise<string> | undefined;
  const template = (): Promise<string> => {
    cached ??= loadTemplate(opts.templatePath).catch((err: unknown) => {
      cached = undefined; // a failed load is retried by the next request, not remembered
      throw err;
    });
    return cached;
  };

  router.get(TEMPLATE_ROUTE, (_req, res, next) => {
    template().then(
      (body) => {
        res.type('application/yaml; charset=utf-8');
        res.set('Content-Disposition', `attachment; filename="${TEMPLATE_FILE_NAME}"`);
        res.set('Cache-Control', 'no-cache');
        res.set('X-Content-Type-Options', 'nosniff');
        res.send(body);
      },
      (err: unknown) => next(err),
    );
  });
  return router;
}
