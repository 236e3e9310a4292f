/**
 * Where the Configure page's sources and built files live. Kept apart from page-build.ts so the
 * running app can find them without loading esbuild (a devDependency).
 */
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../paths.js';

/** The page's browser modules: shared page code plus one entry per transport (connect.js, forge.js). */
export const PAGE_SOURCE_DIR = path.join(projectRoot, 'public', 'configure');
export const PAGE_TEMPLATE_PATH = path.join(projectRoot, 'views', 'configure.html');
export const PAGE_STYLES_PATH = path.join(projectRoot, 'public', 'configure.css');
/** Where `npm run build` writes the Connect bundle, which the app serves at /public/configure.js. */
export const CONNECT_BUNDLE_PATH = path.join(projectRoot, 'dist', 'public', 'configure.js');
/** Where `npm run build` writes the Custom UI; forge/manifest.yml's resource points here. */
export const FORGE_PAGE_DIR = path.join(projectRoot, 'forge', 'static', 'configure');

/** The flag panel's Custom UI sources: its page, entry script and stylesheet, and the shared renderer. */
export const PANEL_SOURCE_DIR = path.join(projectRoot, 'public', 'panel');
export const PANEL_RENDER_PATH = path.join(projectRoot, 'src', 'panel', 'render.ts');
/** Where `npm run build` writes the flag panel's Custom UI; forge/manifest.yml's resource points here. */
export const FORGE_PANEL_DIR = path.join(projectRoot, 'forge', 'static', 'flag-panel');

const inDir = (dir: string) => readdirSync(dir).map((f) => path.join(dir, f));

/** The newest modification time among the page's sources (scripts, view, styles), to tell a stale build. */
export function newestPageSourceMtime(): number {
  return Math.max(...[PAGE_TEMPLATE_PATH, PAGE_STYLES_PATH, ...inDir(PAGE_SOURCE_DIR)].map((f) => statSync(f).mtimeMs));
}

/** The same for the flag panel's Custom UI (it shares the Configure page's stylesheet). */
export function newestPanelSourceMtime(): number {
  return Math.max(...[PAGE_STYLES_PATH, PANEL_RENDER_PATH, ...inDir(PANEL_SOURCE_DIR)].map((f) => statSync(f).mtimeMs));
}

/** True when `builtFile` exists and is at least as new as every source (by default: the Configure page's). */
export function isBuildCurrent(builtFile: string, newestSourceMtime: () => number = newestPageSourceMtime): boolean {
  try {
    return statSync(builtFile).mtimeMs >= newestSourceMtime();
  } catch {
    return false;
  }
}
