/**
 * What the resource charts plot: CPU and memory per role (host, workers, ffmpeg) from the host's
 * samples. A reading the host could not take is a gap (null) and a line of text, never a zero.
 */
import type { ResourceSampleView } from '../../../src-preload/contract.ts';

/** Five minutes at the monitor's default 2 s interval. */
export const RESOURCE_POINTS = 150;

export const ROLES = ['host', 'worker', 'ffmpeg'] as const;
export type Role = (typeof ROLES)[number];

export interface ResourcePoint {
  at: number;
  /** Percent of one core, summed over the role's processes; null when none of them could be read. */
  cpu: Record<Role, number | null>;
  /** Resident memory in MiB, summed likewise. */
  memoryMiB: Record<Role, number | null>;
  /** The whole machine's CPU, percent of all cores; null when unknown. */
  machineCpu: number | null;
}

const MiB = 1024 * 1024;
const round1 = (x: number) => Math.round(x * 10) / 10;

/**
 * Sums a role's readings. No process of that role means nothing of it runs (0); processes that all
 * lack the reading mean it is unknown (null); some missing means the sum of the ones that were read.
 */
function sumFor(sample: ResourceSampleView, role: Role, read: (p: ResourceSampleView['processes'][number]) => number | null): number | null {
  const processes = sample.processes.filter((p) => p.role === role);
  if (processes.length === 0) return sample.missing ? null : 0;
  const values = processes.map(read).filter((v): v is number => v !== null);
  return values.length ? round1(values.reduce((a, b) => a + b, 0)) : null;
}

export function resourcePoint(sample: ResourceSampleView): ResourcePoint {
  const cpu = {} as Record<Role, number | null>;
  const memoryMiB = {} as Record<Role, number | null>;
  for (const role of ROLES) {
    cpu[role] = sumFor(sample, role, (p) => p.cpuPercent);
    memoryMiB[role] = sumFor(sample, role, (p) => (p.rssBytes === null ? null : p.rssBytes / MiB));
  }
  return { at: sample.at, cpu, memoryMiB, machineCpu: sample.machine?.cpuPercent ?? null };
}

/** Every reading the sample says it could not take, as text for the operator. */
export function missingReadings(sample: ResourceSampleView): string[] {
  const lines: string[] = [];
  if (sample.missing) lines.push(`whole sample: ${sample.missing}`);
  for (const p of sample.processes) if (p.missing) lines.push(`${p.role} ${p.pid}: ${p.missing}`);
  return lines;
}
