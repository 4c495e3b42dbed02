/** What bench/render-long.ts prints: wall times and their ratio, ours stage by stage, core use, outputs, SSIM. */
import type { EngineEvent } from '../src-main/engine/events.ts';
import type { ProbeResult } from '../src-main/engine/ffprobe.ts';
import { STAGES } from '../src-main/engine/tasks.ts';
import type { PipelineTrace } from '../src-main/engine/trace.ts';
import { type CoreSampler, type CoreUse, describeCoreUse } from './core-use.ts';
import { fmt, median, pad } from './render-common.ts';

/** The goal of issue "Bounded work" for the long shot, once its stages are chunked. */
export const RATIO_TARGET = 0.75;

export type Attempt = PipelineTrace['attempts'][number];

export interface PlainRun {
  ms: number;
  output: string;
  error: string | undefined;
  cores: CoreUse | null;
  /** CPU seconds of the run's own processes (null without /proc). */
  cpuS: number | null;
  /** 1-minute load average as the run started and as it ended. */
  load: [number, number];
}

export interface OursRun {
  ms: number;
  output: string | undefined;
  error: string | undefined;
  attempts: Attempt[];
  /** The sidecar's trace for a done shot; the engine's events when the shot failed and wrote none. */
  attemptsFrom: 'trace' | 'events';
  /** Circuit of each timeout, in order. */
  timeouts: string[];
  retries: Extract<EngineEvent, { type: 'retry' }>[];
  degradations: Extract<EngineEvent, { type: 'degradation' }>[];
  interpolationUsed: string;
  /** Kept whole, so that each stage's window can be read from it. */
  cores: CoreSampler;
  cpuS: number | null;
  load: [number, number];
}

export interface Round {
  plain: PlainRun;
  ours: OursRun;
  /** plain's, then ours'. */
  outputs: [Output, Output];
  /** Per-frame SSIM of ours against plain; empty when either is missing. */
  ssim: number[];
}

type Output = (ProbeResult & { bytes: number; sha256: string }) | { error: string } | undefined;

export interface Expected {
  frames: number;
  width: number;
  height: number;
  verbose: boolean;
}

const firstLine = (text: string, max = 140) => {
  const line = text.split('\n')[0] ?? '';
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
};
const yesNo = (ok: boolean) => (ok ? 'yes' : 'NO');
const tally = (names: string[]) => [...new Set(names)].map((n) => `${n} ${names.filter((m) => m === n).length}`).join(', ');

function describeOutput(label: string, out: Output): string {
  if (!out) return `${label}: none (the render failed)`;
  if ('error' in out) return `${label}: ffprobe failed: ${firstLine(out.error)}`;
  return `${label}: ${out.codec} ${out.width}x${out.height}, ${fmt(out.fps, 2)} fps, ${out.frames} frames, ${fmt(out.duration, 3)} s, ${fmt(out.bytes / 1e6, 1)} MB`;
}

function stages(ours: OursRun): void {
  console.log(`  Ours stage by stage (from the pipeline ${ours.attemptsFrom === 'trace' ? 'trace in the sidecar' : "events: the shot failed, so it wrote no sidecar"}):`);
  console.log(`  ${'stage'.padEnd(17)} ${pad('wall ms', 9)} ${pad('work ms', 9)} ${pad('attempts', 8)} ${pad('failed', 6)}  cores during the stage`);
  let inStages = 0;
  for (const stage of STAGES) {
    const mine = ours.attempts.filter((a) => a.stage === stage);
    if (mine.length === 0) {
      console.log(`  ${stage.padEnd(17)} ${pad('–', 9)}  (not reached)`);
      continue;
    }
    const from = Math.min(...mine.map((a) => a.startedAt));
    const to = Math.max(...mine.map((a) => a.startedAt + a.elapsedMs));
    inStages += to - from;
    const work = mine.reduce((sum, a) => sum + a.elapsedMs, 0);
    const failed = mine.filter((a) => a.outcome === 'failed').length;
    console.log(`  ${stage.padEnd(17)} ${pad(fmt(to - from), 9)} ${pad(fmt(work), 9)} ${pad(String(mine.length), 8)} ${pad(String(failed), 6)}  ${describeCoreUse(ours.cores.summary(from, to))}`);
  }
  // Leasing, circuits, loading the project, starting and stopping the pool, backoff before a first stage.
  console.log(`  ${'outside stages'.padEnd(17)} ${pad(fmt(ours.ms - inStages), 9)}`);
  console.log('  Attempts (circuit #attempt detail: elapsed, outcome):');
  for (const a of ours.attempts) {
    console.log(`    ${a.stage} ${a.circuit} #${a.attempt} ${a.detail ?? ''}: ${fmt(a.elapsedMs)} ms, ${a.outcome}${a.error ? `: ${firstLine(a.error)}` : ''}`);
  }
}

function faults(ours: OursRun): void {
  console.log(`  Timeouts: ${ours.timeouts.length}${ours.timeouts.length ? ` (${tally(ours.timeouts)})` : ''}`);
  console.log(`  Retries: ${ours.retries.length}`);
  for (const r of ours.retries) console.log(`    ${r.stage} attempt ${r.attempt} after ${fmt(r.delayMs)} ms: ${firstLine(r.reason)}`);
  console.log(`  Degradations: ${ours.degradations.length}`);
  for (const d of ours.degradations) console.log(`    ${d.kind} ${d.from} → ${d.to}: ${firstLine(d.reason)}`);
  console.log(`  Optical flow kept: ${ours.interpolationUsed === 'optical_flow' ? 'yes' : `no (${ours.interpolationUsed} was used)`}`);
}

function ssimLine(ssim: number[], outputs: Round['outputs']): string {
  if (ssim.length === 0) return 'n/a (an output is missing)';
  const [a, b] = outputs;
  const same = a && b && 'sha256' in a && 'sha256' in b && a.sha256 === b.sha256 ? '; the two files are byte-identical' : '';
  const mean = ssim.reduce((a, b) => a + b, 0) / ssim.length;
  return `mean ${mean.toFixed(4)}, min ${Math.min(...ssim).toFixed(4)} (frame ${ssim.indexOf(Math.min(...ssim))}) over ${ssim.length} frames${same}`;
}

export function report(rounds: Round[], expected: Expected): void {
  console.log('\nWall times');
  console.log(`${'round'.padEnd(6)} ${pad('plain ms', 9)} ${pad('ours ms', 9)} ${pad('ours÷plain', 10)}`);
  const ratios: number[] = [];
  rounds.forEach(({ plain, ours }, i) => {
    const valid = !plain.error && !ours.error;
    if (valid) ratios.push(ours.ms / plain.ms);
    console.log(`${String(i + 1).padEnd(6)} ${pad(fmt(plain.ms), 9)} ${pad(fmt(ours.ms), 9)} ${pad(valid ? `${fmt(ours.ms / plain.ms, 3)}×` : 'n/a', 10)}${plain.error ? '  plain FAILED' : ''}${ours.error ? '  ours FAILED' : ''}`);
  });
  const ratio = ratios.length ? median(ratios) : NaN;
  if (rounds.length > 1) console.log(`${'median'.padEnd(6)} ${pad(fmt(median(rounds.map((r) => r.plain.ms))), 9)} ${pad(fmt(median(rounds.map((r) => r.ours.ms))), 9)} ${pad(Number.isNaN(ratio) ? 'n/a' : `${fmt(ratio, 3)}×`, 10)}`);
  const met = ratio <= RATIO_TARGET;
  console.log(`Target: ours ≤ ${RATIO_TARGET}× plain. Met: ${Number.isNaN(ratio) ? 'n/a (a run failed)' : `${yesNo(met)} (${fmt(ratio, 3)}×)`}`);

  rounds.forEach(({ plain, ours, outputs, ssim }, i) => {
    console.log(`\nRound ${i + 1}`);
    if (plain.error) console.log(`  Plain failed: ${firstLine(plain.error, 400)}`);
    if (ours.error) console.log(`  Ours failed: ${firstLine(ours.error, 400)}`);
    stages(ours);
    faults(ours);
    console.log("  Cores during each run: the run's own processes (CPU time ÷ wall), then the whole machine (other programs included):");
    const cpu = (run: { cpuS: number | null; ms: number }) => (run.cpuS === null ? 'n/a' : `${fmt(run.cpuS, 1)} s, ${fmt(run.cpuS / (run.ms / 1000), 2)} cores`);
    console.log(`    plain: CPU ${cpu(plain)}; sampled ${describeCoreUse(plain.cores)}; load average ${fmt(plain.load[0], 2)} → ${fmt(plain.load[1], 2)}`);
    console.log(`    ours:  CPU ${cpu(ours)}; sampled ${describeCoreUse(ours.cores.summary())}; load average ${fmt(ours.load[0], 2)} → ${fmt(ours.load[1], 2)}`);
    console.log(`  Outputs (expected ${expected.frames} frames at ${expected.width}x${expected.height}):`);
    console.log(`    ${describeOutput('plain', outputs[0])}`);
    console.log(`    ${describeOutput('ours ', outputs[1])}`);
    console.log(`  SSIM of ours against plain: ${ssimLine(ssim, outputs)}`);
    if (expected.verbose) {
      for (const a of ours.attempts) for (const log of a.ffmpegLog ?? []) console.log(`  log ${a.stage} #${a.attempt} ${log.step}:\n${log.lines.map((l) => `    ${l}`).join('\n')}`);
    }
  });

  // The issue's first acceptance point, as far as a bench can see it.
  const last = rounds.at(-1)!;
  const out = last.outputs[1];
  const rightOutput = out !== undefined && !('error' in out) && out.frames === expected.frames && out.width === expected.width && out.height === expected.height;
  const lastRatio = last.ours.ms / last.plain.ms;
  console.log(
    `\nAcceptance (last round): 0 timeouts ${yesNo(last.ours.timeouts.length === 0)}, 0 retries ${yesNo(last.ours.retries.length === 0)}, ` +
      `0 degradations ${yesNo(last.ours.degradations.length === 0)}, optical flow kept ${yesNo(last.ours.interpolationUsed === 'optical_flow')}, ` +
      `${expected.frames} frames at ${expected.width}x${expected.height} ${yesNo(rightOutput)}, ours ≤ plain ${yesNo(!last.ours.error && !last.plain.error && lastRatio <= 1)}.`,
  );
}
