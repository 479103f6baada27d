import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DatabaseVersionError, latestVersion, migrate, openDatabase, schemaVersion } from './db.ts';
import { MIGRATIONS, type Migration } from './migrations/index.ts';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rr-db-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('openDatabase', () => {
  it('creates the file with WAL, foreign keys and the latest schema version', () => {
    const file = path.join(dir, 'nested', 'rowrunner.db');
    const db = openDatabase(file);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('synchronous', { simple: true })).toBe(1); // NORMAL
    expect(Number(db.pragma('busy_timeout', { simple: true }))).toBeGreaterThan(0);
    expect(schemaVersion(db)).toBe(latestVersion());
    db.close();
    // Opening again applies nothing and keeps the version.
    const again = openDatabase(file);
    expect(schemaVersion(again)).toBe(latestVersion());
    again.close();
  });

  it('refuses a database from a newer version, naming both versions, and leaves it untouched', () => {
    const file = path.join(dir, 'future.db');
    const raw = new Database(file);
    raw.pragma(`user_version = ${latestVersion() + 5}`);
    raw.exec('CREATE TABLE future_only (x)');
    raw.close();
    let error: unknown;
    try {
      openDatabase(file);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(DatabaseVersionError);
    const message = (error as Error).message;
    expect(message).toContain(`database version ${latestVersion() + 5}`);
    expect(message).toContain(`up to version ${latestVersion()}`);
    expect(message).toContain(file);
    const check = new Database(file);
    expect(check.pragma('user_version', { simple: true })).toBe(latestVersion() + 5);
    check.close();
  });
});

describe('migrate', () => {
  const steps: Migration[] = [
    { version: 1, name: 'a', up: (db) => db.exec('CREATE TABLE a (x)') },
    { version: 2, name: 'b', up: (db) => db.exec('CREATE TABLE b (x)') },
    { version: 3, name: 'c', up: (db) => db.exec('CREATE TABLE c (x)') },
  ];

  it('applies only the pending migrations, in order', () => {
    const db = new Database(path.join(dir, 'm.db'));
    expect(migrate(db, steps.slice(0, 1))).toEqual([1]);
    expect(migrate(db, steps)).toEqual([2, 3]);
    expect(migrate(db, steps)).toEqual([]);
    expect(schemaVersion(db)).toBe(3);
    db.close();
  });

  it('applies every pending migration in one transaction: a failure leaves the old version and schema', () => {
    const db = new Database(path.join(dir, 'm.db'));
    migrate(db, steps.slice(0, 1));
    const broken: Migration[] = [...steps.slice(0, 2), { version: 3, name: 'boom', up: () => { throw new Error('boom'); } }];
    expect(() => migrate(db, broken)).toThrow('boom');
    expect(schemaVersion(db)).toBe(1);
    const tables = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).pluck().all();
    expect(tables).toContain('a');
    expect(tables).not.toContain('b'); // migration 2 ran, then rolled back with 3
    db.close();
  });

  it('rejects a list out of order', () => {
    const db = new Database(':memory:');
    expect(() => migrate(db, [steps[1], steps[0]])).toThrow(/out of order/);
    db.close();
  });

  it('the real list is ordered and ends at latestVersion', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
  });
});
