// What a path's proxying costs, from /proc: the CPU time and the minor page faults (fresh pages
// the kernel zeroed) of its processes, summed; a process that is gone counts nothing.
import { clockTicks, procCpuTicks, procMinorFaults } from '../support.mjs';

const ticksPerSecond = clockTicks();

function sumOver(pids, read) {
  let sum = 0;
  for (const pid of pids) {
    try {
      sum += read(pid);
    } catch {
      // gone
    }
  }
  return sum;
}

/** What `pids` spend from now on: `cpuMs()` (CPU time) and `minorFaults()` (fresh pages touched). */
export function usageOf(pids) {
  const ticks = sumOver(pids, procCpuTicks);
  const faults = sumOver(pids, procMinorFaults);
  return {
    cpuMs: () => ((sumOver(pids, procCpuTicks) - ticks) / ticksPerSecond) * 1000,
    minorFaults: () => sumOver(pids, procMinorFaults) - faults,
  };
}
