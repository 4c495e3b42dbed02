import '../../src-preload/contract.ts';

/** The shell of the studio window; views for circuits and the render queue arrive with the host. */
export function App() {
  const host = window.studio?.host ?? 'browser';
  return (
    <main className="app">
      <h1>StoryCore Studio</h1>
      <p className="subtitle" data-testid="host">
        Connected through: {host === 'electron' ? 'the desktop app' : 'a browser'}
      </p>
    </main>
  );
}
