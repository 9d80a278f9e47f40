import { readFileSync } from "node:fs";

/**
 * The CPU time (ms) the calling thread has used, from /proc (Linux; in ticks of 10 ms). Unlike
 * wall time, a gap between timer ticks or an event loop's active time, it does not count the
 * time the OS gave other processes: on a loaded 2-core machine those grow twentyfold, this does not.
 */
export function threadCpuMs(): number {
  const stat = readFileSync("/proc/thread-self/stat", "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" "); // from field 3, the state
  return (Number(fields[11]) + Number(fields[12])) * 10; // utime, stime
}
