/**
 * Desktop notifications when a circuit opens, on a FAKE of the electron module (fake-electron.ts),
 * not Electron. Like Electron (electron#16922), the fake holds a Notification only weakly, so a
 * notification the shell does not keep is garbage-collected with its click handler.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MAX_KEPT_NOTIFICATIONS } from '../../src-main/electron/notifications.ts';
import { type Harness, onlyWindow, startFakeDesktop } from './desktop-harness.ts';
import { app, FakeNotification } from './fake-electron.ts';
import { collectGarbage } from './gc.ts';

vi.mock('electron', () => import('./fake-electron.ts'));

let h: Harness;
beforeEach(async () => {
  h = await startFakeDesktop();
});
afterEach(() => h.remove());

const open = (circuit: string) => h.studio.circuitEvents.emit('state_change', { circuit, from: 'closed', to: 'open', reason: '2 failures in a row' });

describe('circuit notifications (fake electron, not Electron)', () => {
  it('keeps a notification alive until it is clicked; the click brings the window forward on that circuit', async () => {
    const window = onlyWindow();
    window.minimized = true;
    open('video_export');
    expect(FakeNotification.shown).toBe(1);
    await collectGarbage();
    const note = FakeNotification.made[0]?.deref();
    expect(note, 'the notification was garbage-collected before anyone clicked it, and its click handler with it').toBeDefined();
    expect(note!.options).toEqual({ title: 'Circuit video_export opened', body: '2 failures in a row' });
    note!.emit('click');
    expect(window.actions.slice(-2)).toEqual(['restore', 'focus']);
    expect(window.webContents.sent).toEqual([['studio:focus-circuit', 'video_export']]);
  });

  it('lets a notification go once it is clicked or closed', async () => {
    open('video_export');
    open('video_interpolation');
    FakeNotification.made[0]?.deref()?.emit('click');
    FakeNotification.made[1]?.deref()?.close();
    await collectGarbage();
    expect(FakeNotification.made.map((ref) => ref.deref())).toEqual([undefined, undefined]);
  });

  it('keeps a bounded number: past it the oldest are dismissed and let go', () => {
    for (let i = 0; i < MAX_KEPT_NOTIFICATIONS + 8; i++) open(`circuit_${i}`);
    const notes = FakeNotification.made.map((ref) => ref.deref());
    expect(notes.slice(0, 8).map((n) => n?.dismissed)).toEqual(Array(8).fill(true));
    expect(notes.slice(8).some((n) => n?.dismissed)).toBe(false);
  });

  it('notifies only when a circuit opens, and only where the OS supports notifications', () => {
    h.studio.circuitEvents.emit('state_change', { circuit: 'video_export', from: 'open', to: 'half_open', reason: 'recovery time passed' });
    expect(FakeNotification.shown).toBe(0);
    FakeNotification.supported = false;
    open('video_export');
    expect(FakeNotification.shown).toBe(0);
  });

  it('a click after the window is gone does nothing', () => {
    open('video_export');
    onlyWindow().destroy();
    expect(() => FakeNotification.made[0]?.deref()?.emit('click')).not.toThrow();
  });
});
