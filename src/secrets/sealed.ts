/**
 * Secrets the app must keep (a Connect site's shared secret; Forge app tokens) are stored sealed:
 * AES-256-GCM under a key derived with HKDF-SHA256 from the operator key and a purpose label, so the
 * database alone (a copy, a backup, a read-only leak) cannot act as the app, and a value sealed for one
 * purpose or one row cannot be opened as another (the purpose and the row's key are authenticated data).
 *
 * Format: "sealed.v1." + base64url(iv[12] | tag[16] | ciphertext).
 */
import crypto from 'node:crypto';

const PREFIX = 'sealed.v1.';
const SALT = 'appconfig-flags-for-jira/sealed/v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** Purpose labels: one derived key each. */
export const SEAL_PURPOSE = {
  connectSharedSecret: 'connect-shared-secret',
  forgeAppToken: 'forge-app-token',
} as const;

/** A sealed value that does not open: another operator key, another row, or tampered bytes. */
export class SealedValueError extends Error {
  override readonly name = 'SealedValueError';
}

export class Sealer {
  private readonly key: Buffer;

  constructor(
    operatorKey: Buffer,
    readonly purpose: string,
  ) {
    if (operatorKey.length < 32) throw new Error('The operator key must be at least 32 bytes');
    this.key = Buffer.from(crypto.hkdfSync('sha256', operatorKey, SALT, `purpose:${purpose}`, 32));
  }

  static isSealed(value: unknown): value is string {
    return typeof value === 'string' && value.startsWith(PREFIX);
  }

  /** `boundTo` (e.g. the tenant key of the row) must be given again to open the value. */
  seal(plaintext: string, boundTo: string): string {
    const iv = crypto.randomBytes(IV_BYTES);
    const cipher = crypto.createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(this.aad(boundTo));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString('base64url');
  }

  open(sealed: string, boundTo: string): string {
    if (!Sealer.isSealed(sealed)) throw new SealedValueError(`A ${this.purpose} value is not sealed`);
    const bytes = Buffer.from(sealed.slice(PREFIX.length), 'base64url');
    if (bytes.length < IV_BYTES + TAG_BYTES) throw new SealedValueError(`A sealed ${this.purpose} value is truncated`);
    try {
      const decipher = crypto.createDecipheriv('aes-256-gcm', this.key, bytes.subarray(0, IV_BYTES));
      decipher.setAAD(this.aad(boundTo));
      decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      throw new SealedValueError(
        `A sealed ${this.purpose} value does not open: the operator key (APP_SECRET_KEY or DATA_DIR/app-secret.key) is not the one it was sealed with, or the value was altered`,
      );
    }
  }

  private aad(boundTo: string): Buffer {
    return Buffer.from(`${this.purpose}\0${boundTo}`, 'utf8');
  }
}
