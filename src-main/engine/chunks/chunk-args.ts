/**
 * What every chunk's argument list shares: the leading flags and the checks on what goes in.
 * Chunk commands are plain argv lists (spawned without a shell), built from checked numbers,
 * enums and absolute paths only.
 */
import { isAbsolute } from 'node:path';

/** Flags every chunk run carries first: no stdin, no banner, overwrite the (temporary) output. */
export const CHUNK_GLOBAL_ARGS: readonly string[] = ['-nostdin', '-hide_banner', '-y'];

/** Seconds as plain decimal text (never exponent notation), for -ss. */
export function seconds(value: number): string {
  if (!(Number.isFinite(value) && value >= 0)) throw new RangeError(`a seek time must be a finite number of seconds ≥ 0, got ${value}`);
  return value.toFixed(6);
}

/**
 * An absolute path, refused otherwise: a relative one could read as an option ("-x") or a protocol
 * ("concat:"). Line breaks are refused too, since paths also go into concat lists.
 */
export function absolute(path: string, what: string): string {
  if (!isAbsolute(path) || /[\r\n]/.test(path)) {
    throw new RangeError(`${what} must be an absolute path without line breaks, got ${JSON.stringify(path)}`);
  }
  return path;
}

export function wholeNumber(value: number, what: string, min: number): void {
  if (!(Number.isInteger(value) && value >= min)) throw new RangeError(`${what} must be a whole number ≥ ${min}, got ${value}`);
}
