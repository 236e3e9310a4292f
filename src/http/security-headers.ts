import type { RequestHandler } from 'express';

/** Baseline headers on every answer; the Configure page sets its own CSP (it is framed by Jira). */
export const securityHeaders: RequestHandler = (_req, res, next) => {
  res.set('X-Content-Type-Options', 'nosniff');
  res.set('Referrer-Policy', 'no-referrer');
  res.set('Strict-Transport-Security', 'max-age=31536000');
  next();
};
