/**
 * Samples processes' resident memory through a benchmark phase. Two point readings (start, end)
 * cannot tell a leak from the garbage collector's sawtooth: a Node worker under load climbs by
 * hundreds of MiB and drops back at each major collection (measured: 450 → 780 → 460 MiB every
 * ~90 s at 28 messages/s), so an end reading taken near a peak looks like growth. A leak raises
 * the floor instead: the lowest reading of the phase's last third against the lowest of its first
 * third is the figure judged against the bound.
 */
import type { GatewayProcess } from './gateway-processes.ts';

export interface MemoryFigures {
  startMb: number;
  endMb: number;
  peakMb: number;
  /** Lowest reading in the last third minus lowest in the first third. */
  floorGrowthMb: number;
  samples: number;
}

export class MemorySampler {
  private readonly readings = new Map<string, number[]>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly processes: readonly GatewayProcess[],
    private readonly everyMs = 5000,
  ) {}

  start(): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.everyMs);
  }

  /** Stops sampling (one last reading) and returns the figures per process name. */
  stop(): Record<string, MemoryFigures> {
    clearInterval(this.timer);
    this.sample();
    const figures: Record<string, MemoryFigures> = {};
    for (const [name, values] of this.readings) {
      const third = Math.max(1, Math.floor(values.length / 3));
      const floor = (part: number[]) => Math.min(...part);
      figures[name] = {
        startMb: round(values[0] ?? 0),
        endMb: round(values[values.length - 1] ?? 0),
        peakMb: round(Math.max(...values)),
        floorGrowthMb: round(floor(values.slice(-third)) - floor(values.slice(0, third))),
        samples: values.length,
      };
    }
    return figures;
  }

  private sample(): void {
    for (const process of this.processes) {
      const mb = process.rssMb();
      if (mb === undefined) continue;
      const values = this.readings.get(process.name) ?? [];
      values.push(mb);
      this.readings.set(process.name, values);
    }
  }
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
