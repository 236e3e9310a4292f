import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { loadOperatorKey, SigningSecrets } from '../../../src/secrets/signing-secrets.js';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'signing-'));

describe('event signing secrets', () => {
  it('derives a stable secret per association, different across associations and operator keys', () => {
    const a = new SigningSecrets(Buffer.alloc(32, 1));
    const b = new SigningSecrets(Buffer.alloc(32, 2));
    expect(a.forAssociation('x')).toBe(a.forAssociation('x'));
    expect(a.forAssociation('x')).not.toBe(a.forAssociation('y'));
    expect(a.forAssociation('x')).not.toBe(b.forAssociation('x'));
    expect(a.forAssociation('x')).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('refuses a short operator key', () => {
    expect(() => new SigningSecrets(Buffer.alloc(16))).toThrow(/32 bytes/);
    expect(() => loadOperatorKey({ appSecretKey: 'short', dataDir: tmp() })).toThrow(/at least 32/);
  });

  it('creates the embedded key file once, private to the owner, and reuses it', () => {
    const dir = tmp();
    const first = loadOperatorKey({ dataDir: dir });
    const second = loadOperatorKey({ dataDir: dir });
    expect(first.equals(second)).toBe(true);
    const stat = fs.statSync(path.join(dir, 'app-secret.key'));
    expect(stat.mode & 0o077).toBe(0);
  });

  it('a damaged key file (emptied by a crash, truncated) is refused naming the file, never taken as a key', () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'app-secret.key'), '', { mode: 0o600 });
    expect(() => loadOperatorKey({ dataDir: dir })).toThrow(`The operator key file ${path.join(dir, 'app-secret.key')} is damaged (0 characters`);
    fs.writeFileSync(path.join(dir, 'app-secret.key'), 'abc123');
    expect(() => loadOperatorKey({ dataDir: dir })).toThrow(/is damaged \(6 characters, at least 32 expected\): restore it from a backup/);
  });

  it('every start on one data folder reads the one key written whole, and leaves no draft file behind', () => {
    const dir = tmp();
    const keys = Array.from({ length: 5 }, () => loadOperatorKey({ dataDir: dir }).toString('hex'));
    expect(new Set(keys).size).toBe(1);
    expect(fs.readdirSync(dir)).toEqual(['app-secret.key']);
  });

  it('on a file system without hard links the key file is still created once, whole, and no draft is left', () => {
    const dir = tmp();
    const noLinks = vi.spyOn(fs, 'linkSync').mockImplementation(() => {
      throw Object.assign(new Error('operation not permitted'), { code: 'EPERM' });
    });
    try {
      const first = loadOperatorKey({ dataDir: dir });
      expect(first.length).toBe(64);
      expect(loadOperatorKey({ dataDir: dir }).equals(first)).toBe(true);
      expect(fs.readdirSync(dir)).toEqual(['app-secret.key']);
      expect(noLinks).toHaveBeenCalled();
    } finally {
      noLinks.mockRestore();
    }
  });

  it('requires APP_SECRET_KEY with PostgreSQL, where processes must share it', () => {
    expect(() => loadOperatorKey({ dataDir: tmp(), databaseUrl: 'postgres://x' })).toThrow(/APP_SECRET_KEY is required/);
    const key = loadOperatorKey({ dataDir: tmp(), databaseUrl: 'postgres://x', appSecretKey: 'k'.repeat(40) });
    expect(key.toString()).toBe('k'.repeat(40));
  });
});
