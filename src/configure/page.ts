/**
 * GET /configure: the Configure page, loaded by Jira in an iframe with a Connect JWT (qsh checked).
 * The page gets an API token (bound to the site and user, see connect/page-token.ts) for its API calls.
 * GET /public/configure.js: its script, the Connect bundle of public/configure/ (see page-build.ts).
 */
import fs from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Router, type Request } from 'express';
import type { AddOn } from 'atlassian-connect-express';
import { projectRoot } from '../paths.js';
import { asyncHandler } from '../http/async.js';
import { TEMPLATE_ROUTE } from '../forwarder/route.js';
import { CONNECT_BUNDLE_PATH, isBuildCurrent } from './page-files.js';
import { escapeHtml } from '../http/html.js';
import { answeredAsPage } from '../http/error-page.js';
import { HOST_SCRIPT_URL, PAGE_FRAME_ANCESTORS } from '../http/page-frame.js';

export const PAGE_SCRIPT_ROUTE = '/public/configure.js';

export function configurePageRouter(
  addon: AddOn,
  opts: { defaultExtension: string; requireAdmin: (req: Request) => Promise<void>; apiToken: (req: Request) => Promise<string> },
): Router {
  const router = Router();
  const template = fs.readFileSync(path.join(projectRoot, 'views', 'configure.html'), 'utf8');

  let script: Promise<string> | undefined;
  router.get(PAGE_SCRIPT_ROUTE, (_req, res, next) => {
    script ??= loadPageScript().catch((err: unknown) => {
      script = undefined; // a failed load is retried by the next request, not remembered
      throw err;
    });
    script.then(
      (body) => res.type('text/javascript; charset=utf-8').set('Cache-Control', 'no-cache').send(body),
      (err: unknown) => next(err),
    );
  });

  router.get(
    '/configure',
    answeredAsPage,
    addon.authenticate(),
    asyncHandler(async (req, res) => {
      await opts.requireAdmin(req);
      const values: Record<string, string> = {
        token: await opts.apiToken(req),
        hostScriptUrl: HOST_SCRIPT_URL,
        templateUrl: TEMPLATE_ROUTE,
        defaultExtension: opts.defaultExtension,
        appName: addon.descriptor?.name ?? 'AppConfig Feature Flags',
      };
      const html = template.replace(/\{\{(\w+)\}\}/g, (m, name: string) =>
        name in values ? escapeHtml(values[name]!) : m,
      );
      res
        .set('Cache-Control', 'no-store')
        .set(
          'Content-Security-Policy',
          [
            "default-src 'self'",
            `script-src 'self' ${new URL(HOST_SCRIPT_URL).origin}`,
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            PAGE_FRAME_ANCESTORS,
          ].join('; '),
        )
        .type('html')
        .send(html);
    }),
  );
  return router;
}

/**
 * The bundle `npm run build` wrote; without one, or when the sources are newer (development, tests),
 * bundled here once, loading esbuild only then, so a production install never needs it. Where
 * esbuild is absent (an install without devDependencies), the built bundle is served as it is.
 */
async function loadPageScript(): Promise<string> {
  if (isBuildCurrent(CONNECT_BUNDLE_PATH)) return readFile(CONNECT_BUNDLE_PATH, 'utf8');
  try {
    const { bundlePageScript } = await import('./page-build.js');
    return await bundlePageScript('connect');
  } catch (err) {
    if (fs.existsSync(CONNECT_BUNDLE_PATH)) return readFile(CONNECT_BUNDLE_PATH, 'utf8');
    throw err;
  }
}
