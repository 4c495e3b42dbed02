import { resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';

const here = import.meta.dirname;


export default defineConfig({
  main: {
    root: resolve(here, 'src-main'),
    build: {
      outDir: resolve(here, 'out/main'),
      emptyOutDir: true,
      rollupOptions: {
        // Three entries share one bundle graph: the Electron shell, the worker process, the headless CLI.
        input: {
          index: resolve(here, 'src-main/index.ts'),
          worker: resolve(here, 'src-main/worker.ts'),
          cli: resolve(here, 'src-main/cli.ts'),
        },
      },
    },
  },
  preload: {
    root: resolve(here, 'src-preload'),
    build: {
      outDir: resolve(here, 'out/preload'),
      emptyOutDir: true,
      rollupOptions: {
        input: { index: resolve(here, 'src-preload/index.ts') },
        // A sandboxed preload must be CommonJS: Electron loads an .mjs preload only without the sandbox.
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(here, 'src-renderer'),
    plugins: [react()],
    build: {
      outDir: resolve(here, 'out/renderer'),
      // Served to browsers too (serve mode), so ship it small.
      minify: true,
      emptyOutDir: true,
      rollupOptions: { input: { index: resolve(here, 'src-renderer/index.html') } },
    },
  },
});
