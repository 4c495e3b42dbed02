import { type ChangeEvent, useRef, useState } from 'react';
import type { ProjectInput } from '../../../src-preload/contract.ts';
import { useSend } from '../studio-context.tsx';

/** The host reads at most this much per message (serve mode's frame limit); a project is far smaller. */
const MAX_PROJECT_BYTES = 200 * 1024;

type Outcome = { kind: 'problems'; file: string; problems: string[] } | { kind: 'queued'; text: string } | null;

/**
 * Opens a project.json from the operator's disk: read here, checked with the contract's schema,
 * and sent inline, so it works the same in a browser and in the desktop window. Problems are listed
 * by field path, and nothing is queued while there are any.
 */
export function ProjectFileButton() {
  const send = useSend();
  const input = useRef<HTMLInputElement>(null);
  const folderInput = useRef<HTMLInputElement>(null);
  const [outcome, setOutcome] = useState<Outcome>(null);

  const opened = async (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
    // Cleared, so picking the same file again (after fixing it) fires a change.
    event.target.value = '';
    if (!file) return;
    if (file.size > MAX_PROJECT_BYTES) {
      setOutcome({ kind: 'problems', file: file.name, problems: [`${file.name} is ${Math.round(file.size / 1024)} KiB; a project file may be at most ${MAX_PROJECT_BYTES / 1024} KiB`] });
      return;
    }
    // Loaded on first use: the schemas (zod) are not needed until a file is picked.
    const { checkProjectFile } = await import('./shot-form-model.ts');
    const checked = checkProjectFile(await file.text(), file.name);
    if ('problems' in checked) {
      setOutcome({ kind: 'problems', file: file.name, problems: checked.problems });
      return;
    }
    const reply = await send({ type: 'enqueue', project: checked.project as ProjectInput });
    setOutcome(reply.ok ? { kind: 'queued', text: `Queued ${checked.shots} shot${checked.shots === 1 ? '' : 's'} of "${checked.name}".` } : { kind: 'problems', file: file.name, problems: [reply.error.message] });
  };

  /** A folder: project.json and its pictures, each picture uploaded and named by its asset id. */
  const openedFolder = async (event: ChangeEvent<HTMLInputElement>) => {
    const files = [...(event.target.files ?? [])];
    event.target.value = '';
    if (files.length === 0) return;
    const [{ openProjectFolder }, { uploadPicture }] = await Promise.all([import('./project-folder.ts'), import('./pictures.ts')]);
    const folder = files.map((file) => ({ path: file.webkitRelativePath || file.name, file }));
    const name = folder[0]!.path.split('/')[0] ?? 'the folder';
    const checked = await openProjectFolder(folder, (file) => file.text(), (file) => uploadPicture(file));
    if ('problems' in checked) {
      setOutcome({ kind: 'problems', file: name, problems: checked.problems });
      return;
    }
    const reply = await send({ type: 'enqueue', project: checked.project as ProjectInput });
    setOutcome(reply.ok ? { kind: 'queued', text: `Queued ${checked.shots} shot${checked.shots === 1 ? '' : 's'} of "${checked.name}".` } : { kind: 'problems', file: name, problems: [reply.error.message] });
  };

  return (
    <>
      <button type="button" data-testid="open-project" onClick={() => input.current?.click()}>
        Open project file…
      </button>
      <input ref={input} type="file" accept=".json,application/json" hidden data-testid="project-file" onChange={(e) => void opened(e)} />
      <button type="button" data-testid="open-project-folder" onClick={() => folderInput.current?.click()}>
        Open project folder…
      </button>
      {/* webkitdirectory is not in React's types: set on the element itself. */}
      <input ref={(el) => void ((folderInput.current = el), el?.setAttribute('webkitdirectory', ''))} type="file" multiple hidden data-testid="project-folder" onChange={(e) => void openedFolder(e)} />
      {outcome?.kind === 'problems' ? (
        <div className="project-problems form-error-box" role="alert" data-testid="project-file-errors">
          <p>
            {outcome.file} was not queued:
            <button type="button" className="icon" aria-label="Dismiss" onClick={() => setOutcome(null)}>
              ×
            </button>
          </p>
          <ul>
            {outcome.problems.map((problem) => (
              <li key={problem}>{problem}</li>
            ))}
          </ul>
        </div>
      ) : outcome?.kind === 'queued' ? (
        <span className="form-ok" role="status" data-testid="project-file-queued">
          {outcome.text}
        </span>
      ) : null}
    </>
  );
}
