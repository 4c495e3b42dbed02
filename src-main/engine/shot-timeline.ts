/**
 * A shot's timeline: the camera move resolved to concrete positions, and the keyframe segments
 * with their share of the shot and of the move. Pure arithmetic, shared by the pipeline, the
 * sidecar and tests. (Not the dashboard's timeline, which draws circuit states over time.)
 */
import type { Easing, Movement, Position, Shot } from './model.ts';

export interface CameraPath {
  from: Position;
  to: Position;
  easing: Easing;
}

/** Default moves about the centre; a shot's own from/to override them. */
const PRESETS: Record<Movement, { from: Position; to: Position }> = {
  static: { from: { x: 0, y: 0, zoom: 1 }, to: { x: 0, y: 0, zoom: 1 } },
  pan: { from: { x: -1, y: 0, zoom: 1.4 }, to: { x: 1, y: 0, zoom: 1.4 } },
  tilt: { from: { x: 0, y: -1, zoom: 1.4 }, to: { x: 0, y: 1, zoom: 1.4 } },
  zoom: { from: { x: 0, y: 0, zoom: 1 }, to: { x: 0, y: 0, zoom: 1.8 } },
  dolly: { from: { x: 0, y: 0.2, zoom: 1.1 }, to: { x: 0, y: -0.1, zoom: 2.4 } },
  ken_burns: { from: { x: -0.6, y: -0.4, zoom: 1.15 }, to: { x: 0.6, y: 0.4, zoom: 1.6 } },
};

export function cameraPath(shot: Shot): CameraPath {
  const preset = PRESETS[shot.camera.movement];
  return { from: shot.camera.from ?? preset.from, to: shot.camera.to ?? preset.to, easing: shot.camera.easing };
}

export interface Segment {
  index: number;
  /** Seconds into the shot where this segment starts (transitions overlap neighbours). */
  start: number;
  duration: number;
  /** Frames at the interpolation's source fps. */
  frames: number;
  /** The part of the camera move this segment covers, as progress 0..1 over the whole shot. */
  t0: number;
  t1: number;
}

export interface ShotTimeline {
  shotId: string;
  duration: number;
  fps: number;
  sourceFps: number;
  totalFrames: number;
  transition: Shot['interpolation']['transition'];
  /** Seconds each transition overlaps; 0 for cuts. */
  overlap: number;
  camera: CameraPath;
  segments: Segment[];
}

export function buildShotTimeline(shot: Shot): ShotTimeline {
  const { sourceFps, transition, transitionDuration } = shot.interpolation;
  const n = shot.keyframes.length;
  const overlap = n > 1 && transition !== 'cut' ? transitionDuration : 0;
  // Overlapping transitions eat time, so segments are lengthened to keep the shot's duration.
  const segmentDuration = (shot.duration + (n - 1) * overlap) / n;
  const segments: Segment[] = shot.keyframes.map((_, index) => {
    const start = index * (segmentDuration - overlap);
    return {
      index,
      start,
      duration: segmentDuration,
      frames: Math.max(2, Math.ceil(segmentDuration * sourceFps)),
      t0: start / shot.duration,
      t1: Math.min(1, (start + segmentDuration) / shot.duration),
    };
  });
  return {
    shotId: shot.id,
    duration: shot.duration,
    fps: shot.fps,
    sourceFps,
    totalFrames: Math.round(shot.duration * shot.fps),
    transition,
    overlap,
    camera: cameraPath(shot),
    segments,
  };
}
