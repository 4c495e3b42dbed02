/**
 * The farm sits above the host: nothing low imports it, and the embedded studio does not load it.
 * The command line and the Electron shell reach the farm only through a dynamic import at the door
 * (`--farm`, `node`), so their static import graphs hold neither src-main/farm nor BullMQ or ioredis:
 * the embedded mode runs, and its suite passes, where no Redis (nor its client) is installed.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const src = resolve(import.meta.dirname, '../../src-main');
const FARM_ONLY = /^(bullmq|ioredis)(\/|$)/;

/** The static imports of a file (`import … from`, `export … from`, bare `import '…'`), not `import()`. */
function staticImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found: string[] = [];
  for (const match of text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]/gms)) found.push((match[1] ?? match[2])!);
  return found;
}

/** Every file and package reached from an entry by static imports. */
function reach(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    for (const spec of staticImports(file)) {
      if (spec.startsWith('.')) {
        const target = resolve(dirname(file), spec);
        if (existsSync(target)) visit(target);
      } else packages.add(spec);
    }
  };
  visit(entry);
  return { files, packages };
}

describe('the farm in the rooms', () => {
  it('is imported by no low room', () => {
    const offending: string[] = [];
    for (const room of ['breaker', 'engine', 'queue', 'host', 'transport', 'shell']) {
      const walk = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
      for (const file of walk(join(src, room))) {
        const text = readFileSync(file, 'utf8');
        if (/from\s+['"][./]*farm\/|['"](bullmq|ioredis)['"]/.test(text)) offending.push(file);
      }
    }
    expect(offending).toEqual([]);
  });

  it('is not loaded by the embedded studio: the CLI and the shell reach it only by a dynamic import', () => {
    for (const entry of ['cli.ts', 'index.ts', 'worker.ts']) {
      const { files, packages } = reach(join(src, entry));
      // The walk really follows the graph (the host, the engine, the breaker…), or this test proves nothing.
      expect(files.size, entry).toBeGreaterThan(entry === 'cli.ts' ? 60 : 10);
      expect([...files].filter((f) => f.includes(`${join(src, 'farm')}`) || f.endsWith('cli-farm.ts')), entry).toEqual([]);
      expect([...packages].filter((p) => FARM_ONLY.test(p)), entry).toEqual([]);
    }
    // …and the door exists: cli.ts imports the farm's commands dynamically.
    expect(readFileSync(join(src, 'cli.ts'), 'utf8')).toMatch(/await import\('\.\/cli-farm\.ts'\)/);
  });
});
