import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { AsymmetricAlgorithm, createQueryStringHash, encodeAsymmetric, encodeSymmetric, fromMethodAndUrl, SymmetricAlgorithm } from 'atlassian-jwt';
import type { PropertyAliases, PropertyIndex } from './jql.js';

/**
 * Jira's side of the Connect lifecycle: it reads the app's descriptor, then POSTs the lifecycle payload to the
 * app. `installed` and `uninstalled` are signed RS256 with the site's install key (the "signed install"
 * migration): iss = clientKey, aud = [descriptor baseUrl], qsh over "POST <lifecycle path>". `enabled` and
 * `disabled` are not covered by that migration: Jira signs them as it signs webhooks, HS256 with the site's
 * shared secret, iss = clientKey, qsh over "POST <lifecycle path>", no aud. Options produce the bad calls a
 * secure app must refuse.
 */
export type LifecycleEvent = 'installed' | 'uninstalled' | 'enabled' | 'disabled';

export type BadInstall =
  | 'unsigned' // no Authorization header at all
  | 'hs256' // install/uninstall: legacy symmetric signature with the shared secret
  | 'unknown-kid' // signed by a key the key server does not know
  | 'wrong-key' // signed by another key, but naming this site's kid
  | 'wrong-aud' // audience is not the app
  | 'expired'
  | 'wrong-qsh' // hash of another request
  | 'iss-mismatch' // iss is another clientKey than the body's
  // For enabled/disabled (HS256) only:
  | 'wrong-secret' // HS256, but signed with another secret than the site's
  | 'rs256'; // signed-install form, which Jira never uses for enabled/disabled

/** The callbacks Jira signs with the site's shared secret rather than its install key. */
export const SHARED_SECRET_EVENTS: readonly LifecycleEvent[] = ['enabled', 'disabled'];

export interface LifecycleOptions {
  bad?: BadInstall;
  /** Fields merged over the payload (e.g. a spoofed baseUrl). */
  body?: Record<string, unknown>;
  /** For install: give the app a new sharedSecret (Jira may rotate it on reinstall). */
  rotateSecret?: boolean;
  /** Sign as usual (RS256, the site's key) but name this kid in the header: a probe of the app's key fetch. */
  kid?: string;
  /** Send here instead of the app base URL given at install (lifecycle paths still come from the descriptor). */
  appBaseUrl?: string;
}

export interface LifecycleResult {
  status: number;
  body: string;
  /** The parsed body when it is JSON. */
  json?: unknown;
}

export interface Descriptor {
  key: string;
  baseUrl?: string;
  lifecycle?: Partial<Record<LifecycleEvent, string>>;
  modules?: { jiraEntityProperties?: unknown };
}

export interface SiteKeys {
  kid: string;
  privatePem: string;
  publicPem: string;
}

export function newSiteKeys(): SiteKeys {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    kid: `jira-double-${randomUUID()}`,
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

let foreign: SiteKeys | undefined;
/** A key pair no key server knows: what an attacker would sign with. */
const foreignKeys = (): SiteKeys => (foreign ??= newSiteKeys());

export async function fetchDescriptor(appBaseUrl: string): Promise<Descriptor> {
  const res = await fetch(`${appBaseUrl.replace(/\/+$/, '')}/atlassian-connect.json`);
  if (!res.ok) throw new Error(`GET /atlassian-connect.json answered ${res.status}`);
  const d = (await res.json()) as Descriptor;
  if (!d || typeof d.key !== 'string') throw new Error('the descriptor has no key');
  return d;
}

/** The property paths Jira would index from the descriptor's jiraEntityProperties modules. */
/** The JQL aliases of the descriptor's extractions. */
export function propertyAliasesOf(d: Descriptor): PropertyAliases {
  const aliases: PropertyAliases = new Map();
  const modules = Array.isArray(d.modules?.jiraEntityProperties) ? d.modules.jiraEntityProperties : [];
  for (const m of modules as { entityType?: string; keyConfigurations?: { propertyKey?: string; extractions?: { objectName?: string; alias?: string }[] }[] }[]) {
    if ((m.entityType ?? 'issue') !== 'issue') continue;
    for (const kc of m.keyConfigurations ?? []) {
      for (const e of kc.extractions ?? []) {
        if (kc.propertyKey && e.objectName && e.alias) aliases.set(e.alias.toLowerCase(), { propertyKey: kc.propertyKey, path: e.objectName });
      }
    }
  }
  return aliases;
}

export function propertyIndexOf(d: Descriptor): PropertyIndex {
  const index: PropertyIndex = new Map();
  const modules = Array.isArray(d.modules?.jiraEntityProperties) ? d.modules.jiraEntityProperties : [];
  for (const m of modules as { entityType?: string; keyConfigurations?: { propertyKey?: string; extractions?: { objectName?: string; type?: string }[] }[] }[]) {
    if ((m.entityType ?? 'issue') !== 'issue') continue;
    for (const kc of m.keyConfigurations ?? []) {
      if (!kc.propertyKey) continue;
      const paths = index.get(kc.propertyKey) ?? new Map<string, string>();
      for (const e of kc.extractions ?? []) if (e.objectName) paths.set(e.objectName, e.type ?? 'string');
      index.set(kc.propertyKey, paths);
    }
  }
  return index;
}

export interface SiteIdentity {
  url: string;
  clientKey: string;
  sharedSecret: string;
  keys: SiteKeys;
}

export function lifecyclePayload(site: SiteIdentity, appKey: string, event: LifecycleEvent): Record<string, unknown> {
  return {
    key: appKey,
    clientKey: site.clientKey,
    // Only the installed event carries the shared secret.
    ...(event === 'installed' ? { sharedSecret: site.sharedSecret } : {}),
    serverVersion: '100257',
    pluginsVersion: '1001.0.0-SNAPSHOT',
    baseUrl: site.url,
    displayUrl: site.url,
    productType: 'jira',
    description: 'Atlassian JIRA at ' + site.url,
    eventType: event,
  };
}

/** enabled/disabled as Jira signs them: HS256 with the shared secret, like a webhook. */
function sharedSecretToken(site: SiteIdentity, aud: string, lifecyclePath: string, bad?: BadInstall): string | undefined {
  if (bad === 'rs256' || bad === 'unknown-kid' || bad === 'wrong-key' || bad === 'wrong-aud') return installToken(site, aud, lifecyclePath, bad === 'rs256' ? undefined : bad);
  const iat = Math.floor(Date.now() / 1000);
  const claims = {
    iss: bad === 'iss-mismatch' ? randomUUID() : site.clientKey,
    qsh: createQueryStringHash(fromMethodAndUrl('POST', bad === 'wrong-qsh' ? '/some/other/path' : lifecyclePath)),
    iat: bad === 'expired' ? iat - 600 : iat,
    exp: bad === 'expired' ? iat - 60 : iat + 180,
  };
  const secret = bad === 'wrong-secret' ? randomUUID() + randomUUID() : site.sharedSecret;
  return encodeSymmetric(claims, secret, SymmetricAlgorithm.HS256);
}

export function lifecycleToken(site: SiteIdentity, aud: string, lifecyclePath: string, event: LifecycleEvent, bad?: BadInstall, kid?: string): string | undefined {
  if (bad === 'unsigned') return undefined;
  if (SHARED_SECRET_EVENTS.includes(event)) return sharedSecretToken(site, aud, lifecyclePath, bad);
  return installToken(site, aud, lifecyclePath, bad, kid);
}

function installToken(site: SiteIdentity, aud: string, lifecyclePath: string, bad?: BadInstall, kidOverride?: string): string {
  const iat = Math.floor(Date.now() / 1000);
  const claims = {
    iss: bad === 'iss-mismatch' ? randomUUID() : site.clientKey,
    aud: [bad === 'wrong-aud' ? 'https://not-this-app.example.com' : aud],
    qsh: createQueryStringHash(fromMethodAndUrl('POST', bad === 'wrong-qsh' ? '/some/other/path' : lifecyclePath)),
    iat: bad === 'expired' ? iat - 600 : iat,
    exp: bad === 'expired' ? iat - 60 : iat + 180,
  };
  if (bad === 'hs256' || bad === 'wrong-secret') {
    return encodeSymmetric(claims, bad === 'hs256' ? site.sharedSecret : randomUUID(), SymmetricAlgorithm.HS256);
  }
  const signer = bad === 'unknown-kid' || bad === 'wrong-key' ? foreignKeys() : site.keys;
  const kid = kidOverride ?? (bad === 'unknown-kid' ? foreignKeys().kid : site.keys.kid);
  return encodeAsymmetric(claims, signer.privatePem, AsymmetricAlgorithm.RS256, { kid });
}

/** POSTs one lifecycle event to the app as Jira does, and returns the app's answer. */
export async function sendLifecycle(site: SiteIdentity, appBaseUrl: string, descriptor: Descriptor, event: LifecycleEvent, opts: LifecycleOptions = {}): Promise<LifecycleResult> {
  const base = appBaseUrl.replace(/\/+$/, '');
  const path = descriptor.lifecycle?.[event] ?? `/${event}`;
  const aud = descriptor.baseUrl ?? base;
  const token = lifecycleToken(site, aud, path, event, opts.bad, opts.kid);
  const res = await fetch(base + path, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      Accept: 'application/json',
      'User-Agent': 'Atlassian Connect (Jira double)',
      ...(token ? { Authorization: `JWT ${token}` } : {}),
    },
    body: JSON.stringify({ ...lifecyclePayload(site, descriptor.key, event), ...opts.body }),
  });
  const body = await res.text();
  let json: unknown;
  try {
    json = body ? JSON.parse(body) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, body, json };
}
