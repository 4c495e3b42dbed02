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
import { type AssetStore, isAssetImage } from './asset-store.ts';
import { CommandError } from './command-reply.ts';

type ShotsCommand = Extract<ParsedCommand, { type: 'enqueue' | 'estimate' }>;

export interface ChosenShots {
  project: Project;
  /** Where keyframe images are resolved; null for an inline project. */
  baseDir: string | null;
  shots: { shot: Shot; quality: Quality }[];
}

/** The project the command names (the demo, a file on the host, or inline) and the shots it picks, each with the quality it renders at. */
export async function chosenShots(command: ShotsCommand, demoProjectPath: string, assets: AssetStore): Promise<ChosenShots> {
  let project: Project;
  let baseDir: string | null = null;
  if (command.project) {
    // An inline project's pictures are the uploaded ones: each resolved to its stored file, and the
    // shot rendered from the assets folder, which is the only folder such a project can name.
    project = await withStoredPictures(command.project, assets);
    if (project.shots.some((s) => s.keyframes.some((k) => 'image' in k))) baseDir = assets.dir;
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

/**
 * The project with each "asset:<id>" keyframe rewritten to the stored picture's name in the assets
 * folder. A path (which would name a file on the host, not the page's disk) or an id the store does
 * not hold is refused, naming the keyframe and the fix.
 */
async function withStoredPictures(project: Project, assets: AssetStore): Promise<Project> {
  const shots = await Promise.all(
    project.shots.map(async (shot, s) => ({
      ...shot,
      keyframes: await Promise.all(
        shot.keyframes.map(async (keyframe, k) => {
          if (!('image' in keyframe)) return keyframe;
          const where = `project.shots[${s}].keyframes[${k}].image`;
          if (!isAssetImage(keyframe.image)) {
            throw new CommandError('invalid', `${where}: "${keyframe.image}" is a path, and a project sent to the studio cannot reach your disk; upload the picture and name it "asset:<id>" (the shot form does this), or enqueue with projectPath`);
          }
          const id = keyframe.image.slice('asset:'.length);
          const stored = await assets.find(id);
          if (!stored) throw new CommandError('invalid', `${where}: the studio holds no uploaded picture "${keyframe.image}"; upload the picture again`);
          return { image: stored.fileName };
        }),
      ),
    })),
  );
  return { ...project, shots };
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
