/**
 * One HTTP entry for both services. The credential scope's service (`sts` or `appconfig`) says which
 * one a request is for; then: injected faults, SigV4, IAM, the operation, and the answer in that
 * service's own wire format.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extensionRoutes } from './appconfig-extensions.js';
import { resourceRoutes } from './appconfig-resources.js';
import type { OpContext, Route } from './appconfig-common.js';
import type { EventHub } from './events.js';
import type { Faults } from './faults.js';
import { requireAllowed } from './permissions.js';
import { authenticate, parseAuthorization } from './sigv4.js';
import type { AwsState } from './state.js';
import { handleSts, stsAction } from './sts.js';
import { AwsFault, faultForStatus, faultReply, writeReply, type Reply, type Service } from './wire.js';

export interface CallRecord {
  service: Service;
  action: string;
  accessKeyId?: string;
  status: number;
}

export interface DispatchDeps {
  state: AwsState;
  events: EventHub;
  faults: Faults;
  calls: CallRecord[];
  sleep(ms: number): Promise<void>;
}

const MAX_BODY = 8 * 1024 * 1024;

interface CompiledRoute {
  route: Route;
  re: RegExp;
  names: string[];
}

const compiled: CompiledRoute[] = [...resourceRoutes, ...extensionRoutes].map((route) => {
  const names: string[] = [];
  const re = new RegExp(
    `^${route.path.replace(/\{([A-Za-z]+)\}/g, (_m, name: string) => {
      names.push(name);
      return '([^/]+)';
    })}/?$`,
  );
  return { route, re, names };
});

function matchRoute(method: string, pathname: string): { route: Route; params: Record<string, string> } | undefined {
  for (const c of compiled) {
    if (c.route.method !== method) continue;
    const m = c.re.exec(pathname);
    if (!m) continue;
    const params: Record<string, string> = {};
    c.names.forEach((n, i) => (params[n] = decodeURIComponent(m[i + 1] ?? '')));
    return { route: c.route, params };
  }
  return undefined;
}

function readBody(req: IncomingMessage): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        resolve(null);
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export function createDispatcher(deps: DispatchDeps) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = await readBody(req).catch(() => null);
    if (body === null) return;
    const url = new URL(req.url ?? '/', 'http://double.invalid');
    const scoped = parseAuthorization(typeof req.headers.authorization === 'string' ? req.headers.authorization : undefined)?.service;
    const service: Service = scoped === 'sts' || scoped === 'appconfig' ? scoped : url.pathname === '/' ? 'sts' : 'appconfig';
    const match = service === 'appconfig' ? matchRoute(req.method ?? 'GET', url.pathname) : undefined;
    const action = service === 'sts' ? stsAction(body, url.searchParams) : (match?.route.operation ?? 'Unknown');
    const record: CallRecord = { service, action, status: 0 };
    deps.calls.push(record);

    let reply: Reply;
    const fault = deps.faults.take(service, action);
    try {
      if (fault?.delayMs) await deps.sleep(fault.delayMs);
      if (fault?.drop) {
        record.status = -1;
        req.socket.destroy();
        return;
      }
      if (fault?.status) throw faultForStatus(service, fault.status);

      const { key, region } = authenticate(deps.state, service, { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body }, new Date());
      record.accessKeyId = key.accessKeyId;
      if (service === 'sts') {
        reply = handleSts(deps.state, key, body, url.searchParams);
      } else {
        if (!match) throw new AwsFault(404, 'UnknownOperationException', `No operation at ${req.method ?? ''} ${url.pathname}`);
        const ctx: OpContext = {
          state: deps.state,
          events: deps.events,
          scope: { accountId: key.accountId, region },
          key,
          params: match.params,
          query: url.searchParams,
          headers: req.headers,
          body,
        };
        requireAllowed(key, `appconfig:${match.route.operation}`, match.route.resource(ctx));
        reply = await match.route.handle(ctx);
      }
    } catch (err) {
      const fault = err instanceof AwsFault ? err : new AwsFault(500, service === 'sts' ? 'InternalFailure' : 'InternalServerException', 'Internal error in the AWS double');
      reply = faultReply(service, fault);
    }
    if (fault?.holdAnswerMs) await deps.sleep(fault.holdAnswerMs);
    record.status = reply.status;
    if (!res.destroyed) writeReply(res, reply);
  };
}
