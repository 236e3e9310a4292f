/**
 * Vitest global setup: the Forge Custom UI is build output (gitignored), yet forge/manifest.yml names
 * it and the Forge page's browser test loads it. Before the tests, build it as `npm run build` does
 * when it is missing or older than the page's sources, so a test never checks a stale page.
 */
import path from 'node:path';
import { FORGE_PAGE_DIR, isBuildCurrent } from '../../src/configure/page-files.js';

export default async function buildForgePageIfStale(): Promise<void> {
  if (isBuildCurrent(path.join(FORGE_PAGE_DIR, 'index.html'))) return;
  const { buildForgePage, forgePageValues } = await import('../../src/configure/page-build.js');
  const { warnings: _warnings, ...values } = await forgePageValues(process.env);
  await buildForgePage(values);
}
