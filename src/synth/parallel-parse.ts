import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads';

/**
 * YAML texts parsed back while the caller goes on with other work (`synth --jobs N`): the texts
 * are split over N - 1 worker threads, started at once; `get` waits for them (synchronously) the
 * first time a result is asked for. With jobs ≤ 1, or when a worker cannot start or fails, the
 * caller parses those texts itself, so results and errors are exactly those of `yaml.parse`.
 */
export interface ParsedTexts {
  /** `{ value: yaml.parse(text) }` when a worker parsed exactly this text for `key`, else undefined (the caller parses) */
  get(key: string, text: string): { readonly value: any } | undefined;
  /** stops the workers (idempotent) */
  close(): void;
}

/** The worker: parses its texts with the same `yaml` module and posts the values back on its port. */
const WORKER = `
const { workerData } = require('node:worker_threads');
Atomics.store(workerData.flag, 0, STARTED);
let msg;
try {
  const { parse } = require(workerData.yaml);
  msg = { values: workerData.texts.map((t) => parse(t)) };
} catch (e) {
  msg = { error: String((e && e.message) || e) };
} finally {
  try { workerData.port.postMessage(msg); } finally {
    Atomics.store(workerData.flag, 0, DONE);
    Atomics.notify(workerData.flag, 0);
  }
}
`.replace(/STARTED/g, '1').replace(/DONE/g, '2');

/** how long a worker may take to start before this thread parses its texts itself */
const START_TIMEOUT_MS = 10_000;
/** and to finish (it posts from a finally, so only a crashed thread gets here) */
const DONE_TIMEOUT_MS = 300_000;

interface Pending {
  readonly worker: Worker;
  readonly port: import('node:worker_threads').MessagePort;
  readonly flag: Int32Array;
  readonly keys: string[];
  readonly texts: string[];
}

export function parseInParallel(entries: ReadonlyArray<readonly [string, string]>, jobs: number): ParsedTexts {
  const values = new Map<string, any>();
  const pending: Pending[] = [];
  const workers = Math.min(Math.max(0, Math.floor(jobs) - 1), entries.length);
  if (workers > 0) {
    const yamlPath = require.resolve('yaml');
    const per = Math.ceil(entries.length / workers);
    for (let w = 0; w < workers; w++) {
      const slice = entries.slice(w * per, (w + 1) * per);
      if (slice.length === 0) continue;
      const { port1, port2 } = new MessageChannel();
      const flag = new Int32Array(new SharedArrayBuffer(4));
      try {
        const worker = new Worker(WORKER, {
          eval: true,
          workerData: { yaml: yamlPath, texts: slice.map(([, t]) => t), port: port2, flag },
          transferList: [port2],
        });
        worker.unref();
        worker.on('error', () => undefined); // reported through its missing values: this thread parses instead
        pending.push({ worker, port: port1, flag, keys: slice.map(([k]) => k), texts: slice.map(([, t]) => t) });
      } catch {
        port1.close();
      }
    }
  }
  const collect = () => {
    for (const p of pending.splice(0)) {
      const deadline = Date.now() + START_TIMEOUT_MS;
      while (Atomics.load(p.flag, 0) === 0 && Date.now() < deadline) Atomics.wait(p.flag, 0, 0, 50);
      // started: the worker posts its message in a finally, so this wait ends
      const done = Date.now() + DONE_TIMEOUT_MS;
      while (Atomics.load(p.flag, 0) === 1 && Date.now() < done) Atomics.wait(p.flag, 0, 1, 1000);
      const msg = Atomics.load(p.flag, 0) === 2 ? receiveMessageOnPort(p.port)?.message as { values?: any[] } | undefined : undefined;
      // no values (a worker that did not start, or a parse error): this thread parses those texts, so errors are yaml's own
      if (msg?.values && msg.values.length === p.keys.length) p.keys.forEach((k, i) => values.set(k, { text: p.texts[i], value: msg.values![i] }));
      p.port.close();
      void p.worker.terminate();
    }
  };
  return {
    get(key, text) {
      collect();
      const got = values.get(key);
      return got && got.text === text ? { value: got.value } : undefined;
    },
    close() {
      collect();
    },
  };
}
