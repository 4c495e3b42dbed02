/**
 * Valid project files and the ways a file on disk goes bad: flipped bytes, a save cut short,
 * duplicated keys, values swapped for other JSON, nesting far deeper than any project, numbers JSON
 * cannot hold, other encodings (UTF-16, Latin-1, a BOM, NUL bytes), and files over the size cap.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { demoProjectPath, tinyProject } from '../host/helpers.ts';

export interface Source {
  name: string;
  text: string;
}

/** Projects that load: the demo as shipped, a compact one, a pretty-printed one with CRLF and non-ASCII text. */
export function validSources(): Source[] {
  const wide = {
    ...tinyProject(['a', 'b', 'c', 'd']),
    name: 'Café — ünïcödé 😀',
    shots: tinyProject(['a', 'b', 'c', 'd']).shots.map((shot, i) => ({ ...shot, title: `plan n°${i} « ${'é'.repeat(i)} »`, camera: { movement: 'zoom', easing: 'linear' }, export: { format: 'webm', name: `out_${i}` } })),
  };
  return [
    { name: 'demo', text: readFileSync(demoProjectPath, 'utf8') },
    { name: 'tiny', text: JSON.stringify(tinyProject(['x', 'y'])) },
    { name: 'wide-crlf', text: JSON.stringify(wide, null, 2).replace(/\n/g, '\r\n') },
  ];
}

export type Corruption = { label: string; apply: (text: string) => Buffer };

const MARKER = '@@corruption@@';

/** Every object in a parsed value, with a way to reach it. */
function objects(value: unknown, out: Record<string, unknown>[] = []): Record<string, unknown>[] {
  if (Array.isArray(value)) value.forEach((v) => objects(v, out));
  else if (value !== null && typeof value === 'object') {
    out.push(value as Record<string, unknown>);
    Object.values(value).forEach((v) => objects(v, out));
  }
  return out;
}

/** The text with one randomly chosen value of one object replaced by `replacement` text. */
function replaceValue(text: string, pick: number, keyPick: number, replacement: string): Buffer {
  const json = JSON.parse(text.replace(/^\uFEFF/, '')) as unknown;
  const all = objects(json);
  const target = all[pick % all.length]!;
  const keys = Object.keys(target);
  if (keys.length === 0) return Buffer.from(text);
  target[keys[keyPick % keys.length]!] = MARKER;
  return Buffer.from(JSON.stringify(json, null, 1).replace(`"${MARKER}"`, replacement));
}

const fraction = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });

export function corruption(): fc.Arbitrary<Corruption> {
  return fc.oneof(
    fc.array(fc.tuple(fraction, fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 8 }).map((flips) => ({
      label: `${flips.length} byte flip(s)`,
      apply: (text: string) => {
        const bytes = Buffer.from(text);
        for (const [at, mask] of flips) bytes[Math.floor(at * bytes.length)]! ^= mask;
        return bytes;
      },
    })),
    fraction.map((at) => ({ label: `cut at ${(at * 100).toFixed(0)}%`, apply: (text: string) => Buffer.from(text).subarray(0, Math.floor(at * Buffer.byteLength(text))) })),
    fc.tuple(fc.nat(), fc.nat(), fc.jsonValue({ maxDepth: 2 })).map(([pick, keyPick, value]) => ({
      label: 'duplicated key',
      apply: (text: string) => {
        // The duplicate comes last, so it is the one JSON.parse keeps.
        const json = JSON.parse(text.replace(/^\uFEFF/, '')) as unknown;
        const all = objects(json);
        const target = all[pick % all.length]!;
        const keys = Object.keys(target);
        if (keys.length === 0) return Buffer.from(text);
        const key = keys[keyPick % keys.length]!;
        target[MARKER] = value;
        return Buffer.from(JSON.stringify(json).replace(`"${MARKER}"`, JSON.stringify(key)));
      },
    })),
    fc.tuple(fc.nat(), fc.nat(), fc.jsonValue({ maxDepth: 3 })).map(([pick, keyPick, value]) => ({
      label: `value swapped for ${JSON.stringify(value).slice(0, 30)}`,
      apply: (text: string) => replaceValue(text, pick, keyPick, JSON.stringify(value)),
    })),
    fc.tuple(fc.nat(), fc.nat(), fc.integer({ min: 1_000, max: 50_000 }), fc.boolean()).map(([pick, keyPick, depth, arrays]) => ({
      label: `nested ${depth} deep`,
      apply: (text: string) => replaceValue(text, pick, keyPick, arrays ? `${'['.repeat(depth)}${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}0${'}'.repeat(depth)}`),
    })),
    fc
      .tuple(fc.nat(), fc.nat(), fc.constantFrom('1e308', '1e999', '-1e999', '123456789012345678901234567890', '1e-400', '-0', '4.9e-324', '9007199254740993', '0.30000000000000004'))
      .map(([pick, keyPick, number]) => ({ label: `number ${number}`, apply: (text: string) => replaceValue(text, pick, keyPick, number) })),
    fc.constantFrom<Corruption>(
      { label: 'UTF-16LE with BOM', apply: (text) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]) },
      { label: 'UTF-16BE with BOM', apply: (text) => Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(text, 'utf16le').swap16()]) },
      { label: 'UTF-8 BOM', apply: (text) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]) },
      { label: 'Latin-1', apply: (text) => Buffer.from(text, 'latin1') },
      { label: 'NUL bytes', apply: (text) => Buffer.from(text.replace(/,/g, ',\u0000')) },
      {
        label: 'invalid UTF-8 in a string',
        apply: (text) => {
          const match = /"name": ?"/.exec(text);
          const at = match ? Buffer.byteLength(text.slice(0, match.index + match[0].length)) : 0;
          const bytes = Buffer.from(text);
          return Buffer.concat([bytes.subarray(0, at), Buffer.from([0xc3, 0x28, 0xff]), bytes.subarray(at)]);
        },
      },
      { label: 'over the size cap', apply: (text) => Buffer.concat([Buffer.from(text), Buffer.alloc(5 * 1024 * 1024, ' ')]) },
      { label: 'empty', apply: () => Buffer.alloc(0) },
      { label: 'an array', apply: (text) => Buffer.from(`[${text}]`) },
      { label: 'two documents', apply: (text) => Buffer.from(`${text}\n${text}`) },
    ),
  );
}
