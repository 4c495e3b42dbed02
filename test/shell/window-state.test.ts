import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadWindowState, MIN_WINDOW_SIZE, restoreBounds, saveWindowState, serializeBounds } from '../../src-main/shell/window-state.ts';

const primary = { x: 0, y: 0, width: 1920, height: 1040 };
// A second monitor to the right, smaller.
const secondary = { x: 1920, y: 0, width: 1280, height: 984 };
const displays = [primary, secondary];
const defaults = { width: 1280, height: 800 };

describe('restoreBounds', () => {
  it('restores a saved window that is on a display', () => {
    expect(restoreBounds({ x: 100, y: 50, width: 1400, height: 900 }, displays, defaults)).toEqual({ x: 100, y: 50, width: 1400, height: 900 });
    expect(restoreBounds({ x: 2000, y: 20, width: 1000, height: 700 }, displays, defaults)).toEqual({ x: 2000, y: 20, width: 1000, height: 700 });
  });

  it('keeps the maximized flag', () => {
    expect(restoreBounds({ x: 0, y: 0, width: 1400, height: 900, maximized: true }, displays, defaults)).toMatchObject({ maximized: true });
  });

  it.each([undefined, null, 'garbage', 42, [], {}, { width: 'wide', height: 800 }, { width: -5, height: 800 }, { width: Number.NaN, height: 800 }, { width: 1e9, height: 800 }])(
    'falls back to the centered defaults for %j',
    (saved) => {
      expect(restoreBounds(saved, displays, defaults)).toEqual(defaults);
    },
  );

  it('grows a too-small window to the minimum size', () => {
    expect(restoreBounds({ x: 10, y: 10, width: 300, height: 200 }, displays, defaults)).toEqual({ x: 10, y: 10, ...MIN_WINDOW_SIZE });
  });

  it('shrinks a window larger than its display to the work area', () => {
    expect(restoreBounds({ x: 1920, y: 0, width: 2560, height: 1440 }, displays, defaults)).toEqual({ x: 1920, y: 0, width: 1280, height: 984 });
  });

  it('slides a window half off its display fully back onto it', () => {
    // Title bar above the top edge, right side past the edge of the primary (no display above).
    expect(restoreBounds({ x: 1500, y: -200, width: 1000, height: 700 }, [primary], defaults)).toEqual({ x: 920, y: 0, width: 1000, height: 700 });
  });

  it('chooses the display showing most of the window', () => {
    // Straddles both monitors, more of it on the secondary.
    expect(restoreBounds({ x: 1800, y: 100, width: 1000, height: 700 }, displays, defaults)).toEqual({ x: 1920, y: 100, width: 1000, height: 700 });
  });

  it('drops the position of a window whose monitor is gone, so it is centered on the primary', () => {
    expect(restoreBounds({ x: 2000, y: 20, width: 1000, height: 700 }, [primary], defaults)).toEqual({ width: 1000, height: 700 });
    expect(restoreBounds({ x: -5000, y: -5000, width: 1000, height: 700 }, displays, defaults)).toEqual({ width: 1000, height: 700 });
  });

  it('treats a window with only a sliver on screen as off-screen', () => {
    expect(restoreBounds({ x: 1900, y: 100, width: 1000, height: 700 }, [primary], defaults)).toEqual({ width: 1000, height: 700 });
  });

  it('fits a centered window to the primary work area', () => {
    expect(restoreBounds({ width: 3000, height: 2000 }, [{ x: 0, y: 0, width: 1366, height: 728 }], defaults)).toEqual({ width: 1366, height: 728 });
    expect(restoreBounds({ x: 5, width: 1000, height: 700 }, displays, defaults)).toEqual({ width: 1000, height: 700 });
  });

  it('uses the saved size alone when there are no displays to check against', () => {
    expect(restoreBounds({ x: 5, y: 5, width: 1000, height: 700 }, [], defaults)).toEqual({ width: 1000, height: 700 });
  });

  it('rounds fractional bounds (scaled displays report them)', () => {
    expect(restoreBounds({ x: 10.4, y: 20.6, width: 1000.5, height: 700.2 }, displays, defaults)).toEqual({ x: 10, y: 21, width: 1001, height: 700 });
  });
});

describe('serializeBounds and the state file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'storycore-window-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('round-trips through restoreBounds', () => {
    const saved = JSON.parse(serializeBounds({ x: 10, y: 20, width: 1000, height: 700, maximized: false })) as unknown;
    expect(saved).toEqual({ x: 10, y: 20, width: 1000, height: 700, maximized: false });
    expect(restoreBounds(saved, displays, defaults)).toEqual({ x: 10, y: 20, width: 1000, height: 700 });
  });

  it('saves atomically into a new folder, leaving no temporary file', () => {
    const file = join(dir, 'nested', 'window.json');
    expect(saveWindowState(file, { x: 1, y: 2, width: 1000, height: 700 })).toBe(true);
    expect(saveWindowState(file, { x: 3, y: 4, width: 1100, height: 750, maximized: true })).toBe(true);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ x: 3, y: 4, width: 1100, height: 750, maximized: true });
    expect(readdirSync(join(dir, 'nested'))).toEqual(['window.json']);
    expect(loadWindowState(file)).toEqual({ x: 3, y: 4, width: 1100, height: 750, maximized: true });
  });

  it('never throws on a missing, empty or corrupt file', () => {
    expect(loadWindowState(join(dir, 'missing.json'))).toBeUndefined();
    writeFileSync(join(dir, 'empty.json'), '');
    expect(loadWindowState(join(dir, 'empty.json'))).toBeUndefined();
    writeFileSync(join(dir, 'corrupt.json'), '{"x": 1, "wid');
    expect(restoreBounds(loadWindowState(join(dir, 'corrupt.json')), displays, defaults)).toEqual(defaults);
    // A folder where the file should be.
    expect(loadWindowState(dir)).toBeUndefined();
  });

  it('reports a failed save instead of throwing', () => {
    const blocker = join(dir, 'blocker');
    writeFileSync(blocker, 'a file, not a folder');
    expect(saveWindowState(join(blocker, 'window.json'), { x: 0, y: 0, width: 1000, height: 700 })).toBe(false);
    expect(saveWindowState(dir, { x: 0, y: 0, width: 1000, height: 700 })).toBe(false);
    expect(readdirSync(dir).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });
});
