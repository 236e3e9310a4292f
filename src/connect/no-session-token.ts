/**
 * ACE's authenticate() (the Configure page, the issue panel, enabled/disabled) answers with a fresh
 * 15-minute session token in `X-acpt`. Nothing of this app accepts one (the API takes only Jira's JWTs),
 * so handing it out would only put a live credential into responses and proxies' logs: it is dropped.
 */
import type { RequestHandler } from 'express';

export const dropSessionTokens: RequestHandler = (_req, res, next) => {
  const setHeader = res.setHeader.bind(res);
  res.setHeader = ((name: string, value: number | string | readonly string[]) =>
    name.toLowerCase() === 'x-acpt' ? res : setHeader(name, value)) as typeof res.setHeader;
  next();
};
