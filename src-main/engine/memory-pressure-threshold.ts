/**
 * When available memory crosses the pressure line, and back. Only the edges are reported, and
 * leaving needs a margin above the line (hysteresis), so a machine hovering at it does not flap.
 */
import type { MachineCounters } from './resource-counters.ts';

export interface MemoryPressureOptions {
  /** Under pressure when available memory is below this many bytes. Off by default. */
  availableBelowBytes?: number;
  /** Under pressure when available memory is below this percent of total. Default 10; 0 turns it off. */
  availableBelowPercent?: number;
  /**
   * Leaving pressure needs this many percentage points of total memory above each threshold,
   * so a machine hovering at the line does not flap. Default 5.
   */
  hysteresisPercent?: number;
}

export interface PressureEvent {
  under: boolean;
  availableBytes: number;
  availablePercent: number;
  reason: string;
}

const mib = (bytes: number) => `${Math.round(bytes / 2 ** 20)} MiB`;
const pct = (value: number) => `${Math.round(value * 10) / 10}%`;

export class MemoryPressureThreshold {
  private readonly belowBytes: number | undefined;
  private readonly belowPercent: number;
  private readonly hysteresis: number;
  private pressured = false;

  /** Throws a RangeError naming the option when a threshold is out of range. */
  constructor(options: MemoryPressureOptions = {}) {
    const { availableBelowBytes, availableBelowPercent = 10, hysteresisPercent = 5 } = options;
    if (!(availableBelowPercent >= 0 && availableBelowPercent <= 100)) throw new RangeError('memoryPressure.availableBelowPercent must be between 0 and 100');
    if (!(hysteresisPercent >= 0)) throw new RangeError('memoryPressure.hysteresisPercent must be 0 or more');
    if (availableBelowBytes !== undefined && !(availableBelowBytes >= 0)) throw new RangeError('memoryPressure.availableBelowBytes must be 0 or more');
    this.belowBytes = availableBelowBytes;
    this.belowPercent = availableBelowPercent;
    this.hysteresis = hysteresisPercent;
  }

  get under(): boolean {
    return this.pressured;
  }

  /** Takes a new reading; returns the event when it crosses the line one way or the other, else undefined. */
  update(machine: Pick<MachineCounters, 'availableBytes' | 'totalBytes'> & { availablePercent: number }): PressureEvent | undefined {
    const { availableBytes, availablePercent, totalBytes } = machine;
    const percentOn = this.belowPercent > 0;
    const bytesOn = this.belowBytes !== undefined && this.belowBytes > 0;
    let reason: string;
    if (!this.pressured) {
      if (percentOn && availablePercent < this.belowPercent) reason = `available ${pct(availablePercent)} < ${pct(this.belowPercent)}`;
      else if (bytesOn && availableBytes < this.belowBytes!) reason = `available ${mib(availableBytes)} < ${mib(this.belowBytes!)}`;
      else return undefined;
    } else {
      const leavePercent = this.belowPercent + this.hysteresis;
      const leaveBytes = (this.belowBytes ?? 0) + (this.hysteresis / 100) * totalBytes;
      if (percentOn && availablePercent < leavePercent) return undefined;
      if (bytesOn && availableBytes < leaveBytes) return undefined;
      reason = [
        percentOn ? `available ${pct(availablePercent)} ≥ ${pct(leavePercent)}` : '',
        bytesOn ? `available ${mib(availableBytes)} ≥ ${mib(leaveBytes)}` : '',
      ]
        .filter(Boolean)
        .join(' and ');
    }
    this.pressured = !this.pressured;
    return { under: this.pressured, availableBytes, availablePercent, reason };
  }
}
