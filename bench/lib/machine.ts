import os from 'node:os';

export interface MachineDescription {
  cpuModel: string;
  cpuCount: number;
  memoryGiB: number;
  node: string;
  os: string;
}

/** What the figures were taken on; benchmarks are only comparable on like machines. */
export function describeMachine(): MachineDescription {
  const cpus = os.cpus();
  const models = [...new Set(cpus.map((cpu) => cpu.model.trim().replace(/\s+/g, ' ')))];
  return {
    cpuModel: models.join(' + ') || 'unknown',
    cpuCount: cpus.length,
    memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    os: `${os.type()} ${os.release()} (${os.arch()})`,
  };
}

export function machineLine(machine: MachineDescription): string {
  return `${machine.cpuCount} × ${machine.cpuModel}, ${machine.memoryGiB} GiB RAM, Node ${machine.node}, ${machine.os}`;
}
