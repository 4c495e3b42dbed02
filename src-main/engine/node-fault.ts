/**
 * A chunk that failed on one render node of a farm, for a fault of that node (its ffmpeg failed,
 * its output did not verify, its worker crashed or stalled). The node's own circuit counted it; the
 * coordinator's does not, unless the stage's circuit is open on a quorum of the fleet's nodes: one
 * bad node is taken out of rotation (its circuit, the blocklist), it must not open the fleet's circuit.
 * Still a StageError: the engine retries it (elsewhere) and traces it as any failed attempt.
 */
import { type FfmpegRunLog, StageError, type StageErrorCode, type StageLabel } from './tasks.ts';

export class NodeFaultError extends StageError {
  readonly node: string;
  constructor(node: string, code: StageErrorCode, stage: StageLabel, message: string, ffmpegLog?: FfmpegRunLog[]) {
    super(code, stage, message, ffmpegLog);
    this.name = 'NodeFaultError';
    this.node = node;
  }
}
