/**
 * The shots a command names (enqueue, estimate), and their estimates as the host reckons them: the
 * studio's learned throughput, its circuits' limits as they are now, and its worker count. A shot
 * whose stage cannot fit its circuit is refused here, before anything is queued.
 */
import type { ParsedCommand, ShotEstimate } from '../../src-preload/contract.ts';
import type { CircuitManager } from '../breaker/index.ts';
import { estimateShot } from '../engine/chunks/shot-estimate.ts';
import type { ThroughputLearner } from '../engine/chunks/throughput-learner.ts';
import type { Project, Quality, Shot } from '../engine/model.ts';
import { loadProject } from '../engine/project-io.ts';
import { CommandError } from './command-reply.ts';

type ShotsCommand = Extract<ParsedCommand, { type: 'enqueue' | 'estimate' }>;

export interface ChosenShots {
  project: Project;
  /** Where keyframe images are resolved; null for an inline project. */
  baseDir: string | null;
  shots: { shot: Shot; quality: Quality }[];
}

/** The project the command names (the demo, a file on the host, or inline) and the shots it picks, each with the quality it renders at. */
export async function chosenShots(command: ShotsCommand, demoProjectPath: string): Promise<ChosenShots> {
  let project: Project;
  let baseDir: string | null = null;
  if (command.project) {
    project = command.project;
    const withImage = project.shots.findIndex((s) => s.keyframes.some((k) => 'image' in k));
    if (withImage >= 0) throw new CommandError('invalid', `project.shots[${withImage}].keyframes: an inline project can only use generated keyframes; enqueue image keyframes with projectPath`);
  } else {
    const loaded = await loadProject(command.demo ? demoProjectPath : command.projectPath!);
    project = loaded.project;
    baseDir = loaded.baseDir;
  }
  const picked = command.shotIds ? project.shots.filter((s) => command.shotIds!.includes(s.id)) : project.shots;
  const missing = (command.shotIds ?? []).filter((id) => !project.shots.some((s) => s.id === id));
  if (missing.length) throw new CommandError('not_found', `shotIds: no shot ${missing.map((m) => `"${m}"`).join(', ')} in project "${project.name}"`);
  return { project, baseDir, shots: picked.map((shot) => ({ shot, quality: command.quality ?? shot.quality ?? project.quality })) };
}

export interface EstimateParts {
  throughput: ThroughputLearner;
  circuits: CircuitManager;
  workers: number;
}

export function estimateOf(shot: Shot, quality: Quality, parts: EstimateParts): ShotEstimate {
  return estimateShot(shot, quality, {
    figure: (key) => parts.throughput.figure(key),
    circuits: (name) => parts.circuits.getBreaker(name).config,
    workers: parts.workers,
  });
}

/** The first refusal among the estimates as a command's answer: the shot, the stage, the estimate and the fixes. */
export function refusalError(estimates: readonly ShotEstimate[]): CommandError | undefined {
  const refused = estimates.find((e) => e.refusal);
  if (!refused?.refusal) return undefined;
  const others = estimates.filter((e) => e.refusal).length - 1;
  const more = others > 0 ? ` (${others} more shot(s) refused too; ask estimate for each)` : '';
  return new CommandError('invalid', `shot "${refused.shotId}": ${refused.refusal.message} Nothing was queued${more}.`);
}
