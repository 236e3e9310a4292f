/**
 * Path parameters checked at the door, before authentication, parsers or SQL see them: an association
 * id is a lower-case UUID, and anything else (a NUL, 5 KB of text, a stray percent sign) is simply an
 * association that does not exist.
 */
import type { RequestHandler } from 'express';
import { notFound } from './errors.js';

export const ASSOCIATION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Mounted at `/api/associations/:id`: covers that route and every route below it. */
export const checkAssociationId: RequestHandler = (req, _res, next) => {
  next(ASSOCIATION_ID.test(req.params.id ?? '') ? undefined : notFound('association_not_found', 'No such association.'));
};
