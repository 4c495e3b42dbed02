import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SEED_CIRCUITS } from '../src-main/breaker/index.ts';
import { probe } from '../src-main/engine/ffprobe.ts';
import { parseProject } from '../src-main/engine/model.ts';
import { CLI_ENTRY, runCliAsync } from './cli-process.ts';

const cli = CLI_ENTRY;
const demo = fileURLToPath(new URL('../resources/demo/project.json', import.meta.url));

let dir = '';
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'storycore-cli-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 60_000, cwd: dir });

const runAsync = (args: string[], timeoutMs?: number) => runCliAsync(args, dir, timeoutMs);

const tinyProject = (shot: Record<string, unknown> = {}) => ({
  version: 1,
  name: 'tiny',
  quality: 'draft',
  shots: [{ id: 'tiny', duration: 1, fps: 12, resolution: { width: 96, height: 54 }, keyframes: [{ generator: 'testsrc2' }], interpolation: { sourceFps: 6 }, ...shot }],
});

describe('storycore circuits', () => {
  it('prints the seven circuits as JSON that matches the library, and as a table', () => {
    const json = run('circuits', '--json');
    expect(json.status).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual(SEED_CIRCUITS);
    expect(run('circuits').stdout).toMatch(/video_export\s+2\s+60s\s+1\s+300s\s+1/);
  });

  it('rejects an unknown command or flag with a clear message and exit 2', () => {
    expect(run('explode')).toMatchObject({ status: 2, stderr: expect.stringMatching(/unknown command "explode"/) });
    expect(run('circuits', '--bogus')).toMatchObject({ status: 2, stderr: expect.stringMatching(/--bogus/) });
  });
});

describe('storycore --help', () => {
  it('lists every command, exits 0 and writes only to stdout', () => {
    for (const flag of ['--help', '-h']) {
      const result = run(flag);
      expect(result).toMatchObject({ status: 0, stderr: '' });
      for (const command of ['render', 'serve', 'circuits']) expect(result.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
      expect(result.stdout).toMatch(/Exit codes: 0 .* 1 .* 2 bad input/);
    }
  });

  it('prints the overview with exit 2 when no command is given', () => {
    const result = run();
    expect(result.status).toBe(2);
    expect(result.stdout).toMatch(/Usage: storycore/);
  });

  it.each([
    ['render', ['--demo', '--out <dir>', '--quality <level>', '--circuit <name.field=value>', '--chaos <stage=mode[:times]>', '--workers <n>', '--json', '[project]']],
    ['serve', ['--port <port>', '--host <host>', '--data <dir>', '--token <token>', '--workers <n>']],
    ['circuits', ['--json']],
  ])('%s --help names every option the command takes', (command, options) => {
    const result = run(command, '--help');
    expect(result).toMatchObject({ status: 0, stderr: '' });
    expect(result.stdout).toMatch(new RegExp(`^Usage: storycore ${command} `));
    for (const option of options) expect(result.stdout).toContain(option);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('render --help lists the qualities the model accepts', () => {
    expect(run('render', '--help').stdout.replace(/\s+/g, ' ')).toContain('draft, preview, standard, final');
  });

  it('an option without its value is bad input: exit 2, the option named, the help pointed to', () => {
    const result = run('render', '--demo', '--out');
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/--out <dir>.*argument missing.*storycore render --help/);
  });
});

describe('storycore render: bad input', () => {
  const badProject = (content: string) => {
    const file = join(dir, 'project.json');
    writeFileSync(file, content);
    return file;
  };

  it.each([
    ['malformed JSON', '{"version": 1, "shots": [', /not valid JSON/],
    ['unknown fields', JSON.stringify({ ...tinyProject(), colour: 'red' }), /unknown field\(s\) "colour"/],
    ['a negative duration', JSON.stringify(tinyProject({ duration: -3 })), /shots\[0\]\.duration: duration must be at least 0\.25 seconds/],
    ['an absurd size', JSON.stringify(tinyProject({ resolution: { width: 100000, height: 54 } })), /shots\[0\]\.resolution\.width: width must be at most 7680 pixels/],
    ['a missing keyframe file', JSON.stringify(tinyProject({ keyframes: [{ image: 'nope.png' }] })), /shots\[0\]\.keyframes\[0\]\.image: file not found: nope\.png/],
    ['../ in an id', JSON.stringify(tinyProject({ id: '../escape' })), /shots\[0\]\.id: id may only use letters/],
    ['../ in an output name', JSON.stringify(tinyProject({ export: { format: 'mp4', name: '../../escape' } })), /shots\[0\]\.export\.name: name may only use/],
    ['filter syntax in a colour', JSON.stringify(tinyProject({ keyframes: [{ generator: 'color', color: "#fff';movie=/etc/passwd" }] })), /shots\[0\]\.keyframes\[0\]/],
  ])('rejects %s: clear message, exit 2, nothing written', (_label, content, message) => {
    const file = badProject(content);
    const result = run('render', file, '--out', join(dir, 'out'));
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(readdirSync(dir)).toEqual(['project.json']);
  });

  it.each([
    [['--circuit', 'video_interpolation.timeoutMs=-5'], /timeoutMs must be at least 1 ms/],
    [['--circuit', 'nope.timeoutMs=5'], /unknown circuit "nope"/],
    [['--circuit', 'video_export.speed=5'], /unknown field "speed"/],
    [['--chaos', 'interpolation=explode'], /unknown chaos mode "explode"/],
    [['--quality', 'ultra'], /--quality must be one of draft, preview, standard, final/],
    [[], /--out DIR is required/],
  ])('rejects bad options %j with exit 2 and writes nothing', (args, message) => {
    const file = badProject(JSON.stringify(tinyProject()));
    const withOut = args.length ? ['--out', join(dir, 'out'), ...args] : [];
    const result = run('render', file, ...withOut);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(readdirSync(dir)).toEqual(['project.json']);
  });
});

describe('storycore serve: refusing to start', () => {
  it('names a corrupt database file, exits 2 and leaves the file as it was', async () => {
    const { createHash } = await import('node:crypto');
    const { readFileSync } = await import('node:fs');
    const data = join(dir, 'data');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(data);
    const db = join(data, 'studio.db');
    writeFileSync(db, Buffer.from('SQLite format 3\0'.padEnd(4096, 'garbage!')));
    const before = createHash('sha256').update(readFileSync(db)).digest('hex');
    const result = run('serve', '--port', '0', '--data', data);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(db);
    expect(createHash('sha256').update(readFileSync(db)).digest('hex')).toBe(before);
  });

  it('refuses to listen beyond loopback without an explicit token', () => {
    const result = run('serve', '--port', '0', '--host', '0.0.0.0', '--data', join(dir, 'data'));
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/token/);
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('storycore render', () => {
  it('renders a project with --json: events, then a summary with outputs and every circuit; only outputs land in DIR', async () => {
    writeFileSync(join(dir, 'project.json'), JSON.stringify(tinyProject()));
    const result = await runAsync(['render', 'project.json', '--out', 'out', '--json', '--circuit', 'video_export.timeoutMs=60000']);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const lines = result.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; [k: string]: unknown });
    expect(lines.some((l) => l.type === 'progress')).toBe(true);
    expect(lines.find((l) => l.type === 'config_change')).toMatchObject({ circuit: 'video_export', to: { timeoutMs: 60000 } });
    const summary = lines.at(-1)!;
    expect(summary).toMatchObject({ type: 'summary', ok: true, shots: [{ shotId: 'tiny', status: 'done', output: join(dir, 'out', 'tiny.mp4') }] });
    expect(Object.keys(summary.circuits as object).sort()).toEqual(Object.keys(SEED_CIRCUITS).sort());
    expect(readdirSync(join(dir, 'out')).sort()).toEqual(['tiny.json', 'tiny.mp4']);
    expect(readdirSync(dir).sort()).toEqual(['out', 'project.json']);
  });

  it('renders the demo project to files whose ffprobe readings match each shot', async () => {
    const result = await runAsync(['render', '--demo', '--out', 'demo']);
    expect(result.status, result.stdout + result.stderr).toBe(0);
    const { readFileSync } = await import('node:fs');
    const project = parseProject(JSON.parse(readFileSync(demo, 'utf8')));
    for (const shot of project.shots) {
      const ext = shot.export.format;
      const reading = await probe(join(dir, 'demo', `${shot.id}.${ext}`));
      expect(reading.codec).toBe(ext === 'webm' ? 'vp9' : 'h264');
      expect([reading.width, reading.height]).toEqual([shot.resolution.width, shot.resolution.height]);
      expect(reading.fps).toBe(shot.fps);
      expect(reading.frames).toBe(Math.round(shot.duration * shot.fps));
      expect(Math.abs(reading.duration - shot.duration)).toBeLessThanOrEqual(1 / shot.fps);
    }
    expect(result.stdout).toMatch(/rendered: 3\/3 shots/);
    // A healthy run reports no circuit trouble: queueing for a full circuit is not a rejection.
    expect(result.stdout).not.toMatch(/^ {2}circuit /m);
  }, 180_000);

  it('exits 1 with a clear message when a shot cannot be rendered', async () => {
    writeFileSync(join(dir, 'project.json'), JSON.stringify(tinyProject()));
    // A short recovery, so the export circuit's probe comes round quickly once it opens.
    const result = await runAsync(['render', 'project.json', '--out', 'out', '--chaos', 'export=fail', '--circuit', 'video_export.recoveryTimeoutMs=300']);
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/✗ tiny: export: ffmpeg exited with code 1\nUnrecognized option 'storycore_chaos_fail'/);
    expect(result.stdout).toMatch(/circuit video_export: config changed: recoveryTimeoutMs 60000 → 300/);
    expect(result.stdout).toMatch(/circuit video_export: .*3 failed/);
    expect(readdirSync(join(dir, 'out'))).toEqual([]);
  }, 60_000);
});

describe('storycore render: estimates up front', () => {
  it("prints each shot's estimate before anything starts, as an estimate line in --json", async () => {
    writeFileSync(join(dir, 'project.json'), JSON.stringify(tinyProject()));
    const result = await runAsync(['render', 'project.json', '--out', 'out', '--json']);
    expect(result.status, result.stderr).toBe(0);
    const lines = result.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; [k: string]: unknown });
    expect(lines[0]).toMatchObject({ type: 'estimate', shotId: 'tiny', quality: 'draft', stages: { frame_processing: { figureSource: 'builtin' }, interpolation: { figureSource: 'builtin' }, export: { figureSource: 'builtin' } } });
    expect(lines[0]!.expectedSeconds).toBeGreaterThan(0);
    expect(lines[0]!.refusal).toBeUndefined();
    expect(lines.filter((l) => l.type === 'estimate')).toHaveLength(1);
    // The CLI keeps no database: only the render and its sidecar land in --out.
    expect(readdirSync(join(dir, 'out')).sort()).toEqual(['tiny.json', 'tiny.mp4']);
  });

  it('refuses a shot that cannot fit its circuit: exit 2, the estimate and the fixes, nothing rendered', () => {
    const big = tinyProject({ resolution: { width: 3840, height: 2160 }, interpolation: { method: 'optical_flow', sourceFps: 6 }, quality: 'final' });
    writeFileSync(join(dir, 'project.json'), JSON.stringify(big));
    const result = run('render', 'project.json', '--out', 'out', '--circuit', 'video_interpolation.timeoutMs=5000');
    expect(result.status).toBe(2);
    expect(result.stdout).toMatch(/^tiny: REFUSED \(interpolation, video_interpolation\): /m);
    expect(result.stderr).toMatch(/shot "tiny": interpolation \(optical_flow, final, 3840x2160\) is expected to take \d+ s/);
    expect(result.stderr).toMatch(/choose a lower quality than final, or render at a smaller size than 3840x2160, or raise video_interpolation's timeoutMs to at least \d+ ms\. Nothing was rendered\./);
    expect(readdirSync(dir)).toEqual(['project.json']);
  });

  it('prints a plain estimate line when piped', () => {
    // Refused by export (a tiny timeout), so nothing renders; the shots before it still show their estimates.
    const project = { ...tinyProject(), shots: [tinyProject().shots[0]!, { ...tinyProject().shots[0]!, id: 'second', resolution: { width: 3840, height: 2160 }, quality: 'final' }] };
    writeFileSync(join(dir, 'project.json'), JSON.stringify(project));
    const result = run('render', 'project.json', '--out', 'out', '--circuit', 'video_export.timeoutMs=1000');
    expect(result.stdout).toMatch(/^tiny: estimate ≈ \d+ s at draft \(frame_processing ≈ \d+ s(?: in \d+ chunks)?, interpolation ≈ \d+ s(?: in \d+ chunks)?, export ≈ \d+ s(?: in \d+ chunks)?\)$/m);
    expect(result.stdout).toMatch(/^second: REFUSED \(export, video_export\)/m);
    expect(result.status).toBe(2);
  });
});

