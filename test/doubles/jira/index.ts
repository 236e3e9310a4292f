import { randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createQueryStringHash, encodeSymmetric, fromMethodAndUrl, SymmetricAlgorithm } from 'atlassian-jwt';
import { acquireConnectKeyServer, registerConnectKey, releaseConnectKeyServer, unregisterConnectKey } from '../connect-keys.js';
import { adfText } from './adf.js';
import { BearerTokens, type BearerGrant } from './bearer-check.js';
import { Faults, type FaultSpec } from './faults.js';
import type { AppAuthState } from './jwt-check.js';
import { fetchDescriptor, newSiteKeys, propertyAliasesOf, propertyIndexOf, sendLifecycle, type Descriptor, type LifecycleEvent, type LifecycleOptions, type LifecycleResult } from './lifecycle.js';
import type { Site } from './router.js';
import { createPipeline, type RecordedRequest } from './server.js';
import { JiraStore, type AddProjectOptions, type Issue } from './store.js';
import { featureFlagsOf, type FeatureFlagState } from './routes-feature-flags.js';

export type { FaultSpec, FaultMatch } from './faults.js';
export type { BadInstall, LifecycleOptions, LifecycleResult } from './lifecycle.js';
export type { RecordedRequest } from './server.js';
export { preciseNow } from './server.js';
export type { BearerGrant } from './bearer-check.js';
export type { AddProjectOptions } from './store.js';
export type { FeatureFlagState, StoredFeatureFlag } from './routes-feature-flags.js';
export { adfText } from './adf.js';

export interface JiraDoubleOptions {
  /** Treat this app key as already installed (no install callback): for tests of the Jira client alone. */
  appKey?: string;
  clientKey?: string;
  sharedSecret?: string;
  /** Serve the site under a path, e.g. "/jira" (Jira Cloud has none; Confluence has /wiki). */
  contextPath?: string;
  /** Projects to seed; default one project FLAG ("Feature flags") with Task 10001, Bug, Story, Subtask. */
  projects?: AddProjectOptions[];
  port?: number;
}

export interface IssueView {
  id: string;
  key: string;
  projectKey: string;
  issueType: string;
  summary: string;
  description: unknown | null;
  /** The description as plain text, blocks on separate lines. */
  descriptionText: string;
  properties: Record<string, unknown>;
  comments: { id: string; body: unknown; text: string; created: string }[];
  created: string;
  updated: string;
}

export interface JiraDouble {
  readonly url: string;
  readonly clientKey: string;
  /** Tests only: the secret the app signs its calls with (changes on install with rotateSecret). */
  readonly sharedSecret: string;
  readonly kid: string;
  readonly keysUrl: string;
  readonly appKey: string | undefined;
  readonly installed: boolean;
  readonly adminAccountId: string;
  readonly memberAccountId: string;
  readonly appAccountId: string;
  readonly store: JiraStore;
  /** The site's cloud id: Forge apps reach it at <origin>/ex/jira/<cloudId>/rest/... with Bearer tokens. */
  readonly cloudId: string;
  /** What a Forge FIT carries as app.apiBaseUrl for this site (the double's stand-in for api.atlassian.com). */
  readonly apiBaseUrl: string;
  /** What Jira indexes for JQL when a Forge app is installed: its jira:entityProperty modules, descriptor-shaped. */
  indexEntityProperties(modules: Descriptor['modules']): void;
  /** Tokens Forge issued for this site (the Forge double grants them as it issues them). */
  readonly bearer: { grant(token: string, grant: BearerGrant): void; expire(token: string): void; expireAll(): void };
  readonly requests: RecordedRequest[];
  /** Every REST call as it arrives, before it is answered (a held call shows here while it is held). */
  readonly arrived: RecordedRequest[];
  clearRequests(): void;
  /** Calls `listener` with each REST call as it is answered (right after it joins `requests`); returns an unsubscribe. */
  onAnswered(listener: (r: RecordedRequest) => void): () => void;
  faults: { add(spec: FaultSpec): void; clear(): void };
  /** Keep new issues out of search results for this long, as Jira Cloud's index lags behind writes. */
  setSearchLag(ms: number): void;
  install(appBaseUrl: string, opts?: LifecycleOptions): Promise<LifecycleResult>;
  uninstall(opts?: LifecycleOptions): Promise<LifecycleResult>;
  enable(opts?: LifecycleOptions): Promise<LifecycleResult>;
  disable(opts?: LifecycleOptions): Promise<LifecycleResult>;
  addProject(opts: AddProjectOptions): { id: string; key: string };
  removeProject(idOrKey: string): void;
  /** Take away (or give back) the app's right to see or to write in a project. */
  setProjectAccess(idOrKey: string, access: { browse?: boolean; write?: boolean }): void;
  /** A user of the site; `hiddenProjects`: project keys the user may not browse (BROWSE_PROJECTS refused). */
  addUser(accountId: string, opts: { admin: boolean; hiddenProjects?: string[] }): void;
  issues(): IssueView[];
  issue(idOrKey: string): IssueView | undefined;
  /** An issue a person made in the project (no app property): an issue that is no tracked flag. */
  addIssue(projectIdOrKey: string, summary: string): { id: string; key: string };
  /** The Releases panel's feature flags the app submitted, and what the tests count about them. */
  readonly featureFlags: FeatureFlagState;
  deleteIssue(idOrKey: string): boolean;
  /** A JWT as Jira puts on an iframe URL: HS256 with the shared secret, iss = clientKey, sub = accountId, real qsh. */
  pageJwt(accountId: string, method: string, pathWithQuery: string): string;
  /** A context JWT as AP.context.getToken() gives: qsh "context-qsh". */
  contextJwt(accountId: string): string;
  /** The full iframe URL Jira would load for a page module at `path` of the app (with xdm_e, cp, lic... and jwt). */
  pageUrl(appBaseUrl: string, path: string, accountId: string): string;
  /** What JiraClient needs to call this site as the app. */
  tenant(): { baseUrl: string; clientKey: string; sharedSecret: string; appKey: string };
  close(): Promise<void>;
}

const newSecret = (): string => randomBytes(32).toString('base64url');
const accountId = (): string => `712020:${randomUUID()}`;

export async function startJiraDouble(opts: JiraDoubleOptions = {}): Promise<JiraDouble> {
  const store = new JiraStore();
  for (const p of opts.projects ?? [{ key: 'FLAG', name: 'Feature flags' }]) store.addProject(p);
  const adminAccountId = accountId();
  const memberAccountId = accountId();
  store.users.set(adminAccountId, { admin: true });
  store.users.set(memberAccountId, { admin: false });

  const contextPath = (opts.contextPath ?? '').replace(/\/+$/, '');
  const keys = newSiteKeys();
  const auth: AppAuthState = {
    installed: opts.appKey !== undefined,
    enabled: true,
    appKey: opts.appKey,
    clientKey: opts.clientKey ?? randomUUID(),
    sharedSecret: opts.sharedSecret ?? newSecret(),
  };
  const site: Site = { store, url: '', appAccountId: accountId(), propertyIndex: undefined, propertyAliases: new Map(), searchLagMs: 0 };
  const cloudId = randomUUID();
  const bearer = new BearerTokens();
  const faults = new Faults();
  const requests: RecordedRequest[] = [];
  const arrived: RecordedRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const answeredListeners = new Set<(r: RecordedRequest) => void>();
  const record = (r: RecordedRequest) => {
    requests.push(r);
    for (const l of answeredListeners) l(r);
  };
  const pipeline = createPipeline({ site, contextPath, faults, auth: () => auth, cloudId, bearer, record, arrive: (r) => arrived.push(r), timers });
  const server = createServer((req, res) => void pipeline(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  site.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${contextPath}`;
  const keysUrl = await acquireConnectKeyServer();
  registerConnectKey(keys.kid, keys.publicPem);

  let lastApp: { baseUrl: string; descriptor: Descriptor } | undefined;
  const identity = () => ({ url: site.url, clientKey: auth.clientKey, sharedSecret: auth.sharedSecret, keys });

  async function lifecycle(event: LifecycleEvent, lo: LifecycleOptions = {}): Promise<LifecycleResult> {
    if (!lastApp) throw new Error(`${event}: install the app first (the double needs its base URL)`);
    const result = await sendLifecycle(identity(), lo.appBaseUrl ?? lastApp.baseUrl, lastApp.descriptor, event, lo);
    const accepted = result.status >= 200 && result.status < 300 && !lo.bad;
    if (accepted && event === 'uninstalled') {
      auth.installed = false;
      featureFlagsOf(store).flags.clear(); // Jira deletes every flag an uninstalled app sent
    }
    if (accepted && (event === 'enabled' || event === 'disabled')) auth.enabled = event === 'enabled';
    return result;
  }

  const view = (issue: Issue): IssueView => ({
    id: issue.id,
    key: issue.key,
    projectKey: store.projectOf(issue).key,
    issueType: store.issueTypes.get(issue.issueTypeId)?.name ?? '',
    summary: issue.summary,
    description: issue.description,
    descriptionText: issue.description ? adfText(issue.description) : '',
    properties: Object.fromEntries(issue.properties),
    comments: issue.comments.map((c) => ({ id: c.id, body: c.body, text: adfText(c.body), created: c.created })),
    created: issue.created,
    updated: issue.updated,
  });

  const signPage = (sub: string, qsh: string, validity: number): string => {
    const iat = Math.floor(Date.now() / 1000);
    return encodeSymmetric({ iss: auth.clientKey, sub, qsh, iat, exp: iat + validity }, auth.sharedSecret, SymmetricAlgorithm.HS256);
  };

  const handle: JiraDouble = {
    get url() { return site.url; },
    get clientKey() { return auth.clientKey; },
    get sharedSecret() { return auth.sharedSecret; },
    kid: keys.kid,
    keysUrl,
    get appKey() { return auth.appKey; },
    get installed() { return auth.installed; },
    adminAccountId,
    memberAccountId,
    appAccountId: site.appAccountId,
    store,
    cloudId,
    get apiBaseUrl() { return `${new URL(site.url).origin}/ex/jira/${cloudId}`; },
    indexEntityProperties(modules) {
      site.propertyIndex = propertyIndexOf({ key: 'forge-app', modules });
      site.propertyAliases = propertyAliasesOf({ key: 'forge-app', modules });
    },
    bearer: { grant: (t, g) => bearer.grant(t, g), expire: (t) => bearer.expire(t), expireAll: () => bearer.expireAll() },
    requests,
    arrived,
    clearRequests: () => void (requests.splice(0), arrived.splice(0)),
    onAnswered(listener) {
      answeredListeners.add(listener);
      return () => void answeredListeners.delete(listener);
    },
    faults: { add: (spec) => faults.add(spec), clear: () => faults.clear() },
    setSearchLag(ms) {
      site.searchLagMs = ms;
    },
    async install(appBaseUrl, lo = {}) {
      const descriptor = await fetchDescriptor(appBaseUrl);
      lastApp = { baseUrl: appBaseUrl.replace(/\/+$/, ''), descriptor };
      const previous = auth.sharedSecret;
      if (lo.rotateSecret) auth.sharedSecret = newSecret();
      const result = await sendLifecycle(identity(), lo.appBaseUrl ?? lastApp.baseUrl, descriptor, 'installed', lo);
      if (result.status >= 200 && result.status < 300 && !lo.bad) {
        Object.assign(auth, { installed: true, enabled: true, appKey: descriptor.key });
        site.propertyIndex = propertyIndexOf(descriptor);
        site.propertyAliases = propertyAliasesOf(descriptor);
      } else auth.sharedSecret = previous;
      return result;
    },
    uninstall: (lo) => lifecycle('uninstalled', lo),
    enable: (lo) => lifecycle('enabled', lo),
    disable: (lo) => lifecycle('disabled', lo),
    addProject: (p) => {
      const project = store.addProject(p);
      return { id: project.id, key: project.key };
    },
    removeProject: (k) => store.removeProject(k),
    setProjectAccess(k, access) {
      const p = store.findProject(k);
      if (!p) throw new Error(`no project ${k}`);
      if (access.browse !== undefined) p.browse = access.browse;
      if (access.write !== undefined) p.write = access.write;
    },
    addUser: (id, u) => void store.users.set(id, { admin: u.admin, ...(u.hiddenProjects ? { hiddenProjects: new Set(u.hiddenProjects) } : {}) }),
    issues: () => [...store.issues.values()].map(view),
    featureFlags: featureFlagsOf(store),
    issue: (k) => {
      const i = store.findIssue(k);
      return i ? view(i) : undefined;
    },
    addIssue(k, summary) {
      const p = store.findProject(k);
      if (!p) throw new Error(`no project ${k}`);
      const issue = store.createIssue(p, p.issueTypeIds[0]!, summary, null, []);
      return { id: issue.id, key: issue.key };
    },
    deleteIssue: (k) => store.deleteIssue(k),
    pageJwt: (sub, method, pathWithQuery) => signPage(sub, createQueryStringHash(fromMethodAndUrl(method.toUpperCase(), pathWithQuery)), 180),
    contextJwt: (sub) => signPage(sub, 'context-qsh', 900),
    pageUrl(appBaseUrl, path, sub) {
      const q = new URLSearchParams({ xdm_e: site.url.replace(contextPath, ''), xdm_c: 'channel-jira-double', cp: contextPath, xdm_deprecated_addon_key_do_not_use: auth.appKey ?? '', lic: 'none', cv: '1001.0.0-SNAPSHOT' });
      const pathWithQuery = `${path}${path.includes('?') ? '&' : '?'}${q}`;
      return `${appBaseUrl.replace(/\/+$/, '')}${pathWithQuery}&jwt=${handle.pageJwt(sub, 'GET', pathWithQuery)}`;
    },
    tenant() {
      if (!auth.appKey) throw new Error('tenant(): the app is not installed on this double');
      return { baseUrl: site.url, clientKey: auth.clientKey, sharedSecret: auth.sharedSecret, appKey: auth.appKey };
    },
    async close() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      unregisterConnectKey(keys.kid);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await releaseConnectKeyServer();
    },
  };
  return handle;
}
