/**
 * The last line of defence for "every request gets an answer": a handler whose error is lost (a
 * library that rejects a promise nobody awaits, a callback never called) would otherwise hold the
 * socket until the client gives up. After ANSWER_DEADLINE_MS the request is answered 503 and the
 * miss is logged as the bug it is. The deadline is far above the slowest legitimate request (saving
 * an association: AWS calls, Jira calls and a bounded backfill wait).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import type { Logger } from '../log.js';
import { ApiError } from './errors.js';
import { sendJson } from './send-json.js';

export const ANSWER_DEADLINE_MS = 120_000;

/** Arms the deadline for one request (`path` for the log line); disarmed when the answer finishes or the socket closes. */
export function watchAnswer(log: Logger, req: IncomingMessage, res: ServerResponse, path: string, ms = ANSWER_DEADLINE_MS): void {
  const timer = setTimeout(() => {
    if (res.headersSent || res.writableEnded) return;
    log.error({ method: req.method, path, deadlineMs: ms }, 'request not answered in time; answering 503');
    sendJson(res, 503, new ApiError(503, 'not_answered', 'The app did not finish this request in time; please try again.').toBody(), { 'Retry-After': '5' });
  }, ms);
  timer.unref();
  const disarm = () => clearTimeout(timer);
  res.once('close', disarm);
  res.once('finish', disarm);
}

export function answerDeadline(log: Logger, ms = ANSWER_DEADLINE_MS): RequestHandler {
  return (req, res, next) => {
    watchAnswer(log, req, res, req.path, ms);
    next();
  };
}
