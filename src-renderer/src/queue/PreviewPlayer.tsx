import { useState } from 'react';
import type { JobMedia, ShotSummary } from '../../../src-preload/contract.ts';

/**
 * A done job's output: the video with the browser's own controls (keyboard operable), or the first
 * frame of a PNG sequence. Its measured duration is shown against the shot's, so a wrong export is
 * visible at a glance. The URL comes from the host, made for the door this window uses.
 */
export function PreviewPlayer({ media, spec, version }: { media: JobMedia; spec: ShotSummary | null; version: number | null }) {
  const [duration, setDuration] = useState<number | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  if (media.url === null) {
    return <p className="hint">This connection serves no previews; the output is {media.file} in the job's render folder.</p>;
  }
  // A retried job renders to the same name: the finish time keeps a cached copy of the old one from showing.
  const src = version === null ? media.url : `${media.url}?v=${version}`;
  if (media.kind === 'image') {
    return (
      <figure className="preview">
        <img src={src} alt={`First frame of ${spec?.shotId ?? 'the shot'}`} data-testid="preview-image" />
        <figcaption>First frame of the PNG sequence ({media.file}).</figcaption>
      </figure>
    );
  }
  const playable = typeof document === 'undefined' || document.createElement('video').canPlayType(media.mimeType) !== '';
  const expected = spec ? spec.frames / spec.fps : null;
  const frame = spec ? 1 / spec.fps : 0;
  return (
    <figure className="preview">
      {playable ? (
        <video
          data-testid="preview-video"
          src={src}
          controls
          preload="metadata"
          // Muted so play() is allowed without a gesture; renders have no sound anyway.
          muted
          playsInline
          width={spec?.width}
          height={spec?.height}
          onLoadedMetadata={(e) => setDuration(e.currentTarget.duration)}
          onError={() => setProblem('the video could not be loaded or decoded')}
        />
      ) : (
        <p className="form-error" data-testid="preview-unplayable">
          This window cannot play {media.mimeType} ({media.file}); open the file from the render folder in a player that can.
        </p>
      )}
      <figcaption data-testid="preview-caption">
        {media.file}
        {duration !== null && Number.isFinite(duration) ? (
          <>
            {' · '}
            <span data-testid="preview-duration">{duration.toFixed(2)} s</span>
            {expected !== null ? (Math.abs(duration - expected) <= frame + 1e-3 ? ` ✔ matches the shot (${expected.toFixed(2)} s)` : ` ✖ the shot is ${expected.toFixed(2)} s`) : null}
          </>
        ) : null}
        {problem ? <span className="form-error"> · {problem}</span> : null}
      </figcaption>
    </figure>
  );
}
