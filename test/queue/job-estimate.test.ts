import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ShotSchema } from '../../src-main/engine/model.ts';
import { openDatabase } from '../../src-main/queue/database.ts';
import { QueueError, RenderQueue } from '../../src-main/queue/render-queue.ts';
import { MIGRATIONS } from '../../src-main/queue/schema.ts';

let dir: string;
let file: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'storycore-estimate-'));
  file = join(dir, 'studio.db');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const shot = (id: string) => ShotSchema.parse({ id, duration: 2, keyframes: [{ generator: 'testsrc2' }] });

describe("a job's estimate", () => {
  it('is stored at enqueue and read back with the job, null when not given', () => {
    const queue = new RenderQueue(openDatabase(file));
    try {
      const [a, b] = queue.enqueue([
        { projectName: 'p', shot: shot('a'), baseDir: null, quality: 'draft', estimateSeconds: 80.5 },
        { projectName: 'p', shot: shot('b'), baseDir: null, quality: 'draft' },
      ]);
      expect(a!.estimateSeconds).toBe(80.5);
      expect(b!.estimateSeconds).toBeNull();
      expect(queue.get(a!.id)!.estimateSeconds).toBe(80.5);
      expect(queue.list().map((j) => j.estimateSeconds).sort()).toEqual([80.5, null].sort());
    } finally {
      queue.close();
    }
  });

  it('refuses a negative or non-finite estimate, queueing nothing', () => {
    const queue = new RenderQueue(openDatabase(file));
    try {
      for (const estimateSeconds of [-1, Number.NaN, Infinity]) {
        expect(() => queue.enqueue([{ projectName: 'p', shot: shot('a'), baseDir: null, quality: 'draft', estimateSeconds }])).toThrow(QueueError);
      }
      expect(queue.list()).toEqual([]);
    } finally {
      queue.close();
    }
  });

  it('arrives by migration 3: jobs queued before it keep a null estimate', () => {
    // Written as the build before estimates wrote it: its insert names no estimate column.
    const db = openDatabase(file, { migrations: MIGRATIONS.slice(0, 2) });
    db.prepare(
      `INSERT INTO jobs (id, project_name, shot_id, shot_json, base_dir, quality, status, priority, position, created_at, updated_at)
       VALUES ('old', 'p', 'a', ?, NULL, 'draft', 'queued', 0, 1, 1, 1)`,
    ).run(JSON.stringify(shot('a')));
    db.close();
    const after = new RenderQueue(openDatabase(file));
    try {
      expect(after.get('old')!.estimateSeconds).toBeNull();
    } finally {
      after.close();
    }
  });
});
