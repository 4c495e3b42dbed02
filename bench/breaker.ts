/**
 * Per-call cost of our CircuitBreaker next to opossum and cockatiel, plus a check that our stats
 * stay in fixed memory. Run: `npm run bench` (node --expose-gc bench/breaker.ts).
 *
 * Every contender runs the same loop: an already-resolved promise, awaited one at a time, circuit
 * closed, a 10 s timeout configured. The op does no work, so what is left is pure breaker overhead.
 * BENCH_N sets the iterations per contender per round (default 100,000); BENCH_VERBOSE=1 prints each round.
 */
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { circuitBreaker, ConsecutiveBreaker, handleAll, timeout, TimeoutStrategy, wrap } from 'cockatiel';
import { CircuitBreaker } from '../src-main/breaker/index.ts';

// opossum is CommonJS and ships no types: describe just the part we call, so that typecheck passes.
interface Opossum {
  fire(): Promise<number>;
  shutdown(): void;
  readonly options: { timeout: number | false };
}
const Opossum = createRequire(import.meta.url)('opossum') as new (action: () => Promise<number>, options?: object) => Opossum;

const N = Number(process.env.BENCH_N) || 100_000; // iterations per contender per round
const ROUNDS = 7; // measured rounds, after one discarded warm-up round
const TARGET_NS = 1_000; // ours must add under 1 µs per call with a timeout configured
const FLAT_KIB = 256;

const op = () => Promise.resolve(1);
const breakerConfig = { failureThreshold: 5, recoveryTimeoutMs: 30_000, successThreshold: 2, timeoutMs: 10_000, maxConcurrent: 1_000 };

const ours = new CircuitBreaker('bench', breakerConfig);
// Default options on purpose: its default timeout is 10 s. Each call arms a setTimeout that is
// not unref'd, but it is cleared as soon as the op resolves, so nothing outlives the loop.
const possum = new Opossum(op);
const cockatielBreaker = () => circuitBreaker(handleAll, { halfOpenAfter: 30_000, breaker: new ConsecutiveBreaker(5) });
// Aggressive is the like-for-like row: as with ours and opossum, execute() rejects at the deadline
// instead of waiting for the op. Cooperative is shown too, since it is cockatiel's cheaper mode.
const cockatielAggressive = wrap(timeout(10_000, TimeoutStrategy.Aggressive), cockatielBreaker());
const cockatielCooperative = wrap(timeout(10_000, TimeoutStrategy.Cooperative), cockatielBreaker());
const cockatielBare = cockatielBreaker();

// One loop function per contender rather than one generic loop over a callback: a shared call site
// would go megamorphic and charge every contender for the others' shapes.
// Summing the results proves each contender really ran the op and returned its value.
const contenders: { name: string; run: (n: number) => Promise<number> }[] = [
  { name: 'bare await (baseline)', run: async (n) => { let s = 0; for (let i = 0; i < n; i++) s += await op(); return s; } },
  { name: 'ours (timeout 10 s)', run: async (n) => { let s = 0; for (let i = 0; i < n; i++) s += await ours.execute(op); return s; } },
  { name: 'opossum 10 (timeout 10 s)', run: async (n) => { let s = 0; for (let i = 0; i < n; i++) s += await possum.fire(); return s; } },
  { name: 'cockatiel 4 timeout(aggr)+breaker', run: async (n) => { let s = 0; for (let i = 0; i < n; i++) s += await cockatielAggressive.execute(op); return s; } },
  { name: 'cockatiel 4 timeout(coop)+breaker', run: async (n) => { let s = 0; for (let i = 0; i < n; i++) s += await cockatielCooperative.execute(op); return s; } },
  { name: 'cockatiel 4 breaker, no timeout', run: async (n) => { let s = 0; for (let i = 0; i < n; i++) s += await cockatielBare.execute(op); return s; } },
];
const BASE = 0;
const OURS = 1;

const gc = globalThis.gc;
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const fmt = (x: number, digits = 0) => x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const pad = (s: string, w: number) => (s.length >= w ? s : ' '.repeat(w - s.length) + s);

async function speed(): Promise<void> {
  console.log(`Node ${process.version}, ${N.toLocaleString('en-US')} sequential awaits per contender per round, ${ROUNDS} rounds + 1 warm-up`);
  console.log(`opossum timeout = ${possum.options.timeout} ms; ours timeoutMs = ${ours.config.timeoutMs} ms; cockatiel timeout = 10000 ms\n`);
  const samples: number[][] = contenders.map(() => []);
  for (let round = 0; round <= ROUNDS; round++) {
    // Rotate the order so that no contender always runs right after the same neighbour (heat, GC debt).
    for (let k = 0; k < contenders.length; k++) {
      const idx = (k + round) % contenders.length;
      const c = contenders[idx]!;
      // A loop of resolved awaits is one long microtask chain: timers cannot fire inside it. Give the
      // event loop a turn so that every library's housekeeping timers (opossum's bucket rotation and
      // snapshots, our sweep) run here, unmeasured, instead of piling up. Then collect the previous
      // contender's garbage, so that it is not billed to this one.
      await nextTurn();
      gc?.();
      const t0 = performance.now();
      const sum = await c.run(N);
      const ns = ((performance.now() - t0) * 1e6) / N;
      if (sum !== N) throw new Error(`${c.name} returned ${sum}, expected ${N}`);
      if (round > 0) samples[idx]!.push(ns);
    }
  }

  // BENCH_VERBOSE=1 shows every round: a median hides whether one round hit a GC or a noisy neighbour.
  if (process.env.BENCH_VERBOSE) samples.forEach((s, i) => console.log(`${contenders[i]!.name}: ${s.map((x) => fmt(x)).join(' ')}`));
  const med = samples.map(median);
  const over = med.map((m) => m - med[BASE]!);
  const header = ['contender', 'ns/op', 'spread', 'overhead ns', 'ns/op ÷ ours', 'overhead ÷ ours'];
  const widths = [34, 9, 8, 12, 13, 16];
  const line = (cells: string[]) => console.log(cells.map((c, i) => (i === 0 ? c.padEnd(widths[0]!) : pad(c, widths[i]!))).join(' '));
  line(header);
  line(widths.map((w) => '-'.repeat(w)));
  contenders.forEach((c, i) => {
    // Spread (max-min over median) says how much to trust the row: ±a few % is normal on a shared box.
    const spread = ((Math.max(...samples[i]!) - Math.min(...samples[i]!)) / med[i]!) * 100;
    line([
      c.name,
      fmt(med[i]!),
      `${fmt(spread)}%`,
      i === BASE ? '—' : fmt(over[i]!),
      `${fmt(med[i]! / med[OURS]!, 2)}×`,
      i === BASE ? '—' : `${fmt(over[i]! / over[OURS]!, 2)}×`,
    ]);
  });
  const verdict = over[OURS]! < TARGET_NS ? 'PASS' : 'MISS';
  console.log(`\nTarget: ours adds under ${fmt(TARGET_NS)} ns (1 µs) per call over bare await, with a timeout configured.`);
  console.log(`${verdict}: ours adds ${fmt(over[OURS]!)} ns per call (median of ${ROUNDS} rounds).\n`);
}

async function memory(): Promise<void> {
  const CALLS = 1_000_000;
  const STEP = 250_000;
  if (!gc) {
    console.log('Memory check skipped: it needs --expose-gc (run `npm run bench`), since heap readings');
    console.log('without a forced collection measure garbage not yet collected, not what the breaker retains.');
    return;
  }
  // A fresh breaker, so that the speed rounds above leave no counts or window slots in its readings.
  const breaker = new CircuitBreaker('bench_memory', breakerConfig);
  const heap: number[] = [];
  console.log(`Stats memory: ${CALLS.toLocaleString('en-US')} calls through one fresh breaker, forced GC at each point`);
  console.log(`${'calls'.padStart(9)} ${'heapUsed KiB'.padStart(13)} ${'total_requests'.padStart(15)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)}`);
  for (let done = 0; ; done += STEP) {
    await nextTurn(); // let our sweep timer run, as it would in an app
    gc();
    gc(); // a second pass catches what the first one only unlinked (weak refs, finalizers)
    const used = process.memoryUsage().heapUsed;
    heap.push(used);
    const s = breaker.stats().stats;
    console.log(`${pad(fmt(done), 9)} ${pad(fmt(used / 1024), 13)} ${pad(fmt(s.total_requests), 15)} ${pad(String(s.latency_ms.p50), 8)} ${pad(String(s.latency_ms.p99), 8)}`);
    if (done >= CALLS) break;
    for (let i = 0; i < STEP; i++) await breaker.execute(op);
  }
  // From 250k rather than 0: the first calls warm up JIT code and lazily made objects, which is not growth.
  const growthKiB = (heap[heap.length - 1]! - heap[1]!) / 1024;
  console.log(`Heap growth 250k → 1M calls: ${fmt(growthKiB, 1)} KiB → ${growthKiB < FLAT_KIB ? 'flat' : 'NOT flat'} (threshold ${FLAT_KIB} KiB)`);
}

await speed();
await memory();
possum.shutdown(); // its stats intervals are unref'd already; stop them anyway rather than rely on it
