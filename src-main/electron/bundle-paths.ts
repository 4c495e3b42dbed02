/**
 * The files the shell loads, found from the folder of the built main bundle (out/main): the preload,
 * the worker, the renderer and the demo project. One function, so the bundle check
 * (test/electron/bundles.test.ts) looks for exactly the files the shell will ask for.
 */
import { join } from 'node:path';

export interface BundlePaths {
  rendererDir: string;
  preloadPath: string;
  workerPath: string;
  demoProjectPath: string;
}

/**
 * `mainDir` is the folder of out/main/index.js (the shell passes its own import.meta.dirname: a
 * shared chunk would sit one folder lower). `resourcesPath` is Electron's process.resourcesPath in
 * a packaged app, null when run from the build.
 */
export function bundlePaths(mainDir: string, resourcesPath: string | null): BundlePaths {
  return {
    rendererDir: join(mainDir, '../renderer'),
    preloadPath: join(mainDir, '../preload/index.cjs'),
    workerPath: join(mainDir, 'worker.js'),
    // electron-builder copies resources/demo to <resources>/demo (extraResources in electron-builder.yml).
    demoProjectPath: resourcesPath === null ? join(mainDir, '../../resources/demo/project.json') : join(resourcesPath, 'demo', 'project.json'),
  };
}
