/**
 * A JSON answer written with node:http alone, for the route that answers ahead of Express (the events
 * door, src/intake/route.ts): the same status, Content-Type and body Express's res.json would send.
 */
import type { ServerResponse } from 'node:http';

export function sendJson(res: ServerResponse, status: number, body: unknown, headers?: Record<string, string>): void {
  const text = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(text));
  if (headers) for (const name in headers) res.setHeader(name, headers[name]!);
  res.end(text);
}
