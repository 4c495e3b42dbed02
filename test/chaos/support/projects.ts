/** Inline projects for the chaos scenarios: generated keyframes, sizes chosen per scenario. */
import type { ProjectInput } from '../../../src-main/engine/model.ts';

export interface ShotSize {
  duration: number;
  fps: number;
  width: number;
  height: number;
  method?: 'optical_flow' | 'blend' | 'crossfade' | 'duplicate';
  format?: 'mp4' | 'webm' | 'mov' | 'png_sequence';
  keyframes?: number;
}

export function shot(id: string, size: ShotSize) {
  const generators = ['testsrc2', 'mandelbrot', 'gradients', 'life'] as const;
  return {
    id,
    duration: size.duration,
    fps: size.fps,
    resolution: { width: size.width, height: size.height },
    keyframes: Array.from({ length: size.keyframes ?? 1 }, (_, i) => ({ generator: generators[i % generators.length]! })),
    interpolation: { method: size.method ?? 'blend', sourceFps: Math.min(12, size.fps), transitionDuration: 0.25 },
    export: { format: size.format ?? 'mp4' },
  };
}

export function project(name: string, shots: ReturnType<typeof shot>[]): ProjectInput {
  return { version: 1, name, quality: 'draft', shots };
}

/** Frames the export of a shot must hold. */
export function expectedFrames(s: ReturnType<typeof shot>): number {
  return Math.round(s.duration * s.fps);
}
