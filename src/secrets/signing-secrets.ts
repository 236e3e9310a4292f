/**
 * Per-association event signing secrets, derived rather than stored:
 * secret = HMAC-SHA256(operator key, "appconfig-events/v1/" + association id).
 *
 * The database holds no secret that could sign events, and an event for an association that has been
 * removed (or whose site uninstalled) still proves it was issued by us, so it can get 410 with no
 * tombstone of the site kept.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ensurePrivateDir, restrictExisting } from './file-modes.js';

/** Derived secrets kept in memory: intake needs one per delivery. Bounded, as any id can be asked for. */
const REMEMBERED = 10_000;

export class SigningSecrets {
  private readonly remembered = new Map<string, string>();

  constructor(private readonly operatorKey: Buffer) {
    if (operatorKey.length < 32) throw new Error('The operator signing key must be at least 32 bytes');
  }

  forAssociation(associationId: string): string {
    let secret = this.remembered.get(associationId);
    if (secret === undefined) {
      secret = crypto.createHmac('sha256', this.operatorKey).update(`appconfig-events/v1/${associationId}`).digest('base64url');
      if (this.remembered.size >= REMEMBERED) this.remembered.delete(this.remembered.keys().next().value!);
      this.remembered.set(associationId, secret);
    }
    return secret;
  }
}

const KEY_FILE = 'app-secret.key';

function createExclusive(file: string, key: string): void {
  try {
    fs.writeFileSync(file, key, { flag: 'wx', mode: 0o600 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    restrictExisting([file]);
  }
}

/**
 * APP_SECRET_KEY when set (required with PostgreSQL, where several processes must share it); otherwise a
 * random key kept in the data folder, beside but not inside the SQLite file, created on first start.
 */
export function loadOperatorKey(opts: { appSecretKey?: string; dataDir: string; databaseUrl?: string }): Buffer {
  if (opts.appSecretKey) {
    const key = Buffer.from(opts.appSecretKey, 'utf8');
    if (key.length < 32) throw new Error('APP_SECRET_KEY must be at least 32 characters (e.g. `openssl rand -hex 32`)');
    return key;
  }
  if (opts.databaseUrl) {
    throw new Error(
      'APP_SECRET_KEY is required with DATABASE_URL: every app process must derive the same event signing secrets. ' +
        'Generate one with `openssl rand -hex 32` and keep it outside the database.',
    );
  }
  const file = path.join(opts.dataDir, KEY_FILE);
  ensurePrivateDir(opts.dataDir);
  // Written whole under another name, then linked into place (which fails when the file exists): a
  // crash, or a second process starting at once, never leaves or reads a half-written key.
  const draft = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}`;
  const fresh = crypto.randomBytes(32).toString('hex');
  fs.writeFileSync(draft, fresh, { flag: 'wx', mode: 0o600 });
  try {
    fs.linkSync(draft, file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') restrictExisting([file]);
    // A file system without hard links: created exclusively and written in one call instead.
    else if (code === 'EPERM' || code === 'ENOTSUP' || code === 'ENOSYS') createExclusive(file, fresh);
    else throw err;
  } finally {
    fs.rmSync(draft, { force: true });
  }
  const key = fs.readFileSync(file, 'utf8').trim();
  if (key.length < 32) {
    throw new Error(
      `The operator key file ${file} is damaged (${key.length} characters, at least 32 expected): restore it from a backup. ` +
        'Deleting it makes a new key: every Connect site must then reinstall the app, and every association be saved again.',
    );
  }
  return Buffer.from(key, 'utf8');
}
