import { type DragEvent, useRef, useState } from 'react';
import { type Shot, type UploadedPicture, cameraPath, smallSourceWarning } from '../../../src-preload/contract.ts';
import { desktopPicker, uploadPicture } from './pictures.ts';
import './pictures.css';

/** A picture in the form's list: on its way up, kept by the host, or refused with why. */
export type PictureItem = { key: string; name: string } & ({ state: 'uploading' } | { state: 'ready'; picture: UploadedPicture } | { state: 'refused'; problem: string });
type SetItems = (update: (items: PictureItem[]) => PictureItem[]) => void;

let nextKey = 0;

/** The pictures the host kept, in order: the shot's keyframes. */
export const readyPictures = (items: readonly PictureItem[]): UploadedPicture[] => items.flatMap((i) => (i.state === 'ready' ? [i.picture] : []));

/**
 * The shot's keyframes as pictures: chosen (the desktop's own dialog, or the browser's file
 * picker) or dropped, each uploaded at once and shown with its thumbnail, its warning if it is much
 * smaller than the shot, and buttons to move or remove it. Without pictures the form's generator
 * makes the keyframes.
 */
export function KeyframePictures({ items, setItems, shot, error }: { items: PictureItem[]; setItems: SetItems; shot: { width: number; height: number }; error: string | undefined }) {
  const input = useRef<HTMLInputElement>(null);
  const [dragging, setDragging] = useState(false);
  const picker = desktopPicker();

  const replace = (key: string, item: PictureItem) => setItems((list) => list.map((i) => (i.key === key ? item : i)));
  const add = (files: readonly File[]) => {
    const added = files.map((file) => ({ key: `picture-${++nextKey}`, name: file.name, state: 'uploading' as const, file }));
    setItems((list) => [...list, ...added.map(({ file: _file, ...item }) => item)]);
    for (const { key, name, file } of added) {
      void uploadPicture(file).then((outcome) => replace(key, 'problem' in outcome ? { key, name, state: 'refused', problem: outcome.problem } : { key, name, state: 'ready', picture: outcome }));
    }
  };
  const choose = async () => {
    if (!picker) return input.current?.click();
    const picked = await picker();
    setItems((list) => [...list, ...picked.map((p): PictureItem => ({ key: `picture-${++nextKey}`, name: p.name, ...('problem' in p ? { state: 'refused' as const, problem: p.problem } : { state: 'ready' as const, picture: p }) }))]);
  };
  const move = (index: number, by: number) =>
    setItems((list) => {
      const next = [...list];
      const [item] = next.splice(index, 1);
      next.splice(Math.max(0, Math.min(next.length, index + by)), 0, item!);
      return next;
    });
  const drop = (event: DragEvent) => {
    event.preventDefault();
    setDragging(false);
    add([...event.dataTransfer.files]);
  };

  return (
    <div className={`pictures${dragging ? ' pictures-dragging' : ''}${error ? ' field-invalid' : ''}`} data-testid="shot-pictures" onDragOver={(e) => (e.preventDefault(), setDragging(true))} onDragLeave={() => setDragging(false)} onDrop={drop}>
      <div className="pictures-head">
        <button type="button" data-testid="choose-pictures" onClick={() => void choose()}>
          Choose pictures…
        </button>
        <small>or drop them here; without pictures the generator below makes the keyframes</small>
        <input ref={input} type="file" accept="image/png,image/jpeg,image/webp,image/tiff,image/bmp" multiple hidden data-testid="picture-files" onChange={(e) => (add([...(e.target.files ?? [])]), (e.target.value = ''))} />
      </div>
      {items.length > 0 ? (
        <ol className="picture-list">
          {items.map((item, index) => (
            <li key={item.key} className={`picture picture-${item.state}`} data-testid="picture" data-state={item.state}>
              {item.state === 'ready' ? <img src={item.picture.thumbnailUrl} alt={item.name} width={64} /> : <span className="picture-placeholder" aria-hidden="true" />}
              <span className="picture-text">
                <span className="picture-name">{item.name}</span>
                {item.state === 'uploading' ? <small>uploading…</small> : null}
                {item.state === 'ready' ? <small>{`${item.picture.width}×${item.picture.height}${item.picture.hasAlpha ? ', transparent areas show the background' : ''}`}</small> : null}
                {item.state === 'ready' && smallSourceWarning(item.picture, shot) ? (
                  <small className="picture-warning" data-testid="picture-warning">
                    ⚠ {smallSourceWarning(item.picture, shot)}
                  </small>
                ) : null}
                {item.state === 'refused' ? (
                  <small className="field-error" role="alert" data-testid="picture-error">
                    {item.problem}
                  </small>
                ) : null}
              </span>
              <span className="picture-buttons">
                <button type="button" className="icon" aria-label={`Move ${item.name} earlier`} disabled={index === 0} onClick={() => move(index, -1)}>
                  ↑
                </button>
                <button type="button" className="icon" aria-label={`Move ${item.name} later`} disabled={index === items.length - 1} onClick={() => move(index, 1)}>
                  ↓
                </button>
                <button type="button" className="icon" aria-label={`Remove ${item.name}`} data-testid="picture-remove" onClick={() => setItems((list) => list.filter((i) => i.key !== item.key))}>
                  ×
                </button>
              </span>
            </li>
          ))}
        </ol>
      ) : null}
      {error ? (
        <p className="field-error" data-testid="shot-error-pictures">
          {error}
        </p>
      ) : null}
    </div>
  );
}

/** A camera position as the engine frames it: the crop window's box, in percent of the picture. */
function frameBox(position: { x: number; y: number; zoom: number }) {
  const side = 100 / position.zoom;
  const centre = (p: number) => 50 + p * (50 - side / 2);
  return { left: `${centre(position.x) - side / 2}%`, top: `${centre(position.y) - side / 2}%`, width: `${side}%`, height: `${side}%` };
}

/**
 * The start and end framing of the camera move over the first keyframe's thumbnail, cropped to the
 * shot's shape as the engine crops it. Positions the schema would refuse are not drawn.
 */
export function FramingPreview({ thumbnailUrl, shot, camera }: { thumbnailUrl: string | undefined; shot: { width: number; height: number }; camera: Shot['camera'] }) {
  // Only the camera is read, so this stands in for the whole shot.
  const path = cameraPath({ camera } as Shot);
  const drawable = [path.from, path.to].every((p) => Number.isFinite(p.x) && Number.isFinite(p.y) && Number.isFinite(p.zoom) && Math.abs(p.x) <= 1 && Math.abs(p.y) <= 1 && p.zoom >= 1);
  const ratio = shot.width > 0 && shot.height > 0 ? `${shot.width} / ${shot.height}` : '16 / 9';
  return (
    <figure className="framing" data-testid="framing-preview">
      <div className="framing-frame" style={{ aspectRatio: ratio }}>
        {thumbnailUrl ? <img src={thumbnailUrl} alt="" /> : <span className="framing-empty">first keyframe</span>}
        {drawable ? (
          <>
            <span className="framing-box framing-from" data-testid="framing-from" style={frameBox(path.from)} />
            <span className="framing-box framing-to" data-testid="framing-to" style={frameBox(path.to)} />
          </>
        ) : null}
      </div>
      <figcaption>
        <span className="framing-key framing-from" /> start <span className="framing-key framing-to" /> end
      </figcaption>
    </figure>
  );
}
