/**
 * The worker's line to its parent, the same under Electron's utilityProcess (process.parentPort)
 * and Node's child_process.fork (process.send), so one worker file serves both hosts.
 */
export interface ParentChannel {
  readonly kind: 'utility' | 'fork';
  send(message: unknown): void;
  onMessage(listener: (message: unknown) => void): void;
}

interface ParentPortLike {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (event: { data: unknown }) => void): void;
}

export function connectToParent(): ParentChannel {
  const parentPort = (process as { parentPort?: ParentPortLike }).parentPort;
  if (parentPort) {
    return {
      kind: 'utility',
      send: (message) => parentPort.postMessage(message),
      onMessage: (listener) => parentPort.on('message', (event) => listener(event.data)),
    };
  }
  if (typeof process.send === 'function') {
    return {
      kind: 'fork',
      send: (message) => process.send?.(message),
      onMessage: (listener) => process.on('message', listener),
    };
  }
  throw new Error('worker.ts must be started by the studio (utilityProcess.fork or child_process.fork), not on its own');
}
