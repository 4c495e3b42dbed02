/**
 * The desktop shell started on the fake electron module (fake-electron.ts: not Electron) with a
 * fake host, in a temp user-data folder. The test file must itself call
 * `vi.mock('electron', () => import('./fake-electron.ts'))`, since vitest hoists mocks per file.
 */
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BundlePaths } from '../../src-main/electron/bundle-paths.ts';
import { type DesktopStudio, startDesktop } from '../../src-main/electron/desktop.ts';
import type { CircuitStats, CommandReply, EventBatch, JobStatus } from '../../src-preload/contract.ts';
import { FakeStudio } from '../transport/fake-studio.ts';
import { app, FakeBrowserWindow, resetFakeElectron } from './fake-electron.ts';

/** A host that answers like the transport tests' FakeStudio, with circuits to emit from and a close to control. */
export class FakeDesktopStudio implements DesktopStudio {
  readonly port = new FakeStudio();
  readonly circuitEvents = new EventEmitter();
  readonly circuits = {
    on: (event: 'state_change', listener: (change: { circuit: string; to: string; reason: string }) => void) => this.circuitEvents.on(event, listener),
  };
  closeCalls = 0;
  /** What close() does; resolves at once unless a test replaces it. */
  closing: () => Promise<void> = () => Promise.resolve();

  execute(command: unknown, actor: string): Promise<CommandReply> {
    return this.port.execute(command, actor);
  }

  subscribe(listener: (batch: EventBatch) => void, options?: { isBackedUp?: () => boolean }): () => void {
    return this.port.subscribe(listener, options);
  }

  circuitStats(): Record<string, CircuitStats> {
    return this.port.circuitStats();
  }

  queueCounts(): Record<JobStatus, number> {
    return this.port.queueCounts();
  }

  close(): Promise<void> {
    this.closeCalls += 1;
    return this.closing();
  }
}

export interface Harness {
  userData: string;
  /** Where a build would be; nothing is there, and nothing in these tests loads it. */
  paths: BundlePaths;
  studio: FakeDesktopStudio;
  remove(): void;
}

export function prepareDesktop(): Harness {
  resetFakeElectron();
  const userData = mkdtempSync(join(tmpdir(), 'storycore-shell-'));
  app.setPath('userData', userData);
  const studio = new FakeDesktopStudio();
  const out = join(userData, 'out');
  const paths = { rendererDir: join(out, 'renderer'), preloadPath: join(out, 'preload', 'index.cjs'), workerPath: join(out, 'main', 'worker.js'), demoProjectPath: join(out, 'demo.json') };
  return { userData, paths, studio, remove: () => rmSync(userData, { recursive: true, force: true }) };
}

/** prepareDesktop, then the app ready and the desktop started on the fake host. */
export async function startFakeDesktop(): Promise<Harness> {
  const h = prepareDesktop();
  app.becomeReady();
  await startDesktop({ paths: h.paths, openStudio: async () => h.studio, actor: 'tester' });
  return h;
}

export function onlyWindow(): FakeBrowserWindow {
  const windows = FakeBrowserWindow.getAllWindows();
  if (windows.length !== 1) throw new Error(`expected one window, found ${windows.length}`);
  return windows[0]!;
}
