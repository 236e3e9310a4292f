/**
 * Structured JSON logs. Redaction is by path, so a secret cannot reach a log line through the usual
 * carriers (headers, request bodies, tenant records, SDK errors) even when a caller logs a whole object.
 */
import pino, { type Logger } from 'pino';

export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["x-appconfig-signature"]',
  'req.headers.cookie',
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
      serializers: { err: pino.stdSerializers.err },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}

export type { Logger };
