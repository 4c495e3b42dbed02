/**
 * The world a bad-input property runs in: a temp root holding the studio's data folder and, next to
 * it, a folder the studio must never write to (a secret, valid projects that may be read, a sentinel
 * tree). Snapshots of the whole tree say afterwards whether anything was written where it must not be.
 */
import { createHash, randomBytes } from 'node:crypto';
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import type { Job } from '../../src-preload/contract.ts';
import { Studio } from '../../src-main/host/studio.ts';
import { demoProjectPath, tinyProject } from '../host/helpers.ts';
import { writePicture } from '../engine/pictures.ts';
import { type FuzzContext, hostilePaths } from './fuzz-arbitraries.ts';

export interface FuzzWorld {
  root: string;
  dataDir: string;
  outside: string;
  /** A file outside the data folder whose content must never appear in a reply. */
  secretFile: string;
  secret: string;
  /** Valid project files outside the data folder: reading them is allowed. */
  projects: { generated: string; withImage: string };
  remove(): void;
}

export function makeFuzzWorld(prefix = 'storycore-fuzz-'): FuzzWorld {
  const root = mkdtempSync(join(tmpdir(), prefix));
  const dataDir = join(root, 'data');
  const outside = join(root, 'outside');
  mkdirSync(join(outside, 'projects', 'frames'), { recursive: true });
  mkdirSync(join(outside, 'sentinel', 'nested'), { recursive: true });
  // Starts with text a JSON error message would quote, if one ever quoted a file's content.
  const secret = `SECRET${randomBytes(12).toString('hex')}`;
  const secretFile = join(outside, 'secret.txt');
  writeFileSync(secretFile, `${secret}\nmore secret text on a second line\n`);
  writeFileSync(join(outside, 'sentinel', 'keep.txt'), 'must stay as it is');
  writeFileSync(join(outside, 'sentinel', 'nested', 'keep.json'), '{"keep": true}');
  const generated = join(outside, 'projects', 'generated.json');
  writeFileSync(generated, JSON.stringify(tinyProject(['g1', 'g2'])));
  const withImage = join(outside, 'projects', 'with-image.json');
  // Probed when enqueued (it must be a picture); the queue stays paused, so it is never rendered.
  writePicture(join(outside, 'projects', 'frames', 'key.png'));
  writeFileSync(withImage, JSON.stringify({ ...tinyProject(['i1']), shots: [{ ...tinyProject(['i1']).shots[0], keyframes: [{ image: 'frames/key.png' }] }] }));
  return { root, dataDir, outside, secretFile, secret, projects: { generated, withImage }, remove: () => rmSync(root, { recursive: true, force: true }) };
}

export interface TreeEntry {
  kind: 'file' | 'dir' | 'symlink' | 'other';
  size: number;
  mtimeMs: number;
  sha1?: string;
}

/** Every entry under `root` by relative path (files hashed), without following symlinks. */
export function snapshotTree(root: string): Map<string, TreeEntry> {
  const out = new Map<string, TreeEntry>();
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const full = join(dir, name);
      const info = lstatSync(full, { throwIfNoEntry: false });
      if (!info) continue; // removed while walking (a WAL checkpoint, a temp file)
      const kind = info.isFile() ? 'file' : info.isDirectory() ? 'dir' : info.isSymbolicLink() ? 'symlink' : 'other';
      const entry: TreeEntry = { kind, size: kind === 'dir' ? 0 : info.size, mtimeMs: kind === 'dir' ? 0 : info.mtimeMs };
      if (kind === 'file' && info.size < 1024 * 1024) entry.sha1 = createHash('sha1').update(readFileSync(full)).digest('hex');
      out.set(relative(root, full), entry);
      if (kind === 'dir') walk(full);
    }
  };
  walk(root);
  return out;
}

/** What may exist in a data folder whose queue never ran a job: the database and the worker registry. */
const DATA_FILES = /^(studio\.db(-wal|-shm|-journal)?|processes\.json(\.partial)?)$/;

/** What a render may add to the chunk store: every name there is a hex key, a job id or a pid, never the shot's text. */
const CHUNK_STORE_FILES = /^chunks([\\/](entries([\\/][0-9a-f]{2}([\\/][0-9a-f]{64}\.(json|mkv|mp4|webm|mov))?)?|incoming([\\/]\d+)?|pins([\\/][A-Za-z0-9_-]{1,80}\.json)?|plans([\\/][0-9a-f]{64}\.json)?))?$/;

/**
 * Differences that break "nothing written where it must not be": any change outside the data folder,
 * and anything in the data folder but the database and the registry (renders/ and work/ only when
 * `rendersAllowed`, and then only under a job's own folder; the chunk store's files then too).
 */
export function treeViolations(world: FuzzWorld, before: Map<string, TreeEntry>, after: Map<string, TreeEntry>, rendersAllowed = false): string[] {
  const data = relative(world.root, world.dataDir);
  const inData = (path: string) => path === data || path.startsWith(data + sep);
  const problems: string[] = [];
  for (const [path, entry] of after) {
    if (inData(path)) {
      const inner = relative(world.dataDir, join(world.root, path));
      const ok = path === data || DATA_FILES.test(inner) || (rendersAllowed && (/^(renders|work)([\\/][A-Za-z0-9_-]{12}([\\/].*)?)?$/.test(inner) || CHUNK_STORE_FILES.test(inner)));
      if (!ok) problems.push(`unexpected in the data folder: ${inner}`);
      continue;
    }
    const old = before.get(path);
    if (!old) problems.push(`created outside the data folder: ${path}`);
    else if (JSON.stringify(old) !== JSON.stringify(entry)) problems.push(`changed outside the data folder: ${path}`);
  }
  for (const path of before.keys()) if (!inData(path) && !after.has(path)) problems.push(`deleted outside the data folder: ${path}`);
  return problems;
}

/** The queue as a comparable value: what an invalid command must leave exactly as it was. */
export function queueState(studio: Studio): string {
  const jobs = studio.queue.list({ limit: 100_000 });
  return JSON.stringify(jobs.map((j: Job) => [j.id, j.status, j.priority, j.position, j.attempts, j.quality, j.projectName, j.shotId]).sort());
}

export function jobCount(studio: Studio): number {
  return Object.values(studio.queue.counts()).reduce((a, b) => a + b, 0);
}

/**
 * A real Studio on the world's data folder, its queue paused (nothing renders) and seeded with a
 * tiny job per shot id, and the context the command arbitraries draw ids and paths from: the
 * world's valid projects, the demo, and `moreProjectPaths`.
 */
export async function openSeededStudio(world: FuzzWorld, shotIds: string[], moreProjectPaths: string[] = []): Promise<{ studio: Studio; ctx: FuzzContext }> {
  const studio = await Studio.open({ dataDir: world.dataDir, demoProjectPath, workers: 1, monitorIntervalMs: 1000 });
  await studio.execute({ type: 'pauseQueue' }, 'setup');
  const seeded = await studio.execute({ type: 'enqueue', project: tinyProject(shotIds) }, 'setup');
  if (!seeded.ok) throw new Error(`could not seed the queue: ${seeded.error.message}`);
  const ctx: FuzzContext = {
    jobIds: (seeded.result as Job[]).map((j) => j.id),
    circuitNames: studio.circuits.names(),
    projectPaths: [world.projects.generated, world.projects.withImage, demoProjectPath, ...moreProjectPaths],
    hostilePaths: hostilePaths(world),
    allowResume: false,
  };
  return { studio, ctx };
}
