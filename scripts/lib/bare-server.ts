/**
 * The benchmark's yardstick: a bare Express route that reads the raw body and answers 202 with a small
 * JSON body, as the events route does, minus everything the events route is for (signature, schema,
 * database). Run as its own process, like the app: prints {"url"} once it listens on 127.0.0.1.
 */
import type { AddressInfo } from 'node:net';
import express from 'express';

const app = express();
app.disable('x-powered-by');
app.post('/events', express.raw({ type: () => true, limit: 5 * 1024 * 1024 }), (_req, res) => {
  res.status(202).json({ status: 'accepted' });
});
const server = app.listen(0, '127.0.0.1', () => {
  process.stdout.write(JSON.stringify({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }) + '\n');
});
const stop = () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
