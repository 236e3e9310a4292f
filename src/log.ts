/**
 * Structured JSON logs. Redaction is by path, so a secret cannot reach a log line through the usual
 * carriers (headers, request bodies, tenant records, SDK errors) even when a caller logs a whole object.
 */
import pino, { type Logger } from 'pino';
import { boundForLog, truncateString } from './log-bounds.js';

export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["x-appconfig-signature"]',
  'req.headers.cookie',
  'req.headers["x-forge-oauth-system"]',
  'req.headers["x-forge-oauth-user"]',
  'headers["x-forge-oauth-system"]',
  'headers["x-forge-oauth-user"]',
  'headers.authorization',
  'headers["x-appconfig-signature"]',
  '*.authorization',
  '*.Authorization',
  '*.secretAccessKey',
  '*.sessionToken',
  '*.SecretAccessKey',
  '*.SessionToken',
  '*.sharedSecret',
  '*.SigningSecret',
  '*.signingSecret',
  '*.appSecretKey',
  '*.jwt',
  '*.token',
  'secretAccessKey',
  'sessionToken',
  'sharedSecret',
  'SigningSecret',
  'Parameters.SigningSecret',
  '*.Parameters.SigningSecret',
  'credentials',
  '*.credentials',
];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { app: 'appconfig-flags-for-jira' },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      // Every argument of a log call is cut to LOG_LIMITS before pino sees it (Errors become data there).
      hooks: {
        logMethod(args, method) {
          const bounded = args.map((a) => (typeof a === 'string' ? truncateString(a) : boundForLog(a)));
          const first = args[0];
          // log.error(err) logs { err } with the error's message, as pino does for an Error.
          if (first instanceof Error) bounded[0] = { err: bounded[0] };
          method.apply(this, bounded as Parameters<typeof method>);
        },
      },
      serializers: { err: (err: unknown) => boundForLog(err) },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}

export type { Logger };
