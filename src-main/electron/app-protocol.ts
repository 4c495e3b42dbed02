/**
 * The two schemes the window loads from: `storycore://app` (the built renderer) and
 * `storycore-media://` (finished renders, see media-protocol.ts). Registering them as privileged
 * must happen before the app is ready; the handlers are installed once it is.
 */
import { readFile, realpath } from 'node:fs/promises';
import { protocol } from 'electron';
import { APP_SCHEME } from '../app-info.ts';
import { contentSecurityPolicy } from '../shell/csp.ts';
import { MEDIA_SCHEME } from '../shell/media-path.ts';
import { contentTypeOf, findRendererFile } from '../transport/static-files.ts';

export function registerAppSchemes(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
    { scheme: MEDIA_SCHEME, privileges: { standard: true, secure: true, stream: true, supportFetchAPI: true } },
  ]);
}

/** Serves files of the built renderer only (the same resolver as serve mode), with the strict CSP. */
export function rendererFileServer(rendererDir: string): (request: Request) => Promise<Response> {
  return async (request) => {
    const root = await realpath(rendererDir).catch(() => null);
    const found = root === null ? null : await findRendererFile(root, new URL(request.url).pathname);
    if (found === null) return new Response('not found', { status: 404 });
    return new Response(await readFile(found.file), {
      headers: { 'content-type': contentTypeOf(found.file), 'content-security-policy': contentSecurityPolicy(), 'x-content-type-options': 'nosniff' },
    });
  };
}
