/**
 * The answer deadline, the last line of defence: a route that loses its error (a promise rejected where
 * nobody awaits it) still gets its caller an answer (503, our JSON error, Retry-After), the miss is
 * logged, and a handler that answers in time is left alone.
 */
import { Writable } from 'node:stream';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { answerDeadline } from '../../src/http/answer-deadline.js';
import { errorHandler } from '../../src/http/error-handler.js';
import { createHttpServer } from '../../src/http/server-limits.js';
import { createLogger } from '../../src/log.js';

let logText = '';
const log = createLogger('info', new Writable({ write: (c, _e, cb) => ((logText += c.toString()), cb()) }));
const server = createHttpServer();
let url = '';

beforeAll(async () => {
  const app = express();
  app.use(answerDeadline(log, 300));
  app.get('/lost', (_req, _res, _next) => {
    // The bug class this guards against: an error thrown where nobody passes it on.
    void Promise.reject(new Error('lost')).catch(() => undefined);
  });
  app.get('/late', (_req, res, next) => {
    setTimeout(() => {
      try {
        res.json({ late: true });
      } catch (err) {
        next(err);
      }
    }, 500);
  });
  app.get('/fast', (_req, res) => void res.json({ ok: true }));
  app.use(errorHandler(log));
  server.on('request', app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))));

it('a request nobody answers gets 503 with Retry-After and a JSON error once the deadline passes, and is logged', async () => {
  const res = await fetch(`${url}/lost`, { signal: AbortSignal.timeout(5000) });
  expect(res.status).toBe(503);
  expect(res.headers.get('retry-after')).toBe('5');
  expect(await res.json()).toEqual({ error: { code: 'not_answered', message: expect.stringContaining('try again') } });
  expect(logText).toContain('request not answered in time');
  expect(logText).toContain('"/lost"');
});

it('a handler that answers after the deadline does not crash the process; the caller got the 503', async () => {
  const res = await fetch(`${url}/late`, { signal: AbortSignal.timeout(5000) });
  expect(res.status).toBe(503);
  await new Promise((r) => setTimeout(r, 400));
  expect(logText).toContain('error after the answer was sent');
  expect((await fetch(`${url}/fast`)).status).toBe(200);
});

it('a prompt answer is untouched', async () => {
  const before = logText.length;
  const res = await fetch(`${url}/fast`);
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual({ ok: true });
  await new Promise((r) => setTimeout(r, 400));
  expect(logText.slice(before)).not.toContain('not answered');
});
