/**
 * CPU time (user + system, this process) a piece of work takes, in ms. The "refused quickly" and
 * "linear time" guards use it instead of wall time: other processes on a loaded machine stretch wall
 * time, not this process's CPU time, while catastrophic backtracking or quadratic work still shows.
 */
export function cpuMs(work: () => unknown): number {
  const start = process.cpuUsage();
  work();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

export async function cpuMsAsync(work: () => Promise<unknown>): Promise<number> {
  const start = process.cpuUsage();
  await work();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}
