/**
 * A farm node's fault does not count against the coordinator's circuits (the node's own circuit
 * counted it), yet it is still a StageError the engine retries; the same failure as a plain
 * StageError (a quorum of nodes failing) counts.
 */
import { describe, expect, it } from 'vitest';
import { countsAgainstCircuit, createEngineCircuits } from '../../src-main/engine/circuits.ts';
import { NodeFaultError } from '../../src-main/engine/node-fault.ts';
import { StageError } from '../../src-main/engine/tasks.ts';

describe('a node fault', () => {
  it('is retryable but not counted by the coordinator\'s circuits', async () => {
    const fault = new NodeFaultError('broken', 'ffmpeg_failed', 'interpolation', 'No such filter: minterpolate');
    expect(fault).toBeInstanceOf(StageError);
    expect(fault.retryable).toBe(true);
    expect(fault.node).toBe('broken');
    expect(countsAgainstCircuit(fault)).toBe(false);
    expect(countsAgainstCircuit(new StageError('ffmpeg_failed', 'interpolation', 'everywhere'))).toBe(true);

    const circuit = createEngineCircuits().getBreaker('video_export');
    for (let i = 0; i < 5; i++) await circuit.execute(() => Promise.reject(new NodeFaultError('broken', 'ffmpeg_failed', 'export', 'x'))).catch(() => undefined);
    expect(circuit.state).toBe('closed');
    expect(circuit.stats().stats.ignored_errors).toBe(5);
    for (let i = 0; i < 2; i++) await circuit.execute(() => Promise.reject(new StageError('ffmpeg_failed', 'export', 'x'))).catch(() => undefined);
    expect(circuit.state).toBe('open');
  });
});
