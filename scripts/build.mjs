// npm run build (the app only: src/; the demo, the bench and the doubles run from source under tsx):
//   0. empty dist/, so nothing from an earlier build ships
//   1. tsc -p tsconfig.build.json            -> dist/src/
//   2. bundle src/forwarder/handler.ts       -> dist/forwarder/index.js (the Lambda code, CommonJS)
//   3. render the CloudFormation template    -> dist/cloudformation/appconfig-jira-extension.yaml
//   4. bundle the Configure page, one page with two transports (public/configure/):
//        Connect (fetch + Connect JWT)         -> dist/public/configure.js (served at /public/configure.js)
//        Forge Custom UI (invokeRemote)        -> forge/static/configure/ (index.html, configure.js,
//                                                 configure.css with AUI's styles and fonts, assets/)
//   5. bundle the flag panel's Forge Custom UI -> forge/static/flag-panel/ (index.html, flag-panel.js,
//        (public/panel/forge.*, the Connect panel's renderer and styles)   flag-panel.css, assets/)
// Steps 2-4 use the compiled dist/src/**/*.js, so the output comes from the same code the app and
// the tests use. A type error still fails the build (exit 1), but only after everything is written,
// so one broken file elsewhere does not hide the AWS half or the pages.
import { Buffer } from 'node:buffer';
import { spawnSync } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const require = createRequire(import.meta.url);

function compile() {
  const tsc = require.resolve('typescript/bin/tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { cwd: root, stdio: 'inherit' });
  if (result.error) throw result.error;
  return result.status === 0;
}

async function writeForwarderAndTemplate() {
  const load = (file) => import(pathToFileURL(join(dist, 'src', 'forwarder', file)).href);
  const { buildForwarderBundle } = await load('bundle.js');
  const { renderTemplate, TEMPLATE_FILE_NAME } = await load('template.js');

  const code = await buildForwarderBundle();
  const template = renderTemplate(code);

  const forwarderDir = join(dist, 'forwarder');
  await mkdir(forwarderDir, { recursive: true });
  await writeFile(join(forwarderDir, 'index.js'), code);
  // The package is ESM ("type": "module"); this marks the Lambda file as the CommonJS it is, as in Lambda.
  await writeFile(join(forwarderDir, 'package.json'), '{ "type": "commonjs" }\n');

  const templatePath = join(dist, 'cloudformation', TEMPLATE_FILE_NAME);
  await mkdir(dirname(templatePath), { recursive: true });
  await writeFile(templatePath, template);
  console.log(`build: forwarder ${code.length} characters, template ${Buffer.byteLength(template)} bytes -> ${templatePath}`);
}

async function writeConfigurePages() {
  const { buildConnectBundle, buildForgePage, buildForgePanel, forgePageValues } = await import(pathToFileURL(join(dist, 'src', 'configure', 'page-build.js')).href);
  const connect = await buildConnectBundle();
  const { warnings, ...values } = await forgePageValues(process.env);
  for (const warning of warnings) console.warn(`build: ${warning}`);
  const forge = await buildForgePage(values);
  console.log(`build: Configure page -> ${connect}; Forge Custom UI (${forge.length} files) -> ${dirname(forge[0])}`);
  const panel = await buildForgePanel();
  console.log(`build: flag panel Forge Custom UI (${panel.length} files) -> ${dirname(panel[0])}`);
}

async function main() {
  await rm(dist, { recursive: true, force: true });
  const compiled = compile();
  if (!compiled) console.error('build: tsc reported errors (see above); writing the forwarder, template and pages anyway');
  await writeForwarderAndTemplate();
  await writeConfigurePages();
  if (!compiled) process.exitCode = 1;
}

main().catch((err) => {
  console.error('build failed:', err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
