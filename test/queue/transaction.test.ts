import { DatabaseSync } from 'node:sqlite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { transaction } from '../../src-main/queue/transaction.ts';

let a: DatabaseSync;
let b: DatabaseSync;

const open = () => {
  const db = new DatabaseSync(':memory:');
  db.exec('CREATE TABLE t (v TEXT)');
  return db;
};
const put = (db: DatabaseSync, v: string) => db.prepare('INSERT INTO t (v) VALUES (?)').run(v);
const values = (db: DatabaseSync) => db.prepare('SELECT v FROM t ORDER BY rowid').all().map((row) => row.v);
const refuse = (db: DatabaseSync, v: string) => {
  try {
    transaction(db, () => {
      put(db, v);
      throw new Error('refused');
    });
  } catch {
    // The rollback is what is under test.
  }
};

beforeEach(() => {
  a = open();
  b = open();
});
afterEach(() => {
  a.close();
  b.close();
});

describe('transaction', () => {
  it('rolls back only the inner work that failed, and keeps the rest', () => {
    transaction(a, () => {
      put(a, 'outer');
      refuse(a, 'inner');
      put(a, 'after');
    });
    expect(values(a)).toEqual(['outer', 'after']);
    expect(a.isTransaction).toBe(false);
  });

  it('keeps two databases apart when their transactions nest inside each other', () => {
    transaction(a, () => {
      put(a, 'a1');
      transaction(b, () => {
        put(b, 'b1');
        transaction(a, () => put(a, 'a2'));
        refuse(a, 'a-refused');
        refuse(b, 'b-refused');
        put(b, 'b2');
      });
      expect(b.isTransaction).toBe(false);
      refuse(b, 'b-refused-alone');
      put(a, 'a3');
    });
    expect(values(a)).toEqual(['a1', 'a2', 'a3']);
    expect(values(b)).toEqual(['b1', 'b2']);
    expect([a.isTransaction, b.isTransaction]).toEqual([false, false]);
  });
});
