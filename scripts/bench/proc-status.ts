/** What a process holds, from /proc/<pid>: resident memory now and at its peak, and open file descriptors. */
import { readdirSync, readFileSync } from 'node:fs';
import { round } from './measure.js';

export interface ProcessFootprint {
  /** VmRSS: resident now, MiB. */
  readonly rssMiB: number;
  /** VmHWM: the most it was ever resident, MiB. */
  readonly peakRssMiB: number;
  readonly openFds: number;
}

function kibField(status: string, field: string): number {
  return Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
}

export function footprint(pid: number): ProcessFootprint {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return {
    rssMiB: round(kibField(status, 'VmRSS') / 1024),
    peakRssMiB: round(kibField(status, 'VmHWM') / 1024),
    openFds: readdirSync(`/proc/${pid}/fd`).length,
  };
}

/** The soft limit on open files of a process (what it can hold), from /proc/<pid>/limits. */
export function openFileLimitOf(pid: number | 'self'): number {
  const limits = readFileSync(`/proc/${pid}/limits`, 'utf8');
  const soft = /^Max open files\s+(\S+)/m.exec(limits)?.[1];
  return soft === 'unlimited' ? Number.POSITIVE_INFINITY : Number(soft);
}

/** CPU time (user + system) a process has used so far, in seconds (/proc/<pid>/stat; 10 ms resolution). */
export function cpuSeconds(pid: number | 'self'): number {
  return cpuSecondsIn(`/proc/${pid}/stat`);
}

/**
 * CPU time of a process's main thread alone (its JavaScript event loop), in seconds. What is left of
 * `cpuSeconds` went to its other threads: worker threads, the garbage collector's helpers, libuv's pool.
 */
export function mainThreadCpuSeconds(pid: number | 'self'): number {
  const id = pid === 'self' ? process.pid : pid;
  return cpuSecondsIn(`/proc/${id}/task/${id}/stat`);
}

/**
 * How many times a process's main thread has gone to sleep waiting (voluntary context switches): under load each
 * is an event-loop iteration that found nothing to do, and a wake-up paid for by the next arrival.
 */
export function mainThreadSleeps(pid: number | 'self'): number {
  const id = pid === 'self' ? process.pid : pid;
  const status = readFileSync(`/proc/${id}/task/${id}/status`, 'utf8');
  return Number(/^voluntary_ctxt_switches:\s+(\d+)/m.exec(status)?.[1] ?? Number.NaN);
}

function cpuSecondsIn(path: string): number {
  const stat = readFileSync(path, 'utf8');
  // Fields after the command name (which may hold spaces) start at state: utime and stime are the 12th and 13th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return ticks / CLOCK_TICKS_PER_SECOND;
}

/** USER_HZ: 100 on every Linux architecture node runs on. */
const CLOCK_TICKS_PER_SECOND = 100;
