/**
 * Forge's side of a Custom UI in headless Chromium, for the browser tests of the built Custom UIs:
 *   - serveCustomUi: serves a built folder as Forge's CDN does, under Forge's default
 *     Content-Security-Policy (no inline script or style; the page may reach no server itself);
 *   - BRIDGE_INIT_SCRIPT: defines `window.__bridge.callBridge` before the bundle loads, as the Forge
 *     host does, handing every bridge call to the test's exposed `__forgeHost(name, payload)`;
 *   - bridgeAnswer: an answer of the backend (through the Forge double) as invokeRemote receives it.
 */
import fs from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { RemoteAnswer } from '../doubles/forge/index.js';

export const CHROMIUM = '/usr/bin/chromium';
export const LAUNCH_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'];
export const chromiumMissing = (): string | null =>
  fs.existsSync(CHROMIUM) ? null : `The browser test needs Debian's Chromium at ${CHROMIUM}: install it with "apt-get install chromium" (CI does).`;

/** Forge's default policy for Custom UI: its own files only, no inline script or style. */
export const FORGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'none'",
  "frame-ancestors 'self'",
].join('; ');
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.woff': 'font/woff', '.ttf': 'font/ttf', '.eot': 'application/vnd.ms-fontobject', '.svg': 'image/svg+xml',
};

/** Serves the built Custom UI folder as Forge's CDN does, with Forge's default CSP. */
export async function serveCustomUi(dir: string): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const name = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname).replace(/^\/+/, '') || 'index.html';
    const file = path.resolve(dir, name);
    if (!file.startsWith(dir + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'Content-Security-Policy': FORGE_CSP });
    res.end(fs.readFileSync(file));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

/**
 * The host's part in the page, before any of the page's scripts: the bridge, and a record of CSP
 * violations (a string for addInitScript: the tests are type-checked without the DOM). The test
 * exposes `__forgeHost` with context.exposeFunction.
 */
export const BRIDGE_INIT_SCRIPT = `
  window.__bridge = { callBridge: (name, payload) => window.__forgeHost(name, payload) };
  window.__cspViolations = [];
  document.addEventListener('securitypolicyviolation', (e) => window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));
`;

/** What an invokeRemote call made through the bridge asks for. */
export interface InvokePayload {
  path: string;
  method: string;
  body?: unknown;
  invokeType: string;
}

/** The backend's answer as Forge hands it to invokeRemote: status, headers as lists, the JSON body. */
export function bridgeAnswer(answer: RemoteAnswer): { success: true; payload: { status: number; headers: Record<string, string[]>; body: unknown } } {
  const headers = Object.fromEntries(Object.entries(answer.headers).map(([header, value]) => [header, [value]]));
  return { success: true, payload: { status: answer.status, headers, body: answer.json } };
}
