/**
 * The one error the queue throws for a request it refuses. Its code is a subset of the contract's
 * CommandErrorCode, so the host can answer a command with it as is; the message names the job and
 * says what would have been allowed.
 */
import type { CommandErrorCode } from '../../src-preload/contract.ts';

export type QueueErrorCode = Extract<CommandErrorCode, 'not_found' | 'conflict' | 'invalid'>;

export class QueueError extends Error {
  readonly code: QueueErrorCode;
  readonly jobId: string | null;

  constructor(code: QueueErrorCode, message: string, jobId: string | null = null) {
    super(message);
    this.name = 'QueueError';
    this.code = code;
    this.jobId = jobId;
  }
}
