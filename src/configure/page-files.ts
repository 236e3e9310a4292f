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

/** The newest modification time among the page's sources (scripts, view, styles), to tell a stale build. */
export function newestPageSourceMtime(): number {
  const files = [PAGE_TEMPLATE_PATH, PAGE_STYLES_PATH, ...readdirSync(PAGE_SOURCE_DIR).map((f) => path.join(PAGE_SOURCE_DIR, f))];
  return Math.max(...files.map((f) => statSync(f).mtimeMs));
}

/** True when `builtFile` exists and is at least as new as every source of the page. */
export function isBuildCurrent(builtFile: string): boolean {
  try {
    return statSync(builtFile).mtimeMs >= newestPageSourceMtime();
  } catch {
    return false;
  }
}
