import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

/**
 * Readings of another process from Linux's /proc, taken from outside so that measuring does not
 * change what the measured process does.
 */

/** Resident set size in KiB (VmRSS). */
export function rssKiB(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  if (!match) throw new Error(`no VmRSS for process ${pid}`);
  return Number(match[1]);
}

let ticksPerSecond: number | undefined;

/** CPU time used so far (user + system), in ms. */
export function cpuMs(pid: number): number {
  ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name is in parentheses and may hold spaces; the fields count from after it.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const user = Number(fields[11]);
  const system = Number(fields[12]);
  return ((user + system) * 1000) / ticksPerSecond;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Waits until every process uses less than `cpuShare` of a core over a `windowMs` window (work
 * left over from the previous measurement is done), or `timeoutMs` passes. Returns whether they
 * settled.
 */
export async function waitUntilQuiet(pids: readonly number[], options: { cpuShare?: number; windowMs?: number; timeoutMs?: number } = {}): Promise<boolean> {
  const { cpuShare = 0.05, windowMs = 1000, timeoutMs = 30_000 } = options;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const before = pids.map(cpuMs);
    await sleep(windowMs);
    const busiest = Math.max(...pids.map((pid, i) => (cpuMs(pid) - before[i]!) / windowMs));
    if (busiest < cpuShare) return true;
  }
  return false;
}

/** CPU time the whole machine spent busy so far (all CPUs, kernel included), in ms. */
export function machineCpuMs(): number {
  ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  const line = fs.readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
  // cpu user nice system idle iowait irq softirq steal …
  const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
  return (((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) * 1000) / ticksPerSecond;
}

/**
 * CPU used by each process between the call and `stop()`, as shares of one core, and what the
 * rest of the machine used meanwhile (this process excluded): other programs, and kernel work
 * not charged to any process, such as part of the loopback network's.
 */
export function cpuMeter(pids: readonly number[]): { stop(): { perProcess: number[]; elsewhere: number } } {
  const startedAt = performance.now();
  const before = pids.map(cpuMs);
  const machineBefore = machineCpuMs();
  const selfBefore = process.cpuUsage();
  return {
    stop: () => {
      const elapsed = performance.now() - startedAt;
      const used = pids.map((pid, i) => cpuMs(pid) - before[i]!);
      const self = process.cpuUsage(selfBefore);
      const elsewhere = machineCpuMs() - machineBefore - used.reduce((a, b) => a + b, 0) - (self.user + self.system) / 1000;
      return { perProcess: used.map((ms) => ms / elapsed), elsewhere: Math.max(0, elsewhere) / elapsed };
    },
  };
}

/** Waits until the rest of the machine (everything but this process) uses less than `cpuShare` of a core, or `timeoutMs` passes. */
export async function waitUntilMachineQuiet(options: { cpuShare?: number; windowMs?: number; timeoutMs?: number } = {}): Promise<boolean> {
  const { cpuShare = 0.3, windowMs = 2000, timeoutMs = 60_000 } = options;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const meter = cpuMeter([]);
    await sleep(windowMs);
    if (meter.stop().elsewhere < cpuShare) return true;
  }
  return false;
}
