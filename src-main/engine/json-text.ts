/**
 * Looking at JSON text before and after JSON.parse: how deep it nests (so pathological input is
 * refused before the parser spends the event loop on it) and where a syntax error is (V8 names no
 * position for many errors, and "Unexpected token" in a long project.json leaves a user searching).
 */

/** Nesting no command or project comes close to; anything deeper is refused unparsed. */
export const MAX_JSON_DEPTH = 32;

/**
 * The offset of the bracket that first takes nesting past `maxDepth`, or -1. One pass, brackets
 * inside strings skipped. Malformed text is left for JSON.parse to judge.
 */
export function nestingBeyond(text: string, maxDepth = MAX_JSON_DEPTH): number {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: the next character is escaped, whatever it is
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > maxDepth) return i;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return -1;
}

/** 1-based line and column of an offset, as editors count them. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 0x0a) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

class SyntaxAt {
  readonly offset: number;
  constructor(offset: number) {
    this.offset = offset;
  }
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const HEX4 = /^[0-9a-fA-F]{4}$/;

/**
 * The offset of the first character a JSON parser cannot accept (text.length for a premature end),
 * or -1 when the text is valid JSON. Only for error messages, after JSON.parse has failed; call it
 * on text whose nesting `nestingBeyond` has bounded, since it recurses per level.
 */
export function syntaxErrorOffset(text: string): number {
  let i = 0;
  const space = () => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
  };
  const expect = (c: string) => {
    if (text[i] !== c) throw new SyntaxAt(i);
    i++;
  };
  const string = () => {
    expect('"');
    for (;;) {
      const c = text[i];
      if (c === undefined || c < ' ') throw new SyntaxAt(i);
      if (c === '"') break;
      if (c === '\\') {
        const next = text[i + 1];
        if (next !== undefined && '"\\/bfnrt'.includes(next)) i += 2;
        else if (next === 'u' && HEX4.test(text.slice(i + 2, i + 6))) i += 6;
        else throw new SyntaxAt(i + 1);
      } else {
        i++;
      }
    }
    i++;
  };
  const list = (close: string, item: () => void) => {
    i++;
    space();
    if (text[i] === close) {
      i++;
      return;
    }
    for (;;) {
      item();
      space();
      if (text[i] === close) {
        i++;
        return;
      }
      expect(',');
    }
  };
  const value = (): void => {
    space();
    const c = text[i];
    if (c === '{') {
      list('}', () => {
        space();
        string();
        space();
        expect(':');
        value();
      });
    } else if (c === '[') {
      list(']', value);
    } else if (c === '"') {
      string();
    } else {
      const word = ['true', 'false', 'null'].find((w) => text.startsWith(w, i));
      if (word) {
        i += word.length;
        return;
      }
      NUMBER.lastIndex = i;
      if (!NUMBER.test(text)) throw new SyntaxAt(i);
      i = NUMBER.lastIndex;
    }
  };
  try {
    value();
    space();
    if (i < text.length) throw new SyntaxAt(i);
    return -1;
  } catch (error) {
    if (error instanceof SyntaxAt) return error.offset;
    throw error;
  }
}
