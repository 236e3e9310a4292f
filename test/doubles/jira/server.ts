import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Faults } from './faults.js';
import { renderPage } from './html.js';
import type { BearerTokens } from './bearer-check.js';
import { appCallProblem, type AppAuthState } from './jwt-check.js';
import { findRoute, jiraError, type Answer, type Route, type Site } from './router.js';
import { issueRoutes } from './routes-issues.js';
import { miscRoutes } from './routes-misc.js';
import { featureFlagRoutes } from './routes-feature-flags.js';

/**
 * The double's HTTP pipeline for /rest/...: read the body, apply faults (before anything can change),
 * check the app's JWT, route, answer, and record the call. Everything else is the double's own HTML page.
 */
export interface RecordedRequest {
  method: string;
  /** Path relative to the site's baseUrl, without the query. */
  path: string;
  query: Record<string, string>;
  /** The parsed JSON body, when there was one. */
  body?: unknown;
  /** 0 when the connection was dropped without an answer. */
  status: number;
  /** How the call came: a Connect JWT at the site, or a Forge Bearer token through /ex/jira/<cloudId>. */
  via: 'site' | 'api-gateway';
  time: number;
  /**
   * When the call arrived (its headers read) and when it was answered (the answer written, or the
   * connection dropped): epoch ms with sub-millisecond precision (`preciseNow`), for timelines.
   */
  startedAt: number;
  answeredAt?: number;
  /** 'lost': carried out, answer never sent (`status` is what it would have been). */
  fault?: 'status' | 'drop' | 'delay' | 'lost';
}

export interface PipelineDeps {
  site: Site;
  contextPath: string;
  faults: Faults;
  auth: () => AppAuthState;
  /** Forge calls: /ex/jira/<cloudId>/rest/... with a Bearer token from this registry. */
  cloudId: string;
  bearer: BearerTokens;
  record: (r: RecordedRequest) => void;
  /** Called as each REST call arrives, before it is answered. */
  arrive: (r: RecordedRequest) => void;
  /** Pending delays, cleared on close. */
  timers: Set<NodeJS.Timeout>;
}

// Feature-flag routes first: /rest/api/3/issue/properties/multi would otherwise read as an issue key.
/** Epoch milliseconds with sub-millisecond precision (performance.timeOrigin + performance.now()). */
export const preciseNow = (): number => performance.timeOrigin + performance.now();

const ROUTES: Route[] = [...featureFlagRoutes, ...issueRoutes, ...miscRoutes];
const MAX_BODY = 10 * 1024 * 1024;

function readBody(req: IncomingMessage): Promise<Buffer | 'too-large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY) chunks.push(c);
    });
    req.on('end', () => resolve(size > MAX_BODY ? 'too-large' : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, a: Answer): void {
  if (res.destroyed) return;
  const headers: Record<string, string> = { ...a.headers };
  if (a.status === 204 || a.body === undefined) {
    res.writeHead(a.status, headers).end();
    return;
  }
  headers['Content-Type'] = 'application/json;charset=UTF-8';
  res.writeHead(a.status, headers).end(JSON.stringify(a.body));
}

const wait = (deps: PipelineDeps, ms: number): Promise<void> =>
  new Promise((resolve) => {
    const t = setTimeout(() => {
      deps.timers.delete(t);
      resolve();
    }, ms);
    deps.timers.add(t);
  });

export function createPipeline(deps: PipelineDeps) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const method = (req.method ?? 'GET').toUpperCase();
    const rawUrl = req.url ?? '/';
    const qIndex = rawUrl.indexOf('?');
    let path = qIndex >= 0 ? rawUrl.slice(0, qIndex) : rawUrl;
    const search = qIndex >= 0 ? rawUrl.slice(qIndex) : '';
    // The API gateway's address for this site (api.atlassian.com/ex/jira/<cloudId>): Bearer tokens only.
    const gateway = `/ex/jira/${deps.cloudId}/`;
    const via = path.startsWith(gateway) ? 'api-gateway' : 'site';
    if (via === 'api-gateway') path = path.slice(gateway.length - 1);
    else if (path.startsWith('/ex/')) return send(res, jiraError(404, 'No such site behind the API gateway.'));
    else if (deps.contextPath) {
      if (!path.startsWith(deps.contextPath)) return send(res, jiraError(404, 'Not under this site.'));
      path = path.slice(deps.contextPath.length) || '/';
    }
    if (!path.startsWith('/rest/')) {
      const browse = /^\/browse\/([A-Za-z0-9_]+-\d+)$/.exec(path);
      if (method === 'GET' && (path === '/' || browse)) {
        res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(renderPage(deps.site.store, deps.site.url, browse?.[1]));
        return;
      }
      return send(res, jiraError(404, 'Not found.'));
    }

    const query = new URLSearchParams(search);
    const rec: RecordedRequest = { method, path, query: Object.fromEntries(query), status: 0, time: Date.now(), startedAt: preciseNow(), via };
    const raw = await readBody(req);
    deps.arrive(rec);
    let body: unknown;
    let badJson = false;
    if (raw !== 'too-large' && raw.length > 0) {
      try {
        body = JSON.parse(raw.toString('utf8'));
        rec.body = body;
      } catch {
        badJson = true;
      }
    }
    const authProblem = () =>
      via === 'api-gateway' ? deps.bearer.problem(req.headers.authorization) : appCallProblem(deps.auth(), req.headers.authorization, method, path + search);
    const answer = async (): Promise<Answer | 'dropped'> => {
      const fault = deps.faults.decide(method, path);
      // Work accepted and carried out later is authorised as it arrives (a token may expire meanwhile).
      let arrivedProblem: string | undefined | null = null;
      if (fault) {
        if (fault.workAfterLoss) {
          rec.fault = 'lost';
          arrivedProblem = authProblem();
          req.socket.destroy();
        }
        if (fault.delayMs > 0) await wait(deps, fault.delayMs);
        if (fault.drop) {
          rec.fault = 'drop';
          return 'dropped';
        }
        if (fault.status !== undefined) {
          rec.fault = 'status';
          return { status: fault.status, headers: fault.headers, body: fault.body };
        }
        rec.fault = fault.loseAnswer || fault.workAfterLoss ? 'lost' : 'delay';
      }
      const problem = arrivedProblem === null ? authProblem() : arrivedProblem;
      if (problem) {
        const scheme = via === 'api-gateway' ? 'Bearer' : 'JWT';
        return { ...jiraError(401, problem), headers: { 'WWW-Authenticate': `${scheme} realm="Jira double"` } };
      }
      if (raw === 'too-large') return jiraError(413, 'The request body is too large.');
      if (badJson) return jiraError(400, 'The request body is not valid JSON.');
      const found = findRoute(ROUTES, method, path);
      if (found === 'method-not-allowed') return jiraError(405, `Method ${method} is not allowed here.`);
      if (!found) return jiraError(404, `No REST resource at ${path} in the Jira double.`);
      return found.route.handle({ method, path, query, body, site: deps.site }, found.params);
    };
    let a: Answer | 'dropped';
    try {
      a = await answer();
    } catch (err) {
      a = jiraError(500, `The Jira double failed: ${(err as Error).message}`);
    }
    rec.answeredAt = preciseNow();
    if (a === 'dropped') {
      deps.record(rec);
      req.socket.destroy();
      return;
    }
    if (rec.fault === 'lost') {
      rec.status = a.status;
      deps.record(rec);
      req.socket.destroy();
      return;
    }
    rec.status = a.status;
    deps.record(rec);
    send(res, a);
  };
}
