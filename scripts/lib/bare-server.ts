/**
 * The benchmark's yardsticks, each run as its own process like the app: a bare route that reads the
 * raw body (at most 5 MiB, as the events route) and answers 202 with a small JSON body, minus everything
 * the events route is for (signature, schema, database).
 *   --kind express (default): an Express app with express.raw, as the app reads the body.
 *   --kind node: node:http alone, the body read into one Buffer.
 * Prints {"url"} once it listens on 127.0.0.1.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';

const LIMIT = 5 * 1024 * 1024;
const ANSWER = JSON.stringify({ status: 'accepted' });
const kind = process.argv.includes('--kind') ? process.argv[process.argv.indexOf('--kind') + 1] : 'express';

function nodeHandler(req: http.IncomingMessage, res: http.ServerResponse): void {
  if (req.method !== 'POST' || req.url !== '/events') {
    res.writeHead(404).end();
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  req.on('data', (c: Buffer) => {
    size += c.length;
    if (size <= LIMIT) chunks.push(c);
  });
  req.on('end', () => {
    if (size > LIMIT) {
      res.writeHead(413).end();
      return;
    }
    Buffer.concat(chunks, size);
    res.writeHead(202, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(ANSWER) }).end(ANSWER);
  });
}

function expressApp(): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.post('/events', express.raw({ type: () => true, limit: LIMIT }), (_req, res) => {
    res.status(202).json({ status: 'accepted' });
  });
  return app;
}

if (kind !== 'express' && kind !== 'node') throw new Error(`--kind express|node, not ${kind}`);
const server = http.createServer(kind === 'node' ? nodeHandler : expressApp());
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(JSON.stringify({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, kind }) + '\n');
});
const stop = () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
