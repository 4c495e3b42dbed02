/**
 * The window comes back where the user left it, unless that place no longer exists (a monitor was
 * unplugged, the resolution shrank) or the saved file is garbage: then it comes back whole and
 * visible on the primary display. Reading and writing never throw: losing a window position must
 * never stop the studio from opening or quitting.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}
export interface WindowBounds {
  x?: number;
  y?: number;
  width: number;
  height: number;
  maximized?: boolean;
}

/** Below this the dashboard's panels stop fitting; the shell passes it as minWidth/minHeight too. */
export const MIN_WINDOW_SIZE = { width: 900, height: 600 } as const;
/** With less of it on a display than this, a window's title bar cannot be grabbed to move it back. */
const MIN_VISIBLE = 64;

const SavedSchema = z.object({
  x: z.number().optional(),
  y: z.number().optional(),
  width: z.number().positive().max(100_000),
  height: z.number().positive().max(100_000),
  maximized: z.boolean().optional(),
});

const clamp = (value: number, min: number, max: number) => Math.min(Math.max(value, min), max);

/** At least the minimum size, at most the display's work area (a window bigger than its screen is worse). */
function fit(width: number, height: number, area: Rect | undefined): { width: number; height: number } {
  const w = Math.max(Math.round(width), MIN_WINDOW_SIZE.width);
  const h = Math.max(Math.round(height), MIN_WINDOW_SIZE.height);
  return area ? { width: Math.min(w, area.width), height: Math.min(h, area.height) } : { width: w, height: h };
}

/** The display showing the largest part of `rect`, if it shows enough of it to be reachable. */
function homeDisplay(rect: Rect, displays: Rect[]): Rect | undefined {
  let best: Rect | undefined;
  let bestArea = 0;
  for (const display of displays) {
    const w = Math.min(rect.x + rect.width, display.x + display.width) - Math.max(rect.x, display.x);
    const h = Math.min(rect.y + rect.height, display.y + display.height) - Math.max(rect.y, display.y);
    if (w >= MIN_VISIBLE && h >= MIN_VISIBLE && w * h > bestArea) {
      best = display;
      bestArea = w * h;
    }
  }
  return best;
}

/**
 * The bounds to open the window with. `displays` are work areas, the primary first (the shell
 * passes `screen.getPrimaryDisplay().workArea`, then the others). Without x/y the window is
 * centered, which the shell asks for with `center: true`.
 */
export function restoreBounds(saved: unknown, displays: Rect[], defaults: { width: number; height: number }): WindowBounds {
  const usable = displays.filter((d) => d.width > 0 && d.height > 0);
  const parsed = SavedSchema.safeParse(saved);
  const state = parsed.success ? parsed.data : defaults;
  const maximized = parsed.success && parsed.data.maximized === true ? { maximized: true } : {};
  // A position needs both coordinates; half of one is as good as none.
  const { x, y } = parsed.success ? parsed.data : {};
  const position = x !== undefined && y !== undefined ? { x: Math.round(x), y: Math.round(y) } : null;
  const home = position && homeDisplay({ ...position, width: state.width, height: state.height }, usable);
  if (!position || !home) return { ...fit(state.width, state.height, usable[0]), ...maximized };
  const size = fit(state.width, state.height, home);
  // Slide it fully onto its display: a title bar above the top edge could not be grabbed.
  return {
    x: clamp(position.x, home.x, home.x + home.width - size.width),
    y: clamp(position.y, home.y, home.y + home.height - size.height),
    ...size,
    ...maximized,
  };
}

/** What to save: the shell passes `getNormalBounds()` (the size to return to) and `isMaximized()`. */
export function serializeBounds(bounds: Rect & { maximized?: boolean }): string {
  const { x, y, width, height } = bounds;
  return `${JSON.stringify({ x: Math.round(x), y: Math.round(y), width: Math.round(width), height: Math.round(height), maximized: bounds.maximized === true })}\n`;
}

/** The saved state as parsed JSON, or undefined when the file is missing or unreadable (restoreBounds validates it). */
export function loadWindowState(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as unknown;
  } catch {
    return undefined;
  }
}

/** Writes a temporary file and renames it over the old one, so a crash mid-write leaves the old state. */
export function saveWindowState(file: string, bounds: Rect & { maximized?: boolean }): boolean {
  const temp = `${file}.${process.pid}-${Date.now()}.tmp`;
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(temp, serializeBounds(bounds));
    renameSync(temp, file);
    return true;
  } catch {
    try {
      rmSync(temp, { force: true });
    } catch {
      // Nothing more to do: a stray temp file is harmless.
    }
    return false;
  }
}
