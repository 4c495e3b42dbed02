/** A chunk's argv list as a spec, so that chunk commands run through the one ffmpeg adapter. */
import { CHUNK_GLOBAL_ARGS } from '../chunks/chunk-args.ts';
import type { FfmpegInput, FfmpegSpec } from '../ffmpeg-spec.ts';
import { StageError, type StageLabel } from '../tasks.ts';

/**
 * An argv list (leading flags, then per input its options and -i, then output options and the
 * output) as a spec, so that it runs through the adapter like any stage's command. The adapter
 * adds the leading flags itself.
 */
export function specFromArgs(stage: StageLabel, args: readonly string[]): FfmpegSpec {
  const rest = args.slice(CHUNK_GLOBAL_ARGS.every((flag, i) => args[i] === flag) ? CHUNK_GLOBAL_ARGS.length : 0);
  const inputs: FfmpegInput[] = [];
  let options: string[] = [];
  let i = 0;
  for (; i < rest.length; i++) {
    if (rest[i] === '-i') {
      inputs.push({ path: rest[++i]!, options });
      options = [];
    } else {
      options.push(rest[i]!);
    }
  }
  const output = options.pop();
  if (output === undefined || inputs.length === 0) throw new StageError('invalid_task', stage, `${stage}: a chunk command needs an input and an output`);
  return { stage, inputs, output, outputOptions: options };
}

