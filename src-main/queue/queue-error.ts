/**
 * The one error the queue throws for a request it refuses. Its codes are among the contract's
 * CommandErrorCode (which is built from them), so the host can answer a command with it as is; the
 * message names the job and says what would have been allowed.
 */

export type QueueErrorCode = 'not_found' | 'conflict' | 'invalid';

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
