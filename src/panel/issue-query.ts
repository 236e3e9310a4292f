/** The issue a panel request names in its query (issueId and/or issueKey), checked before any lookup. */
import type { Request } from 'express';
import { badRequest } from '../http/errors.js';

const ISSUE_ID = /^\d{1,18}$/;
const ISSUE_KEY = /^[A-Z][A-Z0-9_]{0,254}-\d{1,18}$/;

export function panelIssueFrom(req: Request): { id?: string; key?: string } {
  const id = typeof req.query.issueId === 'string' ? req.query.issueId : undefined;
  const key = typeof req.query.issueKey === 'string' ? req.query.issueKey : undefined;
  if (id !== undefined && !ISSUE_ID.test(id)) throw badRequest('invalid_issue', 'issueId must be a Jira issue id (digits).', 'issueId');
  if (key !== undefined && !ISSUE_KEY.test(key)) throw badRequest('invalid_issue', 'issueKey must be a Jira issue key such as ABC-123.', 'issueKey');
  if (id === undefined && key === undefined) throw badRequest('invalid_issue', 'Name the issue with issueId or issueKey.', 'issueId');
  return { id, key };
}
