/**
 * `npm run forge:manifest`: writes FORGE_APP_ID and AC_LOCAL_BASE_URL into forge/manifest.yml and
 * validates the result as `forge deploy` would. Run it before `forge deploy` in each environment
 * (development tunnel, staging, production), each with its own two values.
 *
 *   FORGE_APP_ID=<uuid> AC_LOCAL_BASE_URL=https://flags.example.com npm run forge:manifest
 *   npm run forge:manifest -- --check      validates the file as it is, changes nothing
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../src/paths.js';
import { checkForgeManifest, renderForgeManifest } from './lib/forge-manifest.js';

const manifestPath = path.join(projectRoot, 'forge', 'manifest.yml');

async function main(): Promise<number> {
  if (!process.argv.includes('--check')) {
    const appId = process.env.FORGE_APP_ID;
    const baseUrl = process.env.AC_LOCAL_BASE_URL;
    if (!appId || !baseUrl) {
      console.error('forge:manifest needs FORGE_APP_ID (the app id from the Forge developer console) and AC_LOCAL_BASE_URL (this backend\'s public HTTPS URL).');
      return 2;
    }
    writeFileSync(manifestPath, renderForgeManifest(readFileSync(manifestPath, 'utf8'), { appId, baseUrl }));
    console.log(`forge:manifest: ${path.relative(projectRoot, manifestPath)} now names app ${appId} and the backend at ${baseUrl}`);
  }
  const problems = await checkForgeManifest(manifestPath);
  for (const p of problems) console.error(`${path.relative(projectRoot, manifestPath)}:${p.line} ${p.level}: ${p.message}`);
  if (problems.length > 0) return 1;
  console.log('forge:manifest: valid (no errors, no warnings)');
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`forge:manifest failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
