/**
 * What each quality level means to ffmpeg: one small table, so that "draft is fast, final is
 * good" is decided here and nowhere else. Every value is an enum or a number: these strings go
 * straight into ffmpeg arguments and filter graphs.
 */
import type { Quality } from './model.ts';

export interface QualityPreset {
  /** mp4 exports: libx264 speed preset and constant rate factor (lower crf = better). */
  x264: { preset: 'ultrafast' | 'veryfast' | 'medium' | 'slow'; crf: number };
  /** webm exports: libvpx-vp9 in constant-quality mode; realtime + cpu-used 8 is its fastest. */
  vp9: { crf: number; deadline: 'realtime' | 'good'; cpuUsed: number };
  /** mov exports: prores_ks profile. */
  prores: 'proxy' | 'lt' | 'standard' | 'hq';
  /**
   * zoompan crops at whole-pixel positions, so slow camera moves jitter; rendering the move on a
   * picture this many times larger and scaling down hides it, at a cost in time.
   */
  supersample: 1 | 2;
  /** Scaler for covering the frame and supersampling. */
  scaleFlags: 'bilinear' | 'bicubic' | 'lanczos';
  /**
   * minterpolate's motion compensation for optical flow. obmc without variable-size blocks is the
   * quick setting; aobmc (adaptive overlapped blocks) with vsbmc=1 is visibly cleaner and slower.
   */
  minterpolate: { mcMode: 'obmc' | 'aobmc'; meMode: 'bidir' | 'bilat'; vsbmc: 0 | 1 };
}

/** minterpolate settings, from quick to visibly cleaner (see QualityPreset.minterpolate). */
const QUICK_MOTION = { mcMode: 'obmc', meMode: 'bidir', vsbmc: 0 } as const;
const CLEAN_MOTION = { mcMode: 'aobmc', meMode: 'bidir', vsbmc: 0 } as const;
const CLEANEST_MOTION = { mcMode: 'aobmc', meMode: 'bidir', vsbmc: 1 } as const;

// One row per quality, so the table reads down its columns.
export const QUALITY_PRESETS: Record<Quality, QualityPreset> = {
  draft: { x264: { preset: 'ultrafast', crf: 28 }, vp9: { crf: 40, deadline: 'realtime', cpuUsed: 8 }, prores: 'proxy', supersample: 1, scaleFlags: 'bilinear', minterpolate: QUICK_MOTION },
  preview: { x264: { preset: 'veryfast', crf: 24 }, vp9: { crf: 36, deadline: 'realtime', cpuUsed: 8 }, prores: 'lt', supersample: 1, scaleFlags: 'bicubic', minterpolate: QUICK_MOTION },
  standard: { x264: { preset: 'medium', crf: 20 }, vp9: { crf: 32, deadline: 'good', cpuUsed: 4 }, prores: 'standard', supersample: 2, scaleFlags: 'bicubic', minterpolate: CLEAN_MOTION },
  final: { x264: { preset: 'slow', crf: 17 }, vp9: { crf: 28, deadline: 'good', cpuUsed: 2 }, prores: 'hq', supersample: 2, scaleFlags: 'lanczos', minterpolate: CLEANEST_MOTION },
};

/**
 * Intermediates (segments, the interpolated shot) are lossless x264 in mkv at every quality:
 * ultrafast + qp 0 is the quickest lossless encoder every ffmpeg build has, and a lossless
 * intermediate is what lets the export's SSIM/PSNR measure the export encode alone.
 */
export const INTERMEDIATE_EXT = '.mkv';
export const INTERMEDIATE_ARGS: readonly string[] = ['-c:v', 'libx264', '-preset', 'ultrafast', '-qp', '0', '-pix_fmt', 'yuv420p'];

/** minterpolate's option string (without fps) for a motion-compensated or blended retime. */
export function minterpolateOptions(quality: Quality, mode: 'mci' | 'blend'): string {
  if (mode === 'blend') return 'mi_mode=blend';
  const m = QUALITY_PRESETS[quality].minterpolate;
  return `mi_mode=mci:mc_mode=${m.mcMode}:me_mode=${m.meMode}:vsbmc=${m.vsbmc}`;
}
