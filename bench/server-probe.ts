// Loaded into the soaked server process (`node --import`; each process of a multi-process server):
// the main thread's event-loop delay, written as JSON to THIRDWATCH_PROBE_FILE.<pid> twice a second. SIGUSR2 starts a new measurement, so
// the harness measures the load phase only. Bench-only: the server does not know it is there.
import { writeFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';

const file = process.env.THIRDWATCH_PROBE_FILE;
if (file) {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const ms = (ns: number) => Math.round(ns / 1e4) / 100;
  const write = () => {
    const stats = { samples: delay.count, p50Ms: ms(delay.percentile(50)), p90Ms: ms(delay.percentile(90)), p99Ms: ms(delay.percentile(99)), maxMs: ms(delay.max), meanMs: ms(delay.mean) };
    writeFileSync(`${file}.${process.pid}`, JSON.stringify(stats));
  };
  setInterval(write, 500).unref();
  process.on('SIGUSR2', () => delay.reset());
}
