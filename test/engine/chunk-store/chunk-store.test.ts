// The chunk store on real files (small lossless chunks made by ffmpeg): what goes in is checked,
// what comes out is checked again, corrupt entries are found and deleted, eviction is least
// recently used, pinned entries are never evicted, and the limit holds across a soak.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChunkStore } from '../../../src-main/engine/chunk-store/chunk-store.ts';
import { sha256Hex } from '../../../src-main/engine/chunk-store/store-key.ts';
import { seededRandom } from '../../fixtures/seeded-random.ts';
import { ffmpeg, frameMd5s } from '../chunks/ffmpeg-support.ts';

let dir = '';
/** Lossless 160x90 chunks of 2 to 9 frames (each a different picture). */
const chunks: { file: string; frames: number; bytes: number }[] = [];
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'storycore-store-'));
  await mkdir(join(dir, 'made'));
  for (let frames = 2; frames <= 9; frames++) {
    const file = join(dir, 'made', `chunk-${frames}.mkv`);
    await ffmpeg(['-loglevel', 'error', '-f', 'lavfi', '-i', `testsrc2=s=160x90:r=12,trim=start_frame=${frames * 7}`, '-frames:v', String(frames), '-c:v', 'libx264', '-preset', 'ultrafast', '-qp', '0', file]);
    chunks.push({ file, frames, bytes: (await stat(file)).size });
  }
}, 60_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let stores = 0;
const keyOf = (name: string) => sha256Hex(name);
async function freshStore(limitBytes = 1024 ** 3, transfer?: 'copy') {
  return await ChunkStore.open({ dir: join(dir, `store-${++stores}`), limitBytes, ...(transfer ? { transfer } : {}) });
}
const put = (store: ChunkStore, name: string, chunk = chunks[0]!) => store.put(keyOf(name), chunk.file, { expect: { frames: chunk.frames, width: 160, height: 90 }, workMs: 1000 });

describe('the chunk store', () => {
  it('stores a checked chunk and gives it back checked, frame for frame, by link or by copy', async () => {
    for (const transfer of [undefined, 'copy'] as const) {
      const store = await freshStore(undefined, transfer);
      const chunk = chunks[3]!;
      expect(await put(store, 'a', chunk)).toMatchObject({ status: 'stored', entry: { frames: chunk.frames, width: 160, height: 90, bytes: chunk.bytes, workMs: 1000 } });
      expect((await put(store, 'a', chunk)).status).toBe('exists');
      const target = join(dir, `out-${stores}`, 'chunk.mkv');
      expect(await store.fetch(keyOf('a'), target, { expect: { frames: chunk.frames } })).toMatchObject({ status: 'hit' });
      expect(await frameMd5s(target)).toEqual(await frameMd5s(chunk.file));
      expect(await store.fetch(keyOf('nothing'), target)).toEqual({ status: 'miss' });
      expect(store.stats()).toMatchObject({ entries: 1, bytes: chunk.bytes });
    }
  });

  it('refuses to store what does not check out (a wrong frame count, a file ffprobe cannot read), leaving nothing', async () => {
    const store = await freshStore();
    const wrong = await store.put(keyOf('wrong'), chunks[0]!.file, { expect: { frames: 99 }, workMs: 1 });
    expect(wrong).toMatchObject({ status: 'refused', reason: expect.stringMatching(/2 frames, 99 expected/) });
    const junk = join(dir, 'made', 'junk.mkv');
    await writeFile(junk, Buffer.alloc(5000, 7));
    expect((await store.put(keyOf('junk'), junk, { workMs: 1 })).status).toBe('refused');
    expect(store.stats()).toMatchObject({ entries: 0, bytes: 0 });
    expect(await readdir(join(store.dir, 'incoming', String(process.pid)))).toEqual([]);
  });

  it('finds a truncated, an overwritten and a missing entry, deletes each, and says why', async () => {
    // Copies: linked entries of one source file would be one file, and damage to one would be damage to all.
    const store = await freshStore(undefined, 'copy');
    for (const name of ['short', 'garbage', 'gone']) await put(store, name, chunks[5]!);
    await truncate(store.entryPath(keyOf('short')), 1000);
    const bytes = chunks[5]!.bytes;
    await writeFile(store.entryPath(keyOf('garbage')), Buffer.alloc(bytes, 0x41));
    await rm(store.entryPath(keyOf('gone')));
    const target = join(dir, 'corrupt-out.mkv');
    expect(await store.fetch(keyOf('short'), target)).toEqual({ status: 'corrupt', reason: `it holds 1000 bytes, ${bytes} were stored` });
    expect(await store.fetch(keyOf('garbage'), target)).toMatchObject({ status: 'corrupt', reason: expect.stringMatching(/SHA-256 differs/) });
    expect(await store.fetch(keyOf('gone'), target)).toEqual({ status: 'corrupt', reason: 'its file is missing from the store' });
    expect(existsSync(target)).toBe(false);
    expect(store.stats()).toMatchObject({ entries: 0, bytes: 0 });
    for (const name of ['short', 'garbage']) expect(existsSync(store.entryPath(keyOf(name), '.mkv'))).toBe(false);
  });

  it('evicts the least recently used entry first, and never a pinned one', async () => {
    const chunk = chunks[2]!;
    const store = await freshStore(chunk.bytes * 3);
    for (const name of ['old', 'middle', 'new']) expect((await put(store, name, chunk)).status).toBe('stored');
    // Reading 'old' makes it the most recently used; pinning 'middle' keeps it whatever its age.
    await new Promise((r) => setTimeout(r, 5));
    expect((await store.fetch(keyOf('old'), join(dir, 'lru.mkv'))).status).toBe('hit');
    store.pins.pin('job-1', keyOf('middle'));
    expect((await put(store, 'newer', chunk)).status).toBe('stored');
    expect(store.has(keyOf('new'))).toBe(false);
    expect([keyOf('old'), keyOf('middle'), keyOf('newer')].every((k) => store.has(k))).toBe(true);
    expect(store.stats().bytes).toBeLessThanOrEqual(store.limitBytes);
    // Everything left pinned: a new chunk is refused rather than an entry of a queued job evicted.
    store.pins.pin('job-1', keyOf('old'));
    store.pins.pin('job-2', keyOf('newer'));
    expect(await put(store, 'refused', chunk)).toMatchObject({ status: 'refused', reason: expect.stringMatching(/queued or running/) });
    expect(store.stats()).toMatchObject({ entries: 3, pinnedEntries: 3 });
    // Unpinned owners' entries become evictable again.
    store.pins.unpin('job-2');
    expect((await put(store, 'after', chunk)).status).toBe('stored');
    expect(store.has(keyOf('newer'))).toBe(false);
  });

  it('comes back after a restart as it was: entries, pins and last use; half-written entries are swept', async () => {
    const chunk = chunks[1]!;
    const store = await freshStore();
    await put(store, 'kept', chunk);
    await put(store, 'pinned', chunk);
    store.pins.pin('job-9', keyOf('pinned'));
    await store.flush();
    // A crash between the file and its record, and a file on its way in.
    const orphan = store.entryPath(keyOf('orphan'), '.mkv');
    await mkdir(join(orphan, '..'), { recursive: true });
    await writeFile(orphan, 'half');
    await writeFile(join(store.dir, 'incoming', 'x.mkv'), 'partial');
    const again = await ChunkStore.open({ dir: store.dir, limitBytes: store.limitBytes });
    expect(again.stats()).toMatchObject({ entries: 2, bytes: chunk.bytes * 2, pinnedEntries: 1 });
    expect(existsSync(orphan)).toBe(false);
    expect(await readdir(join(store.dir, 'incoming'))).toEqual([]);
    // The host keeps only the owners still waiting or running.
    again.pins.retain([]);
    expect(again.stats().pinnedEntries).toBe(0);
    await again.setLimit(chunk.bytes);
    expect(again.stats().entries).toBe(1);
  });

  it('clears every entry no job holds', async () => {
    const store = await freshStore();
    for (const name of ['a', 'b', 'c']) await put(store, name);
    store.pins.pin('job', keyOf('b'));
    expect(await store.clear()).toEqual({ removedEntries: 2, removedBytes: chunks[0]!.bytes * 2, keptEntries: 1 });
    expect(store.has(keyOf('b'))).toBe(true);
  });

  it('never holds more than its limit across a soak of puts, reads and pins, and never loses a pinned entry', async () => {
    const random = seededRandom(14);
    const limit = chunks.slice(0, 4).reduce((sum, c) => sum + c.bytes, 0);
    const store = await freshStore(limit);
    const pinned = new Set<string>();
    let stored = 0;
    let refused = 0;
    for (let round = 0; round < 120; round++) {
      const chunk = chunks[Math.floor(random() * chunks.length)]!;
      const name = `soak-${Math.floor(random() * 40)}`;
      const roll = random();
      if (roll < 0.1 && pinned.size < 2) {
        if (store.has(keyOf(name))) {
          store.pins.pin(`owner-${name}`, keyOf(name));
          pinned.add(name);
        }
      } else if (roll < 0.2 && pinned.size > 0) {
        const gone = [...pinned][0]!;
        store.pins.unpin(`owner-${gone}`);
        pinned.delete(gone);
      } else if (roll < 0.4) {
        await store.fetch(keyOf(name), join(dir, 'soak-out.mkv'));
      } else {
        const outcome = await store.put(keyOf(name), chunk.file, { workMs: 1 });
        if (outcome.status === 'stored') stored++;
        if (outcome.status === 'refused') refused++;
      }
      const onDisk = (await Promise.all(store.entries().map((e) => stat(store.entryPath(e.key)).then((s) => s.size)))).reduce((a, b) => a + b, 0);
      expect(onDisk, `round ${round}: bytes on disk`).toBeLessThanOrEqual(limit);
      expect(store.stats().bytes).toBe(onDisk);
      for (const name of pinned) expect(store.has(keyOf(name)), `round ${round}: pinned ${name}`).toBe(true);
    }
    expect(stored).toBeGreaterThan(20);
    console.log(`[store soak] 120 rounds: ${stored} stored, ${refused} refused, ${store.stats().entries} entries at the end, limit ${limit} bytes held`);
  });
});
