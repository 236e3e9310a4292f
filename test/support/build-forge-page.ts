/**
 * Vitest global setup: the Forge Custom UIs (the Configure page, the flag panel) are build output
 * (gitignored), yet forge/manifest.yml names them and the browser tests load them. Before the tests,
 * build each as `npm run build` does when it is missing or older than its sources, so a test never
 * checks a stale page.
 */
import path from 'node:path';
import { FORGE_PAGE_DIR, FORGE_PANEL_DIR, isBuildCurrent, newestPanelSourceMtime } from '../../src/configure/page-files.js';

export default async function buildForgePageIfStale(): Promise<void> {
  const pageCurrent = isBuildCurrent(path.join(FORGE_PAGE_DIR, 'index.html'));
  const panelCurrent = isBuildCurrent(path.join(FORGE_PANEL_DIR, 'flag-panel.js'), newestPanelSourceMtime);
  if (pageCurrent && panelCurrent) return;
  const { buildForgePage, buildForgePanel, forgePageValues } = await import('../../src/configure/page-build.js');
  if (!pageCurrent) {
    const { warnings: _warnings, ...values } = await forgePageValues(process.env);
    await buildForgePage(values);
  }
  if (!panelCurrent) await buildForgePanel();
}
