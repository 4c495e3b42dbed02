/**
 * Every name the farm uses in Redis, in one place: BullMQ's queue and the keys and channel beside it.
 * BullMQ keeps its own keys under `bull:<queue>:…`; ours live under `storycore:farm:`.
 */

/** The one queue every chunk goes through. */
export const CHUNK_QUEUE = 'storycore-chunks';
/** BullMQ's default key prefix, kept: the lock key below is BullMQ's own. */
const BULL_PREFIX = 'bull';
const OURS = 'storycore:farm';

export const farmKeys = {
  /** A live node's heartbeat (JSON, expires unless renewed): its absence is the node's death. */
  node: (name: string) => `${OURS}:node:${name}`,
  nodePattern: `${OURS}:node:*`,
  /** Set when the coordinator cancels a chunk, for the node that misses the broadcast (it checks with its lock). */
  cancel: (chunkId: string) => `${OURS}:cancel:${chunkId}`,
  /** Per studio job: failures per `node|stage` (a hash), and the `node|stage` pairs blocklisted (a set). */
  failures: (job: string) => `${OURS}:failures:${job}`,
  blocklist: (job: string) => `${OURS}:blocklist:${job}`,
  /** The fleet's latched emergency stop (JSON: epoch, phase, scope, reason), written by the coordinator. */
  stop: `${OURS}:stop`,
  /** Each node's acknowledgement of the latch it applied last (a hash: node → JSON epoch, phase, at). */
  stopAcks: `${OURS}:stop:acks`,
  /** The one owner of a circuit's half-open probe across the fleet (SET NX PX). */
  probe: (circuit: string) => `${OURS}:probe:${circuit}`,
  /** BullMQ's lock of an active chunk: the token of the worker that holds it, with an expiry. */
  lock: (chunkId: string) => `${BULL_PREFIX}:${CHUNK_QUEUE}:${chunkId}:lock`,
};

/** Where the coordinator broadcasts the chunk ids it cancels. */
export const CANCEL_CHANNEL = `${OURS}:cancel`;

/** Where the coordinator broadcasts each new latch of the emergency stop. */
export const STOP_CHANNEL = `${OURS}:stop`;

/** A blocklist entry: this node fails this stage's chunks for this job. */
export const blockEntry = (node: string, stage: string) => `${node}|${stage}`;
