/**
 * Builds the Configure page's browser code from public/configure/: one page, two transports.
 *   - the Connect bundle (public/configure/connect.js: fetch with a Connect JWT), which GET /configure's
 *     page loads as /public/configure.js;
 *   - the Forge Custom UI (public/configure/forge.js: @forge/bridge invokeRemote), written as a static
 *     folder: index.html made from the same views/configure.html, configure.js, and configure.css with
 *     AUI's styles, fonts and images bundled, so nothing comes from a CDN. Forge's default
 *     Content-Security-Policy allows no inline script or style, and the page has none.
 *
 * The flag panel's Custom UI (public/panel/forge.html and forge.js, with the Connect panel's renderer
 * and stylesheets) is built the same way into its own folder.
 *
 * esbuild is a devDependency: `npm run build` and the tests call this; the running app only does when
 * the prebuilt Connect bundle is missing or older than its sources (development), importing it lazily.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { build } from 'esbuild';
import { loadConfig } from '../config.js';
import { TEMPLATE_ROUTE } from '../forwarder/route.js';
import { projectRoot } from '../paths.js';
import { CONNECT_BUNDLE_PATH, FORGE_PAGE_DIR, FORGE_PANEL_DIR, PAGE_SOURCE_DIR, PAGE_STYLES_PATH, PAGE_TEMPLATE_PATH, PANEL_SOURCE_DIR } from './page-files.js';
import { escapeHtml } from '../http/html.js';

export type PageTransport = 'connect' | 'forge';

const BROWSER_TARGET = ['chrome109', 'firefox115', 'safari15.6', 'edge109'];

/** One browser entry, bundled with everything it imports into a single minified script. */
async function bundleBrowserScript(entry: string, banner: string): Promise<string> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    platform: 'browser',
    format: 'iife',
    target: BROWSER_TARGET,
    minify: true,
    banner: { js: `// ${banner}` },
    logLevel: 'silent',
  });
  const file = result.outputFiles[0];
  if (!file) throw new Error(`esbuild produced no output for ${entry}`);
  return file.text;
}

export function bundlePageScript(transport: PageTransport): Promise<string> {
  return bundleBrowserScript(path.join(PAGE_SOURCE_DIR, `${transport}.js`), `Configure page (${transport}), built from public/configure/`);
}

export interface ForgePageValues {
  appName: string;
  /** The app's CloudFormation template, absolute: the Custom UI is served from Forge's CDN, not the app. */
  templateUrl: string;
  defaultExtension: string;
}

/**
 * The values GET /configure fills in per request, fixed at build time for the Custom UI: the app's
 * name from the descriptor, the default extension identifier and the template's address from the
 * same environment the backend and the manifest's remote read (AC_LOCAL_BASE_URL, APPCONFIG_EXTENSION).
 */
export async function forgePageValues(env: NodeJS.ProcessEnv = process.env): Promise<ForgePageValues & { warnings: string[] }> {
  const descriptor = JSON.parse(await readFile(path.join(projectRoot, 'atlassian-connect.json'), 'utf8')) as { name: string };
  const config = loadConfig(env);
  const warnings: string[] = [];
  if (!config.baseUrl) warnings.push('AC_LOCAL_BASE_URL (or BASE_URL) is not set: the Forge page links to the CloudFormation template by its path only');
  return {
    appName: descriptor.name,
    templateUrl: `${config.baseUrl ?? ''}${TEMPLATE_ROUTE}`,
    defaultExtension: config.extensionIdentifier,
    warnings,
  };
}


// The Connect-only head (session token, AUI served by the app, all.js, the Connect bundle) sits between
// these markers in views/configure.html; the Custom UI gets its own bundled files instead.
const CONNECT_HEAD = /[ \t]*<!-- connect:head -->[\s\S]*?<!-- \/connect:head -->/;
const FORGE_HEAD = '  <link rel="stylesheet" href="configure.css">\n  <script src="configure.js" defer></script>';

/** views/configure.html as the Custom UI's index.html: the same body, Forge's head, values filled in. */
export function forgePageHtml(template: string, values: ForgePageValues): string {
  if (!CONNECT_HEAD.test(template)) throw new Error('views/configure.html lost its <!-- connect:head --> markers');
  const html = template
    .replace(CONNECT_HEAD, FORGE_HEAD)
    // Opened beside Jira: inside Forge's sandboxed frame a download link to another origin would not navigate.
    .replace('id="template-link" download', 'id="template-link" target="_blank" rel="noopener noreferrer"')
    .replace(/\{\{(\w+)\}\}/g, (m, name: string) => {
      const value = (values as unknown as Record<string, string | undefined>)[name];
      if (value === undefined) throw new Error(`views/configure.html: no value for ${m} in the Forge page`);
      return escapeHtml(value);
    });
  assertNoInlineCode(html, 'views/configure.html');
  return html;
}

function assertNoInlineCode(html: string, source: string): void {
  if (/<script(?![^>]*\bsrc=)[^>]*>|<style\b|\sstyle=|\son[a-z]+=/i.test(html)) {
    throw new Error(`the Forge page from ${source} would hold an inline script or style, which Forge's CSP refuses`);
  }
}

/** AUI's stylesheet, then the page's own: one CSS file, fonts and images copied beside it. */
async function bundlePageStyles(outDir: string, outName = 'configure.css', sheets: string[] = [PAGE_STYLES_PATH]): Promise<string[]> {
  const require = createRequire(import.meta.url);
  const aui = path.join(path.dirname(require.resolve('@atlassian/aui/package.json')), 'dist', 'aui', 'aui-prototyping.css');
  const imports = [aui, ...sheets].map((f) => `@import ${JSON.stringify(f)};\n`).join('');
  const result = await build({
    stdin: { contents: imports, loader: 'css', resolveDir: projectRoot },
    bundle: true,
    write: true,
    outfile: path.join(outDir, outName),
    target: BROWSER_TARGET,
    minify: true,
    loader: { '.woff': 'file', '.woff2': 'file', '.ttf': 'file', '.eot': 'file', '.svg': 'file', '.png': 'file', '.gif': 'file' },
    assetNames: 'assets/[name]-[hash]',
    metafile: true,
    logLevel: 'silent',
  });
  return Object.keys(result.metafile.outputs).map((f) => path.resolve(projectRoot, f));
}

/** Writes the Custom UI folder afresh (no stale hashed assets); returns the files written. */
export async function buildForgePage(values: ForgePageValues, outDir: string = FORGE_PAGE_DIR): Promise<string[]> {
  const template = await readFile(PAGE_TEMPLATE_PATH, 'utf8');
  const html = forgePageHtml(template, values);
  const script = await bundlePageScript('forge');
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  await writeFile(path.join(outDir, 'index.html'), html);
  await writeFile(path.join(outDir, 'configure.js'), script);
  const styles = await bundlePageStyles(outDir);
  return [path.join(outDir, 'index.html'), path.join(outDir, 'configure.js'), ...styles];
}

/** The flag panel's Custom UI folder, written afresh; returns the files written. */
export async function buildForgePanel(outDir: string = FORGE_PANEL_DIR): Promise<string[]> {
  const html = await readFile(path.join(PANEL_SOURCE_DIR, 'forge.html'), 'utf8');
  assertNoInlineCode(html, 'public/panel/forge.html');
  const script = await bundleBrowserScript(path.join(PANEL_SOURCE_DIR, 'forge.js'), 'Flag panel (Forge), built from public/panel/');
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  await writeFile(path.join(outDir, 'index.html'), html);
  await writeFile(path.join(outDir, 'flag-panel.js'), script);
  const styles = await bundlePageStyles(outDir, 'flag-panel.css', [PAGE_STYLES_PATH, path.join(PANEL_SOURCE_DIR, 'flag-panel.css')]);
  return [path.join(outDir, 'index.html'), path.join(outDir, 'flag-panel.js'), ...styles];
}

/** The Connect bundle, as `npm run build` leaves it for the app to serve. */
export async function buildConnectBundle(outFile: string = CONNECT_BUNDLE_PATH): Promise<string> {
  const script = await bundlePageScript('connect');
  await mkdir(path.dirname(outFile), { recursive: true });
  await writeFile(outFile, script);
  return outFile;
}
