import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The stand-in for Atlassian's Connect install-keys CDN: GET /<kid> answers the PEM public key of a known kid,
 * 404 otherwise. ACE reads `CONNECT_KEYS_CDN_URL` on every install, and there is one such variable per process,
 * so ONE server serves the keys of every Jira double in the process. Doubles acquire it and release it;
 * it stops (and the variable is cleared) when the last one lets go.
 */
const keys = new Map<string, string>();
/** Every path asked for, in order (tests check what an app fetched, or that it fetched nothing). */
const asked: string[] = [];

export function keyServerRequests(): readonly string[] {
  return asked;
}
let server: Server | undefined;
let url: string | undefined;
let starting: Promise<string> | undefined;
let holders = 0;

export function registerConnectKey(kid: string, publicPem: string): void {
  keys.set(kid, publicPem);
}

export function unregisterConnectKey(kid: string): void {
  keys.delete(kid);
}

/** Starts the shared key server if needed, points CONNECT_KEYS_CDN_URL at it, and returns its URL. */
export async function acquireConnectKeyServer(): Promise<string> {
  holders++;
  if (url) {
    process.env.CONNECT_KEYS_CDN_URL = url;
    return url;
  }
  starting ??= start();
  return starting;
}

async function start(): Promise<string> {
  const s = createServer((req, res) => {
    asked.push(req.url ?? '');
    const kid = decodeURIComponent((req.url ?? '/').split('?')[0]?.replace(/^\/+/, '') ?? '');
    const pem = req.method === 'GET' ? keys.get(kid) : undefined;
    if (!pem) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not Found');
      return;
    }
    res.writeHead(200, { 'Content-Type': 'text/plain' }).end(pem);
  });
  await new Promise<void>((resolve, reject) => {
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => resolve());
  });
  s.unref();
  server = s;
  url = `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
  process.env.CONNECT_KEYS_CDN_URL = url;
  return url;
}

export async function releaseConnectKeyServer(): Promise<void> {
  holders = Math.max(0, holders - 1);
  if (holders > 0 || !server) return;
  const s = server;
  if (process.env.CONNECT_KEYS_CDN_URL === url) delete process.env.CONNECT_KEYS_CDN_URL;
  server = undefined;
  url = undefined;
  starting = undefined;
  s.closeAllConnections();
  await new Promise<void>((resolve) => s.close(() => resolve()));
}
