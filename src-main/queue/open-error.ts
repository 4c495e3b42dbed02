/**
 * Why the studio's database could not be opened. Every message names the file, says what is wrong
 * and what to do, and promises what is true: opening never changes a file it refuses.
 */
export type DatabaseOpenProblem =
  /** Not a SQLite database, or a damaged one (random bytes, a truncated copy, a failed check). */
  | 'corrupt'
  /** Another process holds the database: most likely another StoryCore host on the same folder. */
  | 'locked'
  /** Written by a newer StoryCore whose schema this build does not know. */
  | 'newer_schema'
  /** A SQLite database of some other program. */
  | 'foreign'
  /** A migration of this build failed; it was rolled back. */
  | 'migration_failed'
  /** The file or its folder cannot be created, read or written. */
  | 'unopenable';

export class DatabaseOpenError extends Error {
  readonly file: string;
  readonly problem: DatabaseOpenProblem;

  constructor(file: string, problem: DatabaseOpenProblem, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DatabaseOpenError';
    this.file = file;
    this.problem = problem;
  }
}
