/** What enqueue accepts, checked at the door so that what getSpec reads back later is what a render accepts. */
import { QUALITIES, type Quality, type Shot, ShotSchema, describeIssues } from '../engine/model.ts';
import { QueueError } from './queue-error.ts';

export interface EnqueueItem {
  projectName: string;
  shot: Shot;
  /** The folder keyframe images are resolved in; null for projects with generated keyframes only. */
  baseDir: string | null;
  quality: Quality;
  /** Higher runs first; 0 when left out. */
  priority?: number;
  /** The shot's expected wall seconds (engine/chunks/shot-estimate.ts); null when not reckoned. */
  estimateSeconds?: number | null;
}

export function checkItem(item: EnqueueItem, index: number): Required<EnqueueItem> {
  const where = `enqueue item ${index}`;
  if (typeof item.projectName !== 'string' || item.projectName === '') throw new QueueError('invalid', `${where}: projectName must be a non-empty string`);
  if (!(QUALITIES as readonly string[]).includes(item.quality)) throw new QueueError('invalid', `${where}: quality must be one of ${QUALITIES.join(', ')}`);
  if (item.baseDir !== null && typeof item.baseDir !== 'string') throw new QueueError('invalid', `${where}: baseDir must be a folder path or null`);
  const priority = item.priority ?? 0;
  if (!Number.isSafeInteger(priority)) throw new QueueError('invalid', `${where}: priority must be a whole number (got ${priority})`);
  const estimateSeconds = item.estimateSeconds ?? null;
  if (estimateSeconds !== null && !(Number.isFinite(estimateSeconds) && estimateSeconds >= 0)) throw new QueueError('invalid', `${where}: estimateSeconds must be a number of seconds, at least 0, or null (got ${estimateSeconds})`);
  const parsed = ShotSchema.safeParse(item.shot);
  if (!parsed.success) throw new QueueError('invalid', `${where}: the shot is not valid (${describeIssues(parsed.error, 'shot').join('; ')})`);
  return { projectName: item.projectName, shot: parsed.data, baseDir: item.baseDir, quality: item.quality, priority, estimateSeconds };
}
