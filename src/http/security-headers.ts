import type { OutgoingMessage } from 'node:http';
import type { RequestHandler } from 'express';

/** Baseline headers on every answer; the Configure page sets its own CSP (it is framed by Jira). */
export function setSecurityHeaders(res: OutgoingMessage): void {
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('Strict-Transport-Security', 'max-age=31536000');
}

export const securityHeaders: RequestHandler = (_req, res, next) => {
  setSecurityHeaders(res);
  next();
};
