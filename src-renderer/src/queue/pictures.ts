/**
 * Bringing pictures to the studio from the window: in a browser each file is uploaded to serve
 * mode's POST /api/assets (the page's cookie carries the token); on the desktop the preload's
 * native dialog picks and imports them. Either way the host checks each one and answers its id,
 * size and thumbnail, or why it refused it.
 */
import type { PickedPicture, UploadedPicture } from '../../../src-preload/contract.ts';

export type PictureOutcome = UploadedPicture | { name: string; problem: string };

/** Uploads one picture; never throws: a refusal or a lost connection comes back as a problem. */
export async function uploadPicture(file: File): Promise<PictureOutcome> {
  const body = new FormData();
  body.append('picture', file, file.name);
  try {
    const response = await fetch('/api/assets', { method: 'POST', body, credentials: 'same-origin' });
    const reply = (await response.json().catch(() => null)) as { ok: true; result: UploadedPicture[] } | { ok: false; error: { message: string } } | null;
    if (reply?.ok && reply.result[0]) return reply.result[0];
    if (reply && !reply.ok) return { name: file.name, problem: reply.error.message };
    return { name: file.name, problem: `${file.name} was not uploaded (the studio answered ${response.status})` };
  } catch (error) {
    return { name: file.name, problem: `${file.name} was not uploaded: ${error instanceof Error ? error.message : String(error)}` };
  }
}

/** Uploads each picture at once, in order; the answers come in the order given. */
export function uploadPictures(files: readonly File[]): Promise<PictureOutcome[]> {
  return Promise.all(files.map(uploadPicture));
}

/** The desktop's open dialog, when there is one (the preload's pickImages). */
export function desktopPicker(): (() => Promise<PickedPicture[]>) | undefined {
  const studio = window.studio;
  return studio?.pickImages ? () => studio.pickImages!() : undefined;
}

export const isRefused = (outcome: PictureOutcome): outcome is { name: string; problem: string } => 'problem' in outcome;
