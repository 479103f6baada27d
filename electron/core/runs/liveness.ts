// Whether a run marked running or paused in the database is still held by a live process, and the
// recovery of those that are not: they become interrupted (resumable), their in-flight items pending.
import { datasetInUse, deleteDataset, finishDataset, staleImports, storedRowCount, type DatasetRecord } from '../store/datasets.ts';
import type { Db } from '../store/db.ts';
import { resetRunning } from '../store/items.ts';
import { getRun, releaseRun, runsWithStatus, type RunRecord } from '../store/runs.ts';
import { ownerAlive, processOwner } from '../process-owner.ts';
import { readStoppedNote } from './import-and-run.ts';

/** A run whose owner has not beaten for this long is not held, whatever its pid says: the owner is stuck, or the pid is another process's now. */
export const STALE_HEARTBEAT_MS = 30_000;

/**
 * Whether another process (or another service in this one) holds the run now: its owner is not known
 * dead (gone, a zombie, a pid started at another time) and has beaten within STALE_HEARTBEAT_MS.
 */
export function heldElsewhere(r: RunRecord, now = Date.now()): boolean {
  if (ownerAlive(r.owner) === false) return false;
  return r.heartbeatAt !== null && now - r.heartbeatAt < STALE_HEARTBEAT_MS;
}

export interface RecoveryScope {
  /** Runs this service runs now. */
  isActive(runId: number): boolean;
  /** Datasets this service imports now. */
  isImporting(datasetId: number): boolean;
}

/** Runs left running or paused by a process that is gone become interrupted; returns their ids. Stale imports are deleted, or kept as read if a run uses them. */
export function recoverInterrupted(db: Db, scope: RecoveryScope): string[] {
  const recovered: string[] = [];
  for (const r of runsWithStatus(db, ['running', 'paused'])) {
    if (scope.isActive(r.id) || heldElsewhere(r)) continue;
    db.transaction(() => {
      const now = getRun(db, r.id);
      if (!now || (now.status !== 'running' && now.status !== 'paused') || now.owner !== r.owner) return;
      resetRunning(db, r.id);
      releaseRun(db, r.id, 'interrupted', 'the process running it stopped before it finished; resume to continue', 0, now.heartbeatAt ?? Date.now());
      recovered.push(String(r.id));
    }).immediate();
  }
  for (const d of staleImports(db)) {
    if (ownerAlive(d.owner) === false || (d.owner === processOwner() && !scope.isImporting(d.id))) {
      // A run that started while the file was read holds its rows: they stay, with a note, as a stop leaves them.
      if (datasetInUse(db, d.id)) keepReadRows(db, d);
      else deleteDataset(db, d.id);
    }
  }
  return recovered;
}

function keepReadRows(db: Db, d: DatasetRecord): void {
  db.transaction(() => {
    const rows = storedRowCount(db, d.id);
    finishDataset(db, d.id, rows, [...d.notes, readStoppedNote(d.name, rows, 'the process reading it ended')]);
  }).immediate();
}
