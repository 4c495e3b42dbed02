/**
 * What a resource sample holds: the machine's memory and CPU, and each studio process's. Types only,
 * no Node, so the contract can hand them to the window, which compiles without Node's types.
 */
export type ProcessRole = 'host' | 'worker' | 'ffmpeg';

export type CpuCounter = { busy: number; total: number };

export interface MachineCounters {
  totalBytes: number;
  freeBytes: number;
  /** What can be allocated without swapping: MemAvailable on Linux, os.freemem() elsewhere. */
  availableBytes: number;
  /** 1, 5 and 15 minute load averages; null on Windows, where Node reports zeros. */
  loadAverage: [number, number, number] | null;
  cores: number;
  /** CPU times summed over all cores; null where the OS gives none. */
  cpu: CpuCounter | null;
}

export interface MachineReading extends Omit<MachineCounters, 'cpu'> {
  availablePercent: number;
  /** Busy share of all cores over the time since the previous sample, 0–100. */
  cpuPercent: number | null;
  /** Why a null field above is null. */
  missing?: string;
}

export interface ProcessReading {
  pid: number;
  role: ProcessRole;
  /** Percent of one core since the previous sample, as top shows it: a process on two cores reads 200. */
  cpuPercent: number | null;
  rssBytes: number | null;
  /** Why a null field above is null ('first sample', a read error, 'unsupported on darwin'). */
  missing?: string;
}

export interface ResourceSample {
  /** Epoch milliseconds when the sample began. */
  at: number;
  machine: MachineReading | null;
  /** Processes that have exited are left out. */
  processes: ProcessReading[];
  /** Why the whole sample failed (timeout, open circuit, unreadable machine counters). */
  missing?: string;
}
