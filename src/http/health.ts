import { Router } from 'express';
import type { Db } from '../db/database.js';
import { asyncHandler } from './async.js';

/** For the load balancer: 200 when the database answers, else 503. No tenant data. */
export function healthRouter(db: Db): Router {
  const router = Router();
  router.get(
    '/healthz',
    asyncHandler(async (_req, res) => {
      const ok = await db.ping();
      res.status(ok ? 200 : 503).json({ status: ok ? 'ok' : 'database unavailable' });
    }),
  );
  return router;
}
