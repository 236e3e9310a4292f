/**
 * The Forge manifest (forge/manifest.yml) is kept by hand except for two values that differ per
 * operator: the app's id (FORGE_APP_ID, from the Forge developer console) and the public URL of this
 * backend (AC_LOCAL_BASE_URL, the same URL the Connect descriptor uses). `renderForgeManifest` writes
 * those two into the file's text, keeping its comments and layout; `checkForgeManifest` runs the same
 * validation the Forge CLI runs before a deploy.
 */
import { validate } from '@forge/manifest';
import { isMap, isSeq, parseDocument } from 'yaml';
import { parseForgeAppId } from '../../src/config.js';

export const BACKEND_REMOTE_KEY = 'backend';
const APP_ARI_PREFIX = 'ari:cloud:ecosystem::app/';

/** Forge calls remotes over HTTPS only; a path is allowed (the app may live under one), a query is not. */
export function remoteBaseUrl(baseUrl: string): string {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new Error(`AC_LOCAL_BASE_URL must be an absolute URL, got "${baseUrl}"`);
  }
  if (url.protocol !== 'https:') throw new Error(`Forge reaches a remote backend over HTTPS only; AC_LOCAL_BASE_URL is "${baseUrl}"`);
  if (url.search || url.hash) throw new Error(`AC_LOCAL_BASE_URL must not carry a query or fragment, got "${baseUrl}"`);
  return url.toString().replace(/\/+$/, '');
}

export function renderForgeManifest(text: string, values: { appId: string; baseUrl: string }): string {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) throw new Error(`forge/manifest.yml is not valid YAML: ${doc.errors[0]!.message}`);
  doc.setIn(['app', 'id'], APP_ARI_PREFIX + parseForgeAppId(values.appId));
  const remotes = doc.get('remotes');
  const backend = isSeq(remotes) ? remotes.items.find((r) => isMap(r) && r.get('key') === BACKEND_REMOTE_KEY) : undefined;
  if (!isMap(backend)) throw new Error(`forge/manifest.yml has no remote with key "${BACKEND_REMOTE_KEY}"`);
  backend.set('baseUrl', remoteBaseUrl(values.baseUrl));
  return doc.toString({ lineWidth: 0 });
}

export interface ManifestProblem {
  level: string;
  message: string;
  line: number;
}

/** Every error AND warning @forge/manifest reports for the manifest file (empty when it is clean). */
export async function checkForgeManifest(manifestPath: string): Promise<ManifestProblem[]> {
  const result = await validate(false, manifestPath);
  const problems = (result.errors ?? []).map((e) => ({ level: e.level, message: e.message, line: e.line ?? 0 }));
  if (!result.success && problems.length === 0) problems.push({ level: 'error', message: 'validation failed without a reason', line: 0 });
  return problems;
}
