/**
 * docs/PROJECT-FORMAT.md is checked against the schemas themselves: a field or enum value added
 * to the model without a line in the doc fails here, and so do drifted presets or a broken example.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { MAX_JSON_DEPTH } from '../../src-main/engine/json-text.ts';
import { MOVEMENTS, ProjectSchema, type Shot, parseProject } from '../../src-main/engine/model.ts';
import { cameraPath } from '../../src-main/engine/shot-timeline.ts';

const doc = readFileSync(fileURLToPath(new URL('../../docs/PROJECT-FORMAT.md', import.meta.url)), 'utf8');

interface Found {
  fields: Set<string>;
  values: Set<string>;
}

/** Every object key and every enum or literal value reachable from a schema, through wrappers. */
function walk(schema: z.core.$ZodType, found: Found = { fields: new Set(), values: new Set() }, seen = new Set<unknown>()): Found {
  if (seen.has(schema)) return found;
  seen.add(schema);
  const def = schema._zod.def as unknown as Record<string, unknown> & { type: string };
  const next = (s: unknown) => walk(s as z.core.$ZodType, found, seen);
  switch (def.type) {
    case 'object':
      for (const [key, value] of Object.entries(def.shape as Record<string, unknown>)) {
        found.fields.add(key);
        next(value);
      }
      break;
    case 'enum':
      for (const value of Object.values(def.entries as Record<string, string>)) found.values.add(String(value));
      break;
    case 'literal':
      for (const value of def.values as unknown[]) found.values.add(String(value));
      break;
    case 'union':
      for (const option of def.options as unknown[]) next(option);
      break;
    case 'array':
      next(def.element);
      break;
    case 'pipe':
      next(def.in);
      next(def.out);
      break;
    case 'optional':
    case 'default':
    case 'nullable':
    case 'prefault':
    case 'readonly':
      next(def.innerType);
      break;
  }
  return found;
}

describe('docs/PROJECT-FORMAT.md', () => {
  const found = walk(ProjectSchema);

  it('the walk reaches the whole model (it would pass vacuously otherwise)', () => {
    expect([...found.fields]).toEqual(expect.arrayContaining(['version', 'shots', 'keyframes', 'image', 'generator', 'seed', 'zoom', 'transitionDuration', 'format', 'width']));
    expect([...found.values]).toEqual(expect.arrayContaining(['ken_burns', 'ease_in_out', 'optical_flow', 'slideleft', 'png_sequence', 'final', 'life']));
  });

  it('names every field of every schema, in backticks', () => {
    const missing = [...found.fields].filter((field) => !doc.includes(`\`${field}\``));
    expect(missing, `fields missing from the doc: ${missing.join(', ')}`).toEqual([]);
  });

  it('names every enum value (movements, easings, methods, transitions, formats, qualities, generators), in backticks', () => {
    const missing = [...found.values].filter((value) => value !== '1' && !doc.includes(`\`${value}\``));
    expect(missing, `values missing from the doc: ${missing.join(', ')}`).toEqual([]);
  });

  it("gives each movement's preset positions as the engine has them", () => {
    for (const movement of MOVEMENTS) {
      const { from, to } = cameraPath({ camera: { movement, easing: 'linear' } } as Shot);
      const cell = (p: { x: number; y: number; zoom: number }) => [p.x, p.y, p.zoom].map((n) => String(n).replace('-', '−')).join(', ');
      expect(doc).toContain(`| \`${movement}\` | ${cell(from)} | ${cell(to)} |`);
    }
  });

  it('states the file limits the reader enforces', () => {
    expect(doc).toContain(`at most ${MAX_JSON_DEPTH} levels`);
    expect(doc).toContain('at most 5 MiB (5 × 1024 × 1024 bytes)');
  });

  it('its complete example is a valid project', () => {
    const example = /## A complete example\s+```json\n([\s\S]*?)```/.exec(doc)?.[1];
    expect(example).toBeDefined();
    const project = parseProject(JSON.parse(example!));
    expect(project.shots[0]).toMatchObject({ id: 'harbour', export: { name: 'harbour_v1' } });
  });
});
