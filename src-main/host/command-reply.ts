/**
 * The edges of a command: checking what came in (any door may send anything) and turning what went
 * wrong into the answer the caller reads, with the field to fix where there is one.
 */
import { type CommandFailure, COMMAND_TYPES, CommandSchema, type ParsedCommand } from '../../src-preload/contract.ts';
import { InvalidConfigError } from '../breaker/index.ts';
import { ProjectError, describeIssues } from '../engine/model.ts';
import { QueueError } from '../queue/render-queue.ts';

/** An error a command answers with, instead of a crash. */
export class CommandError extends Error {
  readonly code: 'invalid' | 'not_found' | 'conflict';
  constructor(code: 'invalid' | 'not_found' | 'conflict', message: string) {
    super(message);
    this.code = code;
  }
}

export function parseCommand(raw: unknown): { ok: true; command: ParsedCommand } | { ok: false; error: CommandFailure } {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, error: { code: 'invalid', message: `a command is a JSON object with a type, one of: ${COMMAND_TYPES.join(', ')}` } };
  }
  const parsed = CommandSchema.safeParse(raw);
  if (parsed.success) return { ok: true, command: parsed.data };
  const issue = parsed.error.issues[0];
  // An unknown key is the field to fix, even though zod reports it at its parent's path.
  const path = issue?.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]] : (issue?.path ?? []);
  const field = path.join('.') || undefined;
  return { ok: false, error: { code: 'invalid', message: describeIssues(parsed.error, 'command').join('; '), ...(field ? { field } : {}) } };
}

/** The answer for an error a command threw: its own code when it has one; anything else is a bug, `internal`. */
export function failureOf(error: unknown): CommandFailure {
  if (error instanceof CommandError || error instanceof QueueError) return { code: error.code, message: error.message };
  if (error instanceof ProjectError || error instanceof InvalidConfigError) return { code: 'invalid', message: error.message };
  return { code: 'internal', message: error instanceof Error ? error.message : String(error) };
}
