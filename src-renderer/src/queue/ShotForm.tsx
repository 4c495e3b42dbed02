import { type FormEvent, type ReactNode, useEffect, useState } from 'react';
import { EASINGS, FORMATS, GENERATORS, INTERPOLATIONS, MOVEMENTS, QUALITIES, TRANSITIONS } from '../../../src-preload/contract.ts';
import { useSend } from '../studio-context.tsx';
import { FramingPreview, KeyframePictures, type PictureItem, readyPictures } from './KeyframePictures.tsx';
import { type EstimateView, type FieldErrors, type ShotField, type ShotFormValues, buildEnqueue, buildEstimate, cameraOf, defaultShotValues, estimateView, hostErrorAt } from './shot-form-model.ts';

/** How long the form waits after the last keystroke before it asks the host for an estimate. */
const ESTIMATE_DEBOUNCE_MS = 400;

let formsOpened = 0;

/**
 * One shot, checked by the contract's own schemas before anything is sent: each problem shows at its
 * field, and nothing is queued until there are none. The host checks again, and a refusal it
 * names a field for shows at that field too.
 */
export function ShotForm({ onDone }: { onDone: () => void }) {
  const send = useSend();
  const [values, setValues] = useState<ShotFormValues>(() => defaultShotValues(++formsOpened));
  const [errors, setErrors] = useState<FieldErrors>({});
  const [busy, setBusy] = useState(false);
  const [queued, setQueued] = useState<string | null>(null);
  const [estimate, setEstimate] = useState<EstimateView | null>(null);
  const [pictureItems, setPictureItems] = useState<PictureItem[]>([]);
  const pictures = readyPictures(pictureItems);
  const uploading = pictureItems.some((p) => p.state === 'uploading');
  // Estimates are asked for quietly: a refusal shows here, at the form, not in the window's error line.
  const ask = useSend('caller');

  // The shot being edited, estimated by the host once typing pauses; an answer to an older edit is dropped.
  useEffect(() => {
    const command = buildEstimate(values, pictures);
    if (!command || uploading) {
      setEstimate(null);
      return;
    }
    let current = true;
    const timer = setTimeout(() => {
      ask(command).then(
        (reply) => current && setEstimate(estimateView(reply)),
        () => current && setEstimate(null),
      );
    }, ESTIMATE_DEBOUNCE_MS);
    return () => {
      current = false;
      clearTimeout(timer);
    };
    // Keyed on the pictures' ids, not the list: a new list of the same pictures asks nothing again.
  }, [values, ask, pictures.map((p) => p.id).join(','), uploading]);

  const set = (field: ShotField) => (value: string) => {
    setValues((v) => ({ ...v, [field]: value }));
    // The message stays until the field changes, then it is the next submit's to judge.
    if (errors[field]) setErrors((e) => ({ ...e, [field]: undefined }));
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (busy) return;
    setQueued(null);
    if (uploading) {
      setErrors({ pictures: 'wait until every picture is uploaded' });
      return;
    }
    const built = buildEnqueue(values, pictures);
    if ('errors' in built) {
      setErrors(built.errors);
      return;
    }
    setErrors({});
    setBusy(true);
    try {
      const reply = await send(built.command);
      if (!reply.ok) {
        setErrors(hostErrorAt(reply.error));
        return;
      }
      setQueued(`Queued ${values.id.trim()}.`);
      setValues(defaultShotValues(++formsOpened));
      setPictureItems([]);
    } finally {
      setBusy(false);
    }
  };

  const shotSize = { width: Number(values.width) || 0, height: Number(values.height) || 0 };
  const field = (name: ShotField, label: string, input: ReactNode) => <Field key={name} name={name} label={label} error={errors[name]} input={input} />;
  const text = (name: ShotField, props: { inputMode?: 'decimal' | 'numeric'; placeholder?: string } = {}) => (
    <input id={`shot-${name}`} data-testid={`shot-field-${name}`} value={values[name]} onChange={(e) => set(name)(e.target.value)} aria-invalid={errors[name] ? true : undefined} aria-describedby={errors[name] ? `shot-error-${name}` : undefined} {...props} />
  );
  const choice = (name: ShotField, options: readonly string[]) => (
    <select id={`shot-${name}`} data-testid={`shot-field-${name}`} value={values[name]} onChange={(e) => set(name)(e.target.value)} aria-invalid={errors[name] ? true : undefined} aria-describedby={errors[name] ? `shot-error-${name}` : undefined}>
      {options.map((o) => (
        <option key={o} value={o}>
          {o}
        </option>
      ))}
    </select>
  );

  return (
    <form className="shot-form panel" data-testid="shot-form" aria-label="Add a shot" onSubmit={submit} noValidate>
      <fieldset>
        <legend>Shot</legend>
        {field('projectName', 'Project', text('projectName'))}
        {field('id', 'Shot id', text('id'))}
        {field('title', 'Title (optional)', text('title'))}
        {field('duration', 'Duration (s)', text('duration', { inputMode: 'decimal' }))}
        {field('fps', 'Frame rate (fps)', text('fps', { inputMode: 'numeric' }))}
        {field('width', 'Width (px)', text('width', { inputMode: 'numeric' }))}
        {field('height', 'Height (px)', text('height', { inputMode: 'numeric' }))}
      </fieldset>
      <fieldset>
        <legend>Keyframes and camera</legend>
        <KeyframePictures
          items={pictureItems}
          setItems={(update) => {
            setPictureItems(update);
            if (errors.pictures) setErrors((e) => ({ ...e, pictures: undefined }));
          }}
          shot={shotSize}
          error={errors.pictures}
        />
        {field('generator', 'Generator', choice('generator', GENERATORS))}
        {field('keyframeCount', 'Keyframes', text('keyframeCount', { inputMode: 'numeric' }))}
        {field('seed', 'First seed', text('seed', { inputMode: 'numeric' }))}
        {field('color', 'Colour (optional)', text('color', { placeholder: '#3366ff' }))}
        {field('background', 'Behind transparency (optional)', text('background', { placeholder: '#000000' }))}
        {field('movement', 'Camera move', choice('movement', MOVEMENTS))}
        {field('easing', 'Easing', choice('easing', EASINGS))}
      </fieldset>
      <fieldset data-testid="camera-fields">
        <legend>Camera from → to</legend>
        <small className="field-hint">x, y from −1 to 1 about the centre; zoom from 1 (whole frame). Empty keeps the move's own.</small>
        {field('fromX', 'From x', text('fromX', { inputMode: 'decimal', placeholder: 'move' }))}
        {field('fromY', 'From y', text('fromY', { inputMode: 'decimal', placeholder: 'move' }))}
        {field('fromZoom', 'From zoom', text('fromZoom', { inputMode: 'decimal', placeholder: 'move' }))}
        {field('toX', 'To x', text('toX', { inputMode: 'decimal', placeholder: 'move' }))}
        {field('toY', 'To y', text('toY', { inputMode: 'decimal', placeholder: 'move' }))}
        {field('toZoom', 'To zoom', text('toZoom', { inputMode: 'decimal', placeholder: 'move' }))}
        <FramingPreview thumbnailUrl={pictures[0]?.thumbnailUrl} shot={shotSize} camera={cameraOf(values)} />
      </fieldset>
      <fieldset>
        <legend>Interpolation and export</legend>
        {field('method', 'Interpolation', choice('method', INTERPOLATIONS))}
        {field('sourceFps', 'Source fps', text('sourceFps', { inputMode: 'numeric' }))}
        {field('transition', 'Transition', choice('transition', TRANSITIONS))}
        {field('transitionDuration', 'Transition (s)', text('transitionDuration', { inputMode: 'decimal' }))}
        {field('format', 'Format', choice('format', FORMATS))}
        {field('quality', 'Quality', choice('quality', QUALITIES))}
        {field('priority', 'Priority', text('priority', { inputMode: 'numeric', placeholder: '−100 to 100' }))}
      </fieldset>
      <div className="shot-form-actions">
        <button type="submit" data-testid="shot-submit" disabled={busy || uploading}>
          {busy ? 'Queueing…' : 'Queue shot'}
        </button>
        <button type="button" onClick={onDone}>
          Close
        </button>
        {errors.form ? (
          <p className="form-error" role="alert" data-testid="shot-error-form">
            {errors.form}
          </p>
        ) : null}
        {Object.values(errors).some(Boolean) && !errors.form ? (
          <p className="form-error" role="alert" data-testid="shot-form-invalid">
            Nothing was queued: fix the fields marked ✖ above.
          </p>
        ) : null}
        {estimate ? (
          <p className={estimate.kind === 'refused' ? 'form-error' : 'form-estimate'} role={estimate.kind === 'refused' ? 'alert' : 'status'} data-testid="shot-estimate" data-kind={estimate.kind}>
            {estimate.text}
          </p>
        ) : null}
        {queued ? (
          <p className="form-ok" role="status" data-testid="shot-queued">
            {queued}
          </p>
        ) : null}
      </div>
    </form>
  );
}

function Field({ name, label, error, input }: { name: ShotField; label: string; error: string | undefined; input: ReactNode }) {
  return (
    <div className={`field${error ? ' field-invalid' : ''}`}>
      <label htmlFor={`shot-${name}`}>{label}</label>
      {input}
      {error ? (
        <p className="field-error" id={`shot-error-${name}`} data-testid={`shot-error-${name}`}>
          {error}
        </p>
      ) : null}
    </div>
  );
}
