/**
 * Transparency laid over the shot's background. A picture with alpha fed straight into the frame
 * chain (scale, crop, zoompan, yuv420p) loses its alpha channel and shows whatever colour values
 * the transparent pixels happen to hold: stray bands where the artist meant nothing. Composited
 * first, transparent areas come out as the background colour (black unless the shot sets one).
 *
 * To be called by frame.ts for image keyframes: the fragment goes first in the chain, before the
 * cover scale (keyframeSource's `decor` for an image), with the shot's `background`.
 */
import { assertSafeFilterValue } from '../ffmpeg-spec.ts';

export const DEFAULT_BACKGROUND = '#000000';

/**
 * One input, one output, so it drops into a comma-joined chain: the picture is split, one copy made
 * opaque and filled with the background colour, and the picture overlaid on it by its own alpha.
 * Opaque pictures pass unchanged (overlaying an opaque picture covers the fill exactly).
 */
export function alphaCompositeFilter(background: string = DEFAULT_BACKGROUND, label = 'alpha'): string {
  if (!/^#[0-9a-fA-F]{6}$/.test(background)) throw new Error(`background must be a hex colour like #000000, got ${JSON.stringify(background)}`);
  if (!/^[a-z][a-z0-9_]{0,15}$/.test(label)) throw new Error(`label must be a short lower-case name, got ${JSON.stringify(label)}`);
  const colour = assertSafeFilterValue(`0x${background.slice(1)}`, 'background');
  const [fg, bg, base] = [`${label}_fg`, `${label}_bg`, `${label}_base`];
  return `format=rgba,split[${fg}][${bg}];[${bg}]format=rgb24,drawbox=x=0:y=0:w=iw:h=ih:color=${colour}:t=fill[${base}];[${base}][${fg}]overlay=format=auto,format=rgb24`;
}
