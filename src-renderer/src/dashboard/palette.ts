/**
 * The chart colours, read from theme.css's custom properties so the charts follow the light and
 * dark themes with everything else. SVG presentation attributes cannot use var(), hence the lookup;
 * it is redone when the system theme flips.
 */
import { useSyncExternalStore } from 'react';

const NAMES = ['calls', 'failures', 'timeouts', 'rejections', 'host', 'worker', 'ffmpeg', 'grid', 'muted'] as const;
export type Palette = Record<(typeof NAMES)[number], string>;

const DARK = '(prefers-color-scheme: dark)';
let cached: Palette | undefined;

function read(): Palette {
  const style = getComputedStyle(document.documentElement);
  return Object.fromEntries(NAMES.map((n) => [n, style.getPropertyValue(`--series-${n}`).trim() || 'currentColor'])) as Palette;
}

function subscribe(onChange: () => void): () => void {
  const query = window.matchMedia(DARK);
  const listener = () => {
    cached = undefined;
    onChange();
  };
  query.addEventListener('change', listener);
  return () => query.removeEventListener('change', listener);
}

export function usePalette(): Palette {
  return useSyncExternalStore(subscribe, () => (cached ??= read()));
}

/** Dash patterns per series: lines differ by more than colour. */
export const DASH: Record<string, string | undefined> = { calls: undefined, failures: '4 2', timeouts: '1 2', rejections: '6 2 1 2', host: undefined, worker: '4 2', ffmpeg: '1 2' };
