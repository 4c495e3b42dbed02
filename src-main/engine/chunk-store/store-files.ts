/**
 * The chunk store's small files: JSON written whole or not at all (a temporary name, then a
 * rename), folders of them read back through a schema (what does not parse is skipped), and the
 * sweeps at open: entries without their record (or records without their file), and what a crashed
 * process left on its way in.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { z } from 'zod';
import { isAlive } from '../process-liveness.ts';
import { type StoredEntry, StoredEntrySchema } from './store-entry.ts';

/** Writes JSON so that readers see the old file or the new one, never half of one. */
export async function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const temp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(temp, JSON.stringify(value));
    await rename(temp, file);
  } finally {
    await rm(temp, { force: true });
  }
}

/** Every `*.json` of a folder that parses with the schema, by its name without `.json`; none for a folder that is not there. */
export function readJsonFiles<T>(dir: string, schema: z.ZodType<T>): { name: string; value: T }[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.json'));
  } catch {
    return [];
  }
  return names.flatMap((file) => {
    try {
      return [{ name: file.slice(0, -'.json'.length), value: schema.parse(JSON.parse(readFileSync(join(dir, file), 'utf8'))) }];
    } catch {
      return []; // unreadable: treated as absent, which costs a render, never a wrong frame
    }
  });
}

/**
 * Reads every entry under `root` (`<k0k1>/<key><ext>` beside `<key>.json`). A record without its
 * file, or whose file has another size, and a file without a record (a crash between the two
 * renames) are deleted.
 */
export async function scanEntries(root: string): Promise<StoredEntry[]> {
  const entries: StoredEntry[] = [];
  const stray: string[] = [];
  for (const fan of existsSync(root) ? readdirSync(root) : []) {
    const dir = join(root, fan);
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    const records = new Map(readJsonFiles(dir, StoredEntrySchema).map(({ name, value }) => [name, value]));
    const kept = new Set<string>();
    for (const name of names.filter((n) => n.endsWith('.json'))) {
      const entry = records.get(name.slice(0, -'.json'.length));
      const file = entry && join(dir, `${entry.key}${entry.ext}`);
      if (!entry || !file || `${entry.key}.json` !== name || !existsSync(file) || statSync(file).size !== entry.bytes) {
        stray.push(join(dir, name));
        continue;
      }
      kept.add(`${entry.key}${entry.ext}`);
      entries.push(entry);
    }
    for (const name of names) if (!name.endsWith('.json') && !kept.has(name)) stray.push(join(dir, name));
  }
  await Promise.all(stray.map((path) => rm(path, { force: true })));
  return entries;
}

/** Empties the ways in of this process and of processes gone; a live process's is its own. */
export async function sweepIncoming(root: string): Promise<void> {
  if (!existsSync(root)) return;
  for (const name of readdirSync(root)) {
    const pid = /^\d+$/.test(name) ? Number(name) : NaN;
    if (pid !== process.pid && Number.isSafeInteger(pid) && isAlive(pid)) continue;
    await rm(join(root, name), { recursive: true, force: true });
  }
}
