/**
 * shell/ holds the desktop's decisions as plain code: it sits below the transport (which asks it
 * whether a sender is trusted) and knows nothing of Electron, the host or the transport.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const shellDir = join(import.meta.dirname, '../../src-main/shell');
const FORBIDDEN = /from\s+['"](electron|\.\.\/(transport|host|electron)\/[^'"]*)['"]/;

describe('src-main/shell imports', () => {
  it('imports nothing from electron, the host or the transport', () => {
    const files = readdirSync(shellDir).filter((f) => f.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(3);
    const offending = files.flatMap((file) =>
      readFileSync(join(shellDir, file), 'utf8')
        .split('\n')
        .filter((line) => FORBIDDEN.test(line))
        .map((line) => `${file}: ${line.trim()}`),
    );
    expect(offending).toEqual([]);
  });
});
