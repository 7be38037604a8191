import WebSocket from 'ws';

/**
 * A DevTools protocol session with a process started with `--inspect=HOST:PORT`: the benchmark uses
 * it to give the server a full garbage collection before reading its memory, and to take a CPU
 * profile. Nothing is attached between those moments, so the inspector costs the server nothing
 * else.
 */
export interface InspectorSession {
  collectGarbage(): Promise<void>;
  startProfiling(samplingIntervalUs?: number): Promise<void>;
  stopProfiling(): Promise<CpuProfile>;
  close(): Promise<void>;
}

export interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number }[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export async function openInspector(host: string, port: number): Promise<InspectorSession> {
  const targets = (await (await fetch(`http://${host}:${port}/json/list`, { signal: AbortSignal.timeout(5000) })).json()) as {
    webSocketDebuggerUrl?: string;
  }[];
  const url = targets[0]?.webSocketDebuggerUrl;
  if (!url) throw new Error(`no inspector target on ${host}:${port}`);
  const socket = new WebSocket(url, { perMessageDeflate: false, maxPayload: 1024 * 1024 * 1024 });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  let nextId = 1;
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  socket.on('message', (data) => {
    const message = JSON.parse((data as Buffer).toString('utf8')) as { id?: number; result?: unknown; error?: { message: string } };
    if (message.id === undefined) return;
    const waiter = pending.get(message.id);
    pending.delete(message.id);
    if (message.error) waiter?.reject(new Error(`inspector: ${message.error.message}`));
    else waiter?.resolve(message.result);
  });
  socket.on('close', () => {
    for (const waiter of pending.values()) waiter.reject(new Error('inspector connection closed'));
    pending.clear();
  });
  const call = <T>(method: string, params: Record<string, unknown> = {}): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      socket.send(JSON.stringify({ id, method, params }));
    });

  return {
    collectGarbage: async () => {
      await call('HeapProfiler.collectGarbage');
    },
    startProfiling: async (samplingIntervalUs = 1000) => {
      await call('Profiler.enable');
      await call('Profiler.setSamplingInterval', { interval: samplingIntervalUs });
      await call('Profiler.start');
    },
    stopProfiling: async () => {
      const { profile } = await call<{ profile: CpuProfile }>('Profiler.stop');
      await call('Profiler.disable');
      return profile;
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (socket.readyState === WebSocket.CLOSED) return resolve();
        socket.once('close', () => resolve());
        socket.close();
      }),
  };
}

/** One line of a profile summary: a function (or a V8 pseudo-entry) and its share of the samples. */
export interface ProfileEntry {
  name: string;
  where: string;
  selfShare: number;
}

/**
 * Self time per function, as shares of the profile's samples. `where` keeps only the part of a
 * script's address after node_modules/ or the project's own directories, so no machine path shows.
 */
export interface ProfileSummary {
  /** Per function, busiest first. */
  entries: ProfileEntry[];
  /** Per package (node_modules), directory of the app (dist/…), Node internals, or native function. */
  components: { name: string; selfShare: number }[];
  idleShare: number;
  sampleCount: number;
}

export function summarizeProfile(profile: CpuProfile): ProfileSummary {
  const byNode = new Map(profile.nodes.map((node) => [node.id, node]));
  const counts = new Map<number, number>();
  if (profile.samples?.length) {
    for (const id of profile.samples) counts.set(id, (counts.get(id) ?? 0) + 1);
  } else {
    for (const node of profile.nodes) counts.set(node.id, node.hitCount ?? 0);
  }
  let total = 0;
  for (const count of counts.values()) total += count;
  const grouped = new Map<string, ProfileEntry & { count: number }>();
  let idle = 0;
  for (const [id, count] of counts) {
    const frame = byNode.get(id)?.callFrame;
    if (!frame) continue;
    const name = frame.functionName || '(anonymous)';
    if (name === '(idle)') idle += count;
    const where = shortLocation(frame.url, frame.lineNumber);
    const key = `${name}\u0000${where}`;
    const entry = grouped.get(key) ?? { name, where, selfShare: 0, count: 0 };
    entry.count += count;
    grouped.set(key, entry);
  }
  const entries = [...grouped.values()]
    .map(({ name, where, count }) => ({ name, where, selfShare: total ? count / total : 0 }))
    .sort((a, b) => b.selfShare - a.selfShare);
  const byComponent = new Map<string, number>();
  for (const entry of entries) {
    const component = componentOf(entry);
    byComponent.set(component, (byComponent.get(component) ?? 0) + entry.selfShare);
  }
  const components = [...byComponent].map(([name, selfShare]) => ({ name, selfShare })).sort((a, b) => b.selfShare - a.selfShare);
  return { entries, components, idleShare: total ? idle / total : 0, sampleCount: total };
}

function componentOf(entry: ProfileEntry): string {
  const { name, where } = entry;
  if (!where) return name.startsWith('(') ? name : `native ${name}()`;
  if (where.startsWith('node:')) return 'Node internals';
  const [first = '', second = ''] = where.replace(/:\d+$/, '').split('/');
  // The app's own code by directory (dist/realtime, dist/store…); packages by name.
  if (first === 'dist' || first === 'src' || first === 'bench') return second.includes('.') ? first : `${first}/${second}`;
  return first.startsWith('@') ? `${first}/${second}` : first;
}

function shortLocation(url: string, line: number): string {
  if (!url) return '';
  const lineText = line >= 0 ? `:${line + 1}` : '';
  const modules = url.lastIndexOf('node_modules/');
  if (modules !== -1) return url.slice(modules + 'node_modules/'.length) + lineText;
  for (const dir of ['/dist/', '/src/', '/bench/']) {
    const at = url.lastIndexOf(dir);
    if (at !== -1) return url.slice(at + 1) + lineText;
  }
  if (url.startsWith('node:')) return url + lineText;
  return url.replace(/^.*\//, '') + lineText;
}

/** A run of samples in which the main thread never went idle: the requests waiting meanwhile saw it as a stall. */
export interface BusyStretch {
  ms: number;
  /** The functions with the most self time in it, busiest first. */
  top: { name: string; where: string; ms: number }[];
}

/** The `count` longest busy stretches of a profile, to find what stalls the event loop. */
export function longestBusyStretches(profile: CpuProfile, count = 5): BusyStretch[] {
  const byNode = new Map(profile.nodes.map((node) => [node.id, node]));
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  const stretches: { ms: number; self: Map<string, number> }[] = [];
  let current: { ms: number; self: Map<string, number> } | undefined;
  samples.forEach((id, i) => {
    const frame = byNode.get(id)?.callFrame;
    const ms = (deltas[i + 1] ?? deltas[i] ?? 0) / 1000;
    if (!frame || frame.functionName === '(idle)') {
      if (current) stretches.push(current);
      current = undefined;
      return;
    }
    current ??= { ms: 0, self: new Map() };
    current.ms += ms;
    const key = `${frame.functionName || '(anonymous)'}\u0000${shortLocation(frame.url, frame.lineNumber)}`;
    current.self.set(key, (current.self.get(key) ?? 0) + ms);
  });
  if (current) stretches.push(current);
  return stretches
    .sort((a, b) => b.ms - a.ms)
    .slice(0, count)
    .map(({ ms, self }) => ({
      ms,
      top: [...self]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 6)
        .map(([key, selfMs]) => {
          const [name = '', where = ''] = key.split('\u0000');
          return { name, where, ms: selfMs };
        }),
    }));
}
