/**
 * Builds the forwarder Lambda's code from src/forwarder/handler.ts: one minified CommonJS file for
 * the Node.js 22 runtime, as CloudFormation's inline `ZipFile` needs (it saves it as index.js).
 *
 * esbuild is a devDependency: the build script and tests call this; the running app only does
 * when the prebuilt template is missing (development), and then imports this module lazily.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const BANNER = '// AppConfig to Jira event forwarder, built from src/forwarder/handler.ts';

/** handler.ts, whether this module runs from src/ (tsx, vitest) or from dist/src/ (built). */
export function forwarderEntryPath(): string {
  for (const relative of ['./handler.ts', '../../../src/forwarder/handler.ts']) {
    const path = fileURLToPath(new URL(relative, import.meta.url));
    if (existsSync(path)) return path;
  }
  throw new Error('forwarder source src/forwarder/handler.ts not found');
}

export async function buildForwarderBundle(): Promise<string> {
  const result = await build({
    entryPoints: [forwarderEntryPath()],
    bundle: true,
    write: false,
    platform: 'node',
    format: 'cjs',
    target: 'node22',
    minify: true,
    legalComments: 'none',
    banner: { js: BANNER },
    // Built-ins, and the AWS SDK v3 that Lambda's Node.js runtimes provide: anything else would be
    // missing in the Lambda, so the build fails on it instead.
    external: ['node:*', '@aws-sdk/client-appconfig'],
    // import() becomes require(): Lambda finds its SDK through NODE_PATH, which only require() honours.
    supported: { 'dynamic-import': false },
    logLevel: 'silent',
  });
  const file = result.outputFiles[0];
  if (!file) throw new Error('esbuild produced no output for the forwarder');
  return file.text;
}
