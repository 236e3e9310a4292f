/**
 * The last line of defence for "every request gets an answer": a handler whose error is lost (a
 * library that rejects a promise nobody awaits, a callback never called) would otherwise hold the
 * socket until the client gives up. After ANSWER_DEADLINE_MS the request is answered 503 and the
 * miss is logged as the bug it is. The deadline is far above the slowest legitimate request (saving
 * an association: AWS calls, Jira calls and a bounded backfill wait).
 */
import type { RequestHandler } from 'express';
import type { Logger } from '../log.js';
import { ApiError } from './errors.js';

export const ANSWER_DEADLINE_MS = 120_000;

export function answerDeadline(log: Logger, ms = ANSWER_DEADLINE_MS): RequestHandler {
  return (req, res, next) => {
    const timer = setTimeout(() => {
      if (res.headersSent || res.writableEnded) return;
      log.error({ method: req.method, path: req.path, deadlineMs: ms }, 'request not answered in time; answering 503');
      res
        .status(503)
        .set('Retry-After', '5')
        .json(new ApiError(503, 'not_answered', 'The app did not finish this request in time; please try again.').toBody());
    }, ms);
    timer.unref();
    res.once('close', () => clearTimeout(timer));
    res.once('finish', () => clearTimeout(timer));
    next();
  };
}
