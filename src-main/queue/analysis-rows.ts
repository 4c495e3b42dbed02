/** What the analysis queries answer with (analysis-queries.ts): plain types, so the window's contract can name them. */

export interface OpensByDay {
  /** YYYY-MM-DD, UTC. */
  day: string;
  circuit: string;
  opens: number;
  forcedOpens: number;
}

export interface StageAttemptsByDay {
  day: string;
  stage: string;
  attempts: number;
  failed: number;
  /** Failed attempts the circuit timed out (the breaker's timeout error). */
  timeouts: number;
  /** Attempts that ended ok but slower than expected × the circuit's slowCallFactor. */
  slow: number;
}

export interface FailureCause {
  stage: string;
  /** The error text with its figures replaced by '#', so "after 1500 ms" and "after 4000 ms" are one cause. */
  cause: string;
  count: number;
  /** Epoch ms of the newest job that failed so. */
  lastAt: number;
}

export interface AnalysisRows {
  opens: OpensByDay[];
  stages: StageAttemptsByDay[];
  causes: FailureCause[];
  /** Epoch ms of the oldest stored transition: the history keeps its newest rows only, so days before it are not known. */
  historySince: number | null;
  jobsScanned: number;
  /** True when more finished jobs fell in the span than were read. */
  jobsCapped: boolean;
}
