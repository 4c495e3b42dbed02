import { resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';
import type { Plugin } from 'vite';
import { devServerContentSecurityPolicy, inlineScripts } from './src-main/shell/csp.ts';

const here = import.meta.dirname;

/**
 * Under `npm run dev` the window loads the dev server's page, which neither of the app's doors
 * serves, so it would have no CSP at all. This puts the dev policy in a meta tag, hashing the
 * inline scripts of the page as finally served (React's refresh preamble).
 */
function devServerCsp(): Plugin {
  return {
    name: 'storycore:dev-server-csp',
    apply: 'serve',
    transformIndexHtml: {
      order: 'post',
      handler(html, ctx) {
        const local = ctx.server?.resolvedUrls?.local[0];
        const hmrSources = local ? [`ws://${new URL(local).host}`] : [];
        const content = devServerContentSecurityPolicy({ inlineScripts: inlineScripts(html), hmrSources });
        return [{ tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content }, injectTo: 'head-prepend' }];
      },
    },
  };
}

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
    plugins: [react(), devServerCsp()],
    build: {
      outDir: resolve(here, 'out/renderer'),
      // Served to browsers too (serve mode), so ship it small.
      minify: true,
      emptyOutDir: true,
      rollupOptions: { input: { index: resolve(here, 'src-renderer/index.html') } },
    },
  },
});
