/**
 * Every Electron IPC channel between the main process and the preload, and which way it runs. Both
 * sides import this one map (the preload's bundle inlines it: a sandboxed preload cannot import at
 * run time), so a channel cannot be renamed on one side only; test/electron/channel-parity.test.ts
 * checks that each channel is used at both ends, and that no channel is spelled out anywhere else.
 */
export const IPC_CHANNELS = {
  /** The page's command (invoke), answered with a CommandReply. */
  command: 'studio:command',
  /** The page asks for its event port, once per page load. */
  subscribe: 'studio:subscribe',
  /** Carries the MessagePort that event batches then arrive on. */
  events: 'studio:events',
  /** A circuit the window should show: its notification was clicked. */
  focusCircuit: 'studio:focus-circuit',
  /** The page asks for the native open dialog; answered with the pictures kept (or refused). */
  pickImages: 'studio:pick-images',
} as const;

export type IpcChannel = keyof typeof IPC_CHANNELS;

/**
 * Who starts each exchange: `invoke` (the page invokes, main handles), `to-main` (the page sends, main
 * listens), `to-page` (main sends or posts, the page listens).
 */
export const IPC_DIRECTIONS: Readonly<Record<IpcChannel, 'invoke' | 'to-main' | 'to-page'>> = {
  command: 'invoke',
  subscribe: 'to-main',
  events: 'to-page',
  focusCircuit: 'to-page',
  pickImages: 'invoke',
};
