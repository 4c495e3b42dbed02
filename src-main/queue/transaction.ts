/** Runs a function inside one SQLite transaction: all of its writes land, or none do. */
import type { DatabaseSync } from 'node:sqlite';

let depth = 0;

/**
 * A savepoint rather than BEGIN, so a transaction may call another (enqueue inside a larger host
 * operation, say) without "cannot start a transaction within a transaction"; outside any
 * transaction a savepoint behaves as BEGIN DEFERRED.
 */
export function transaction<T>(db: DatabaseSync, work: () => T): T {
  const name = `sp_${depth++}`;
  db.exec(`SAVEPOINT ${name}`);
  try {
    const result = work();
    db.exec(`RELEASE ${name}`);
    return result;
  } catch (error) {
    db.exec(`ROLLBACK TO ${name}`);
    db.exec(`RELEASE ${name}`);
    throw error;
  } finally {
    depth--;
  }
}
