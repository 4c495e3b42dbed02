/**
 * How a door names a finished render. The host answers `jobDetail` with the output as a file of the
 * job's render folder; each door fills in the URL the window loads it from (serve mode: its own
 * /media/ route; the desktop app: the storycore-media: protocol), so the renderer never builds one.
 */
import type { CommandReply, JobDetail } from '../../src-preload/contract.ts';
import type { StudioPort } from './studio-port.ts';

/** Serve mode's media route. Each segment is encoded, so a name can never add a path level. */
export const MEDIA_ROUTE = '/media/render/';

export function serveMediaUrl(jobId: string, file: string): string {
  return MEDIA_ROUTE + [jobId, ...file.split('/')].map(encodeURIComponent).join('/');
}

/** The same studio, with each jobDetail answer's media URL filled in by `urlOf`. */
export function withMediaUrls(studio: StudioPort, urlOf: (jobId: string, file: string) => string): StudioPort {
  return {
    async execute(command, actor) {
      const reply = await studio.execute(command, actor);
      if (!reply.ok || (command as { type?: unknown } | null)?.type !== 'jobDetail') return reply;
      return withUrl(reply, urlOf);
    },
    subscribe: (listener, options) => studio.subscribe(listener, options),
    circuitStats: () => studio.circuitStats(),
    queueCounts: () => studio.queueCounts(),
    retryStats: () => studio.retryStats?.() ?? {},
    mediaRoots: () => studio.mediaRoots?.() ?? [],
    ...(studio.assetStore ? { assetStore: () => studio.assetStore!() } : {}),
    ...(studio.nodes ? { nodes: studio.nodes } : {}),
  };
}

function withUrl(reply: Extract<CommandReply, { ok: true }>, urlOf: (jobId: string, file: string) => string): CommandReply {
  const detail = reply.result as JobDetail;
  if (!detail?.media) return reply;
  return { ok: true, result: { ...detail, media: { ...detail.media, url: urlOf(detail.job.id, detail.media.file) } } };
}
