import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lineColumn, nestingBeyond, syntaxErrorOffset } from '../../src-main/engine/json-text.ts';

const parses = (text: string) => {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
};

describe('syntaxErrorOffset', () => {
  it('agrees with JSON.parse on valid JSON and on JSON with a character changed, dropped or added', () => {
    const damaged = fc.tuple(fc.json({ maxDepth: 4 }), fc.nat(), fc.constantFrom('drop', 'swap', 'insert'), fc.constantFrom(...'{}[],:"\\0a-.e tfn\n'.split('')));
    fc.assert(
      fc.property(damaged, ([text, at, how, c]) => {
        const i = text.length === 0 ? 0 : at % text.length;
        const variant = how === 'drop' ? text.slice(0, i) + text.slice(i + 1) : how === 'swap' ? text.slice(0, i) + c + text.slice(i + 1) : text.slice(0, i) + c + text.slice(i);
        expect(syntaxErrorOffset(text)).toBe(-1);
        expect(syntaxErrorOffset(variant) === -1, variant).toBe(parses(variant));
      }),
      { numRuns: 2000 },
    );
  });

  it('points at the first character JSON cannot take', () => {
    expect(syntaxErrorOffset('{"a": one}')).toBe(6);
    expect(syntaxErrorOffset('[1, 2,]')).toBe(6);
    expect(syntaxErrorOffset('{"a": 1')).toBe(7);
    expect(syntaxErrorOffset('"tab\there"')).toBe(4);
    expect(syntaxErrorOffset('01')).toBe(1);
  });
});

describe('nestingBeyond', () => {
  it('finds the bracket that goes too deep, ignoring brackets inside strings', () => {
    expect(nestingBeyond('[[[1]]]', 3)).toBe(-1);
    expect(nestingBeyond('[[[[1]]]]', 3)).toBe(3);
    expect(nestingBeyond('["[[[[[", {"a": "\\"[[[["}]', 2)).toBe(-1);
    expect(nestingBeyond('[{"a":[{}]}]', 3)).toBe(7);
  });
});

describe('lineColumn', () => {
  it('counts lines and columns from 1', () => {
    expect(lineColumn('ab\ncd\nef', 0)).toEqual({ line: 1, column: 1 });
    expect(lineColumn('ab\ncd\nef', 4)).toEqual({ line: 2, column: 2 });
    expect(lineColumn('ab\ncd\nef', 6)).toEqual({ line: 3, column: 1 });
  });
});
