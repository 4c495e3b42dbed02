/**
 * Commands for the bad-input suite: valid ones for every type in COMMAND_TYPES, near-valid mutations
 * that must be refused (each knowing which field the refusal has to name), and hostile text (path
 * traversal, ffmpeg filter syntax, shell syntax, odd unicode, oversized strings) in every text field.
 * Shared by the WebSocket, IPC and queue properties.
 */
import fc from 'fast-check';
import { COMMAND_TYPES, type CommandType } from '../../src-preload/contract.ts';
import { EASINGS, FORMATS, GENERATORS, INTERPOLATIONS, MOVEMENTS, QUALITIES } from '../../src-main/engine/model.ts';
import { CHAOS_MODES, STAGES } from '../../src-main/engine/tasks.ts';

export interface FuzzContext {
  /** Ids of jobs that exist, so that job commands also hit real jobs. */
  jobIds: string[];
  circuitNames: string[];
  /** Project files that load (reading them is allowed), and paths that must be refused. */
  projectPaths: string[];
  hostilePaths: string[];
  /** Valid commands that would start rendering are left out, to keep the queue paused. */
  allowResume: boolean;
}

/**
 * What a reply must be, beyond well formed and never `internal`: anything (answer), ok (accepted),
 * any refusal (refused), or a refusal as invalid whose message names `mentions`.
 */
export type Expectation = { kind: 'answer' } | { kind: 'accepted' } | { kind: 'refused' } | { kind: 'invalid'; mentions: string | RegExp };

export interface Probe {
  command: unknown;
  expect: Expectation;
  /** Short label for statistics and failure messages. */
  label: string;
}

// ── hostile text ──

export const FILTER_SYNTAX = [
  "'",
  '\\',
  '[in]',
  '[0:v]split[a][b]',
  ';',
  ',',
  '=',
  ':',
  "drawtext=text='pwned':fontfile=/etc/passwd",
  'movie=/etc/passwd[m];[in][m]overlay',
  'scale=-1:-1,',
  'color=c=red@1:s=16x16',
  '-y',
  '-i /etc/passwd',
  '-f lavfi',
  'pipe:1',
  'concat:/etc/passwd|/etc/hosts',
  'subfile,,start,0,end,0,,:/etc/passwd',
  '%d',
  '%s%n%x',
  '\n-report',
  "'\\''",
  "#ff0000'",
  '#00ff00,drawtext=text=x',
];

export const ODD_UNICODE = ['\u0000', '\u202egnp.exe', '\u200b', 'e\u0301', '\ud800', '\udfff', '😀', 'İı', '／etc／passwd', '．．／．．／', '\uFEFF', '\r\n', '\t', 'ＣＯＮ', 'NUL', 'aux', 'con.json'];

export function hostilePaths(world: { dataDir: string; outside: string; secretFile: string }): string[] {
  return [
    '../../../../../../etc/passwd',
    '/etc/passwd',
    '/proc/self/environ',
    '/dev/zero',
    '/dev/null',
    world.secretFile,
    `${world.dataDir}/../outside/secret.txt`,
    `${world.dataDir}/studio.db`,
    `${world.outside}/sentinel`,
    `${world.outside}/sentinel/nested/keep.json`,
    '..\\..\\..\\windows\\win.ini',
    'C:\\Windows\\win.ini',
    '\\\\?\\C:\\x',
    'file:///etc/passwd',
    '%2e%2e%2f%2e%2e%2fetc%2fpasswd',
    '....//....//etc/passwd',
    'a/../../../etc/passwd',
    'x\u0000.json',
    `$(touch ${world.outside}/pwned)`,
    '`touch pwned`',
    `;touch ${world.outside}/pwned`,
    '|id',
    '.',
    '..',
    '/',
    '',
  ];
}

/** Any text at all: hostile strings, random unicode (lone surrogates included), oversized runs. */
export function anyText(extra: string[] = []): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...FILTER_SYNTAX, ...ODD_UNICODE, ...extra) },
    { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
    { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
    { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...FILTER_SYNTAX, ...extra), fc.constantFrom(...ODD_UNICODE)).map(([a, b]) => `${a}${b}${a}`) },
    { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 1, max: 60_000 }), fc.constantFrom('x', 'é', '😀', '../', "'")).map(([n, s]) => s.repeat(n)) },
  );
}

const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
const JOB_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** Free text a field accepts (titles, names, reasons): hostile but within the length limit. */
const freeText = (max: number, extra: string[] = []) => anyText(extra).filter((s) => s.length >= 1 && s.length <= max);

// ── valid commands ──

const safeId = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_-]{0,15}$/);
const hexColor = fc.stringMatching(/^#[0-9a-fA-F]{6}$/);

function shotArb(id: string, extra: string[]) {
  return fc.record(
    {
      id: fc.constant(id),
      title: freeText(200, extra),
      duration: fc.constantFrom(0.5, 1, 1.5),
      fps: fc.constant(12),
      resolution: fc.constant({ width: 96, height: 54 }),
      keyframes: fc.array(fc.record({ generator: fc.constantFrom(...GENERATORS), seed: fc.nat({ max: 2 ** 31 - 1 }), color: hexColor }, { requiredKeys: ['generator'] }), { minLength: 1, maxLength: 1 }),
      camera: fc.record({ movement: fc.constantFrom(...MOVEMENTS), easing: fc.constantFrom(...EASINGS) }, { requiredKeys: [] }),
      interpolation: fc.record({ method: fc.constantFrom(...INTERPOLATIONS), sourceFps: fc.constant(6) }, { requiredKeys: ['sourceFps'] }),
      quality: fc.constantFrom(...QUALITIES),
      export: fc.record({ format: fc.constantFrom(...FORMATS), name: safeId.map((s) => `${s}-${id}`) }, { requiredKeys: [] }),
    },
    { requiredKeys: ['id', 'duration', 'fps', 'resolution', 'keyframes', 'interpolation'] },
  );
}

/** An inline project with generated keyframes: hostile text in its name and titles, safe ids. */
export function projectArb(extra: string[] = []) {
  return fc
    .uniqueArray(safeId, { minLength: 1, maxLength: 3, comparator: (a, b) => a.toLowerCase() === b.toLowerCase() })
    .chain((ids) =>
      fc.record({
        version: fc.constant(1),
        name: freeText(200, extra),
        quality: fc.constantFrom(...QUALITIES),
        shots: fc.tuple(...ids.map((id) => shotArb(id, extra))),
      }),
    );
}

const priorityArb = fc.integer({ min: -100, max: 100 });
const reasonArb = (extra: string[]) => anyText(extra).filter((s) => s.length <= 500);

type Valid = Record<string, unknown> & { type: string };

function validCommands(ctx: FuzzContext): Partial<Record<CommandType, fc.Arbitrary<Valid>>> {
  const jobId = ctx.jobIds.length ? fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...ctx.jobIds) }, { weight: 1, arbitrary: fc.stringMatching(JOB_ID) }) : fc.stringMatching(JOB_ID);
  const withJob = (type: string, more: Record<string, fc.Arbitrary<unknown>> = {}) => fc.record({ type: fc.constant(type), jobId, ...more });
  const numberish = fc.oneof(fc.integer({ min: -10, max: 1_000_000 }), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(0, -1, 2 ** 31, 2 ** 53, 1e308, 5e-324));
  return {
    enqueue: fc
      .oneof(
        fc.constant({ demo: true }),
        fc.record({ projectPath: fc.constantFrom(...ctx.projectPaths, ...ctx.hostilePaths.filter((p) => p.length > 0)) }),
        fc.record({ project: projectArb(ctx.hostilePaths) }),
      )
      .chain((source) =>
        fc
          .record(
            {
              shotIds: fc.array(fc.oneof(safeId, fc.constantFrom('g1', 'g2', 'i1', 'fractal_pan', 'chart_zoom')), { maxLength: 3 }),
              quality: fc.constantFrom(...QUALITIES),
              priority: priorityArb,
            },
            { requiredKeys: [] },
          )
          .map((rest) => ({ type: 'enqueue', ...source, ...rest })),
      ),
    cancel: withJob('cancel'),
    retry: withJob('retry'),
    setPriority: withJob('setPriority', { priority: priorityArb }),
    move: withJob('move', { to: fc.constantFrom('top', 'up', 'down', 'bottom') }),
    pauseJob: withJob('pauseJob'),
    resumeJob: withJob('resumeJob'),
    pauseQueue: fc.constant({ type: 'pauseQueue' }),
    ...(ctx.allowResume ? { resumeQueue: fc.constant({ type: 'resumeQueue' }), resume: fc.record({ type: fc.constant('resume'), reason: reasonArb(ctx.hostilePaths) }, { requiredKeys: ['type'] }) } : {}),
    emergencyStop: fc.record({ type: fc.constant('emergencyStop'), scope: fc.constantFrom('immediate', 'after_current'), reason: reasonArb(ctx.hostilePaths) }, { requiredKeys: ['type'] }),
    reset: fc.record({ type: fc.constant('reset'), reason: reasonArb(ctx.hostilePaths) }, { requiredKeys: ['type'] }),
    configureCircuit: fc.record({
      type: fc.constant('configureCircuit'),
      circuit: fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...ctx.circuitNames) }, { weight: 1, arbitrary: fc.stringMatching(/^[a-z][a-z0-9_]{0,20}$/) }),
      patch: fc.record(
        {
          failureThreshold: numberish,
          recoveryTimeoutMs: numberish,
          successThreshold: numberish,
          timeoutMs: numberish,
          maxConcurrent: numberish,
          halfOpenMaxProbes: numberish,
          abandonAfterMs: numberish,
        },
        { requiredKeys: [] },
      ),
    }),
    setChaos: fc.record({
      type: fc.constant('setChaos'),
      rules: fc.uniqueArray(fc.record({ stage: fc.constantFrom(...STAGES), mode: fc.constantFrom(...CHAOS_MODES), times: fc.integer({ min: 1, max: 1000 }) }, { requiredKeys: ['stage', 'mode'] }), {
        maxLength: 3,
        selector: (r) => r.stage,
      }),
    }),
    snapshot: fc.constant({ type: 'snapshot' }),
    analysis: fc.record({ type: fc.constant('analysis'), days: fc.integer({ min: 1, max: 90 }) }),
  };
}

/**
 * A valid command of any type. A type added to the contract without a generator here still gets
 * fuzzed: as `{type}` with a job id, and every mutation below.
 */
export function validCommand(ctx: FuzzContext): fc.Arbitrary<Valid> {
  const known = validCommands(ctx);
  const types = COMMAND_TYPES.filter((t) => ctx.allowResume || (t !== 'resumeQueue' && t !== 'resume'));
  return fc.oneof(
    ...types.map((type) => known[type] ?? fc.record({ type: fc.constant(type), jobId: ctx.jobIds.length ? fc.constantFrom(...ctx.jobIds) : fc.stringMatching(JOB_ID) }, { requiredKeys: ['type'] })),
  );
}

// ── mutations that must be refused ──

type Kind = 'string' | 'number' | 'true' | 'object' | 'array';
const KINDS: Record<string, Kind> = {
  jobId: 'string',
  reason: 'string',
  projectPath: 'string',
  circuit: 'string',
  scope: 'string',
  to: 'string',
  quality: 'string',
  priority: 'number',
  demo: 'true',
  project: 'object',
  shotIds: 'array',
  patch: 'object',
  rules: 'array',
};

const REQUIRED: Partial<Record<CommandType, string[]>> = {
  cancel: ['jobId'],
  retry: ['jobId'],
  pauseJob: ['jobId'],
  resumeJob: ['jobId'],
  setPriority: ['jobId', 'priority'],
  move: ['jobId', 'to'],
  configureCircuit: ['circuit', 'patch'],
  setChaos: ['rules'],
  // enqueue: its one source (demo, projectPath or project), handled below
};

/** A value the field's schema never accepts, whatever its limits. */
function wrongType(kind: Kind): fc.Arbitrary<unknown> {
  const json = fc.jsonValue({ maxDepth: 2 });
  switch (kind) {
    case 'string':
      return fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.string(), { maxLength: 3 }), fc.dictionary(fc.string(), json, { maxKeys: 3 }));
    case 'number':
      return fc.oneof(fc.string(), fc.constantFrom('5', '1e3', 'NaN', 'Infinity', '-0'), fc.boolean(), fc.constant(null), fc.array(fc.integer(), { maxLength: 3 }), fc.dictionary(fc.string(), json, { maxKeys: 3 }));
    case 'true':
      return fc.oneof(fc.constantFrom(false, 'true', 1, 0, null), fc.array(fc.boolean(), { maxLength: 2 }), fc.dictionary(fc.string(), json, { maxKeys: 2 }));
    case 'object':
      return fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null), fc.array(json, { maxLength: 3 }));
    case 'array':
      return fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null), fc.dictionary(fc.string(), json, { maxKeys: 3 }));
  }
}

/** An out-of-range or ill-formed value of the right type, for the fields that have limits. */
function outOfRange(key: string, ctx: FuzzContext): fc.Arbitrary<unknown> | undefined {
  const text = anyText(ctx.hostilePaths);
  switch (key) {
    case 'priority':
      return fc.oneof(fc.integer({ min: 101, max: 2 ** 40 }), fc.integer({ min: -(2 ** 40), max: -101 }), fc.constantFrom(0.5, -1.25, 1e308, -1e308, 2 ** 53 + 2));
    case 'jobId':
      return text.filter((s) => !JOB_ID.test(s));
    case 'reason':
      return fc.integer({ min: 501, max: 20_000 }).map((n) => "'; rm -rf / #".repeat(Math.ceil(n / 13)).slice(0, n));
    case 'projectPath':
      return fc.oneof(fc.constant(''), fc.integer({ min: 4097, max: 20_000 }).map((n) => '../'.repeat(Math.ceil(n / 3)).slice(0, n)));
    case 'scope':
    case 'to':
    case 'quality':
      return text.filter((s) => !['immediate', 'after_current', 'top', 'up', 'down', 'bottom', ...QUALITIES].includes(s));
    case 'circuit':
      return text.filter((s) => !/^[a-z][a-z0-9_]{0,62}$/.test(s));
    case 'shotIds':
      return fc.oneof(
        fc.array(text.filter((s) => !SAFE_NAME.test(s)), { minLength: 1, maxLength: 3 }),
        fc.integer({ min: 501, max: 800 }).map((n) => Array.from({ length: n }, (_, i) => `s${i}`)),
      );
    case 'patch':
      return fc.oneof(
        extraKey.filter((k) => !PATCH_KEYS.includes(k)).map((k) => withKey({}, k, 1)),
        fc.constantFrom('failureThreshold', 'timeoutMs', 'maxConcurrent').chain((k) => wrongType('number').map((v) => ({ [k]: v }))),
      );
    case 'rules':
      return fc.oneof(
        fc.constant(STAGES.flatMap((stage) => [{ stage, mode: 'fail' }])).map((r) => [...r, { stage: 'export', mode: 'slow' }]),
        fc.record({ stage: text.filter((s) => !(STAGES as readonly string[]).includes(s)), mode: fc.constantFrom(...CHAOS_MODES) }).map((r) => [r]),
        fc.record({ stage: fc.constantFrom(...STAGES), mode: text.filter((s) => !(CHAOS_MODES as readonly string[]).includes(s)) }).map((r) => [r]),
        fc.record({ stage: fc.constantFrom(...STAGES), mode: fc.constantFrom(...CHAOS_MODES), times: fc.constantFrom(0, -1, 1001, 1.5, 1e308) }).map((r) => [r]),
      );
    default:
      return undefined;
  }
}

/** Breaks one field deep inside an inline project; the refusal must name the path to it. */
function projectMutation(ctx: FuzzContext): fc.Arbitrary<{ project: unknown; mentions: string }> {
  const text = anyText(ctx.hostilePaths);
  return fc.tuple(projectArb(), fc.nat()).chain(([project, pick]) => {
    const s = pick % project.shots.length;
    const shot = project.shots[s]!;
    const at = `project.shots[${s}]`;
    const withShot = (change: Record<string, unknown>) => ({ ...project, shots: project.shots.map((x, i) => (i === s ? { ...x, ...change } : x)) });
    return fc.oneof(
      text.filter((v) => !SAFE_NAME.test(v)).map((id) => ({ project: withShot({ id }), mentions: `${at}.id` })),
      text.filter((v) => !SAFE_NAME.test(v)).map((name) => ({ project: withShot({ export: { format: 'mp4', name } }), mentions: `${at}.export.name` })),
      text.filter((v) => !/^#[0-9a-fA-F]{6}$/.test(v)).map((color) => ({ project: withShot({ keyframes: [{ generator: 'color', color }] }), mentions: `${at}.keyframes[0]` })),
      // An inline project may not point at files on the host at all.
      fc.constantFrom(...ctx.hostilePaths.filter((p) => p.length > 0 && p.length <= 512), 'frames/key.png').map((image) => ({ project: withShot({ keyframes: [{ image }] }), mentions: `${at}.keyframes` })),
      fc.constantFrom(0, -1, 1e308, 601, 0.01).map((duration) => ({ project: withShot({ duration }), mentions: `${at}.duration` })),
      fc.constantFrom(15, 0, -2, 7682, 1e9).map((width) => ({ project: withShot({ resolution: { width, height: 54 } }), mentions: `${at}.resolution.width` })),
      fc.constantFrom('', 'x'.repeat(201)).map((name) => ({ project: { ...project, name }, mentions: 'project.name' })),
      fc.constantFrom(0, 2, '1', null).map((version) => ({ project: { ...project, version }, mentions: 'project.version' })),
      fc.constant({ project: { ...project, shots: [...project.shots, { ...shot }] }, mentions: 'project.shots' }),
      fc.constant({ project: { ...project, shots: [] }, mentions: 'project.shots' }),
      fc.constant({ project: withShot({ title: 't'.repeat(201) }), mentions: `${at}.title` }),
    );
  });
}

const PATCH_KEYS = ['failureThreshold', 'recoveryTimeoutMs', 'successThreshold', 'timeoutMs', 'maxConcurrent', 'halfOpenMaxProbes', 'abandonAfterMs'];
const KNOWN_KEYS = new Set(['type', ...Object.keys(KINDS)]);
const extraKey = fc.oneof(
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'id', 'command', 'jobIds', 'Type', 'type ', ''),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 12 }),
).filter((k) => !KNOWN_KEYS.has(k));

/** Sets an own, enumerable key even when it is "__proto__" (an assignment would change the prototype). */
function withKey(target: Record<string, unknown>, key: string, value: unknown): Record<string, unknown> {
  const out = { ...target };
  Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  return out;
}

/** A valid command with exactly one thing wrong, and the field the refusal must name. */
export function invalidCommand(ctx: FuzzContext): fc.Arbitrary<Probe> {
  const text = anyText(ctx.hostilePaths);
  return fc.oneof(
    { weight: 6, arbitrary: validCommand(ctx).chain((valid) => mutate(valid, ctx)) },
    { weight: 2, arbitrary: projectMutation(ctx).map(({ project, mentions }) => ({ command: { type: 'enqueue', project }, expect: { kind: 'invalid' as const, mentions }, label: 'enqueue: bad project' })) },
    {
      weight: 1,
      arbitrary: fc
        .oneof(text.filter((t) => !(COMMAND_TYPES as readonly string[]).includes(t)), fc.integer(), fc.constant(null), fc.constant(undefined))
        .map((type) => ({ command: type === undefined ? { jobId: 'x' } : { type }, expect: { kind: 'invalid' as const, mentions: /unknown command type/ }, label: 'unknown type' })),
    },
  );
}

function mutate(valid: Valid, ctx: FuzzContext): fc.Arbitrary<Probe> {
  const type = valid.type as CommandType;
  const keys = Object.keys(valid).filter((k) => k !== 'type' && KINDS[k] !== undefined);
  const options: fc.Arbitrary<Probe>[] = [
    extraKey.chain((key) =>
      fc.jsonValue({ maxDepth: 2 }).map((value) => ({ command: withKey(valid, key, value), expect: { kind: 'invalid' as const, mentions: key }, label: `${type}: extra field` })),
    ),
  ];
  if (keys.length) {
    options.push(
      fc.constantFrom(...keys).chain((key) =>
        wrongType(KINDS[key]!).map((value) => ({ command: { ...valid, [key]: value }, expect: { kind: 'invalid' as const, mentions: key }, label: `${type}: ${key} wrong type` })),
      ),
    );
    const ranged = keys.filter((k) => outOfRange(k, ctx) !== undefined);
    if (ranged.length) {
      options.push(
        fc.constantFrom(...ranged).chain((key) =>
          outOfRange(key, ctx)!.map((value) => ({ command: { ...valid, [key]: value }, expect: { kind: 'invalid' as const, mentions: key }, label: `${type}: ${key} out of range` })),
        ),
      );
    }
  }
  const required = type === 'enqueue' ? keys.filter((k) => ['demo', 'projectPath', 'project'].includes(k)) : (REQUIRED[type] ?? []);
  if (required.length) {
    options.push(
      fc.constantFrom(...required).map((key) => {
        const { [key]: _dropped, ...rest } = valid;
        return { command: rest, expect: { kind: 'invalid' as const, mentions: key }, label: `${type}: ${key} missing` };
      }),
    );
  }
  return fc.oneof(...options);
}

/** Probes print short in fast-check's reports: a command thousands of levels deep would overflow its printer. */
function printable(probe: Probe): Probe {
  Object.defineProperty(probe, fc.toStringMethod, { value: () => `${probe.label}: ${(JSON.stringify(probe.command) ?? String(probe.command)).slice(0, 400)}`, enumerable: false });
  return probe;
}

/** Anything a client might send as a command: mostly valid, many near-valid, some not a command at all. */
export function anyCommand(ctx: FuzzContext): fc.Arbitrary<Probe> {
  return anyProbe(ctx).map(printable);
}

function anyProbe(ctx: FuzzContext): fc.Arbitrary<Probe> {
  return fc.oneof(
    { weight: 4, arbitrary: validCommand(ctx).map((command) => ({ command, expect: { kind: 'answer' as const }, label: `${command.type}: valid` })) },
    { weight: 6, arbitrary: invalidCommand(ctx) },
    {
      weight: 1,
      arbitrary: fc.oneof(fc.jsonValue({ maxDepth: 3 }), deepNesting()).map((command) => ({ command, expect: { kind: 'answer' as const }, label: 'any JSON' })),
    },
  );
}

/** A value nested thousands of levels deep, in arrays or objects, with a command's type at the bottom. */
export function deepNesting(maxDepth = 1_000): fc.Arbitrary<unknown> {
  return fc.tuple(fc.integer({ min: 100, max: maxDepth }), fc.boolean()).map(([depth, arrays]) => {
    let value: unknown = { type: 'snapshot' };
    for (let i = 0; i < depth; i++) value = arrays ? [value] : { type: 'enqueue', project: value };
    return value;
  });
}

// ── one text, every field ──

export interface TextSlot {
  field: string;
  /** The command carrying `text` in this field, and what its answer must be. */
  probe(text: string, ctx: FuzzContext): Probe;
}

const within = (text: string, min: number, max: number) => text.length >= min && text.length <= max;

/** Every field a client can put text in; each one says how text it must accept or refuse is answered. */
export const TEXT_SLOTS: TextSlot[] = [
  {
    field: 'projectPath',
    // No hostile path names a valid project, so every one must be refused, and never quoted.
    probe: (text) => ({ command: { type: 'enqueue', projectPath: text }, expect: within(text, 1, 4096) ? { kind: 'refused' } : { kind: 'invalid', mentions: 'projectPath' }, label: 'enqueue: projectPath' }),
  },
  { field: 'project.name', probe: (text) => inline({ name: text }, {}, within(text, 1, 200) ? { kind: 'accepted' } : { kind: 'invalid', mentions: 'project.name' }, 'project name') },
  { field: 'title', probe: (text) => inline({}, { title: text }, within(text, 0, 200) ? { kind: 'accepted' } : { kind: 'invalid', mentions: 'project.shots[0].title' }, 'shot title') },
  { field: 'shot id', probe: (text) => inline({}, { id: text }, SAFE_NAME.test(text) ? { kind: 'accepted' } : { kind: 'invalid', mentions: 'project.shots[0].id' }, 'shot id') },
  {
    field: 'export.name',
    probe: (text) => inline({}, { export: { format: 'mp4', name: text } }, SAFE_NAME.test(text) ? { kind: 'accepted' } : { kind: 'invalid', mentions: 'project.shots[0].export.name' }, 'export name'),
  },
  {
    field: 'color',
    probe: (text) => inline({}, { keyframes: [{ generator: 'color', color: text }] }, /^#[0-9a-fA-F]{6}$/.test(text) ? { kind: 'accepted' } : { kind: 'invalid', mentions: 'project.shots[0].keyframes[0]' }, 'colour'),
  },
  {
    field: 'image',
    probe: (text) => inline({}, { keyframes: [{ image: text }] }, { kind: 'invalid', mentions: 'project.shots[0].keyframes' }, 'inline image'),
  },
  {
    field: 'shotIds',
    probe: (text, ctx) => ({
      command: { type: 'enqueue', projectPath: ctx.projectPaths[0], shotIds: [text] },
      expect: ['g1', 'g2'].includes(text) ? { kind: 'accepted' } : SAFE_NAME.test(text) ? { kind: 'refused' } : { kind: 'invalid', mentions: 'shotIds' },
      label: 'enqueue: shotIds',
    }),
  },
  { field: 'jobId', probe: (text) => ({ command: { type: 'cancel', jobId: text }, expect: JOB_ID.test(text) ? { kind: 'refused' } : { kind: 'invalid', mentions: 'jobId' }, label: 'cancel: jobId' }) },
  { field: 'reason', probe: (text) => ({ command: { type: 'reset', reason: text }, expect: within(text, 0, 500) ? { kind: 'accepted' } : { kind: 'invalid', mentions: 'reason' }, label: 'reset: reason' }) },
  {
    field: 'stop reason',
    probe: (text) => ({ command: { type: 'emergencyStop', scope: 'after_current', reason: text }, expect: within(text, 0, 500) ? { kind: 'accepted' } : { kind: 'invalid', mentions: 'reason' }, label: 'emergencyStop: reason' }),
  },
  {
    field: 'circuit',
    probe: (text, ctx) => ({
      command: { type: 'configureCircuit', circuit: text, patch: { timeoutMs: 60_000 } },
      expect: ctx.circuitNames.includes(text) ? { kind: 'accepted' } : /^[a-z][a-z0-9_]{0,62}$/.test(text) ? { kind: 'refused' } : { kind: 'invalid', mentions: 'circuit' },
      label: 'configureCircuit: circuit',
    }),
  },
  {
    field: 'chaos stage',
    probe: (text) => ({
      command: { type: 'setChaos', rules: [{ stage: text, mode: 'fail' }] },
      expect: (STAGES as readonly string[]).includes(text) ? { kind: 'accepted' } : { kind: 'invalid', mentions: 'rules[0].stage' },
      label: 'setChaos: stage',
    }),
  },
  { field: 'move to', probe: (text) => ({ command: { type: 'move', jobId: 'nojob', to: text }, expect: ['top', 'up', 'down', 'bottom'].includes(text) ? { kind: 'refused' } : { kind: 'invalid', mentions: 'to' }, label: 'move: to' }) },
  {
    field: 'quality',
    probe: (text, ctx) => ({
      command: { type: 'enqueue', projectPath: ctx.projectPaths[0], quality: text },
      expect: (QUALITIES as readonly string[]).includes(text) ? { kind: 'accepted' } : { kind: 'invalid', mentions: 'quality' },
      label: 'enqueue: quality',
    }),
  },
];

function inline(project: Record<string, unknown>, shot: Record<string, unknown>, expect: Expectation, label: string): Probe {
  const base = tinyShot();
  return printable({ command: { type: 'enqueue', project: { version: 1, name: 'fuzz', quality: 'draft', shots: [{ ...base, ...shot }], ...project } }, expect, label: `enqueue: ${label}` });
}

function tinyShot() {
  return { id: 'shot', duration: 0.5, fps: 12, resolution: { width: 96, height: 54 }, keyframes: [{ generator: 'testsrc2' }], interpolation: { method: 'blend', sourceFps: 6 } };
}
