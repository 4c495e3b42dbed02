/** Runs a function inside one SQLite transaction: all of its writes land, or none do. */
import type { DatabaseSync } from 'node:sqlite';

/** How many of each connection's savepoints are open: savepoints belong to a connection, so their count does too. */
const openSavepoints = new WeakMap<DatabaseSync, number>();

/**
 * A savepoint rather than BEGIN, so a transaction may call another (enqueue inside a larger host
 * operation, say) without "cannot start a transaction within a transaction"; outside any
 * transaction a savepoint behaves as BEGIN DEFERRED. Each savepoint is named by its depth on its
 * connection, so a rollback or release always names the one this call opened.
 */
export function transaction<T>(db: DatabaseSync, work: () => T): T {
  const depth = openSavepoints.get(db) ?? 0;
  const name = `sp_${depth}`;
  db.exec(`SAVEPOINT ${name}`);
  openSavepoints.set(db, depth + 1);
  try {
    const result = work();
    db.exec(`RELEASE ${name}`);
    return result;
  } catch (error) {
    db.exec(`ROLLBACK TO ${name}`);
    db.exec(`RELEASE ${name}`);
    throw error;
  } finally {
    openSavepoints.set(db, depth);
  }
}
