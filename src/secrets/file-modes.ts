/**
 * The data folder holds the SQLite database (sealed secrets, tenant data) and, without APP_SECRET_KEY,
 * the operator key itself: only the app's user may read it. Folder 0700, files 0600, whatever the umask.
 */
import fs from 'node:fs';

export function ensurePrivateDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  try {
    fs.chmodSync(dir, 0o700);
  } catch (err) {
    // A folder the app does not own (mounted by the operator) keeps the modes the operator gave it.
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') throw err;
  }
}

/** Creates the file empty if absent; either way leaves it 0600. */
export function ensurePrivateFile(file: string): void {
  fs.closeSync(fs.openSync(file, 'a', 0o600));
  fs.chmodSync(file, 0o600);
}

/** 0600 for those of `files` that exist (SQLite's -wal and -shm appear once the database is opened). */
export function restrictExisting(files: string[]): void {
  for (const file of files) {
    try {
      fs.chmodSync(file, 0o600);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
}
