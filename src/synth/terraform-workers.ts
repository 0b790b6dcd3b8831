import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { isMainThread, MessageChannel, MessagePort, receiveMessageOnPort, Worker, workerData } from 'node:worker_threads';
import { App as TfApp, TerraformStack } from 'cdktf';
import { plainStackManifest, synthTerraformInMemory } from './terraform-synth';
import { GitHubSigningStack, GitHubSigningStackProps } from '../github/signing-stack';

/*
 * `synth --jobs N`: the repository stacks to synthesize are split over this thread and N - 1
 * worker threads. A worker builds its share as GitHubSigningStacks in an app of its own and
 * synthesizes them in memory like this thread (same cdktf, same serializer), so each stack's
 * `cdk.tf.json` is the same bytes; `manifest.json` is built by this thread, which lists the
 * workers' stacks with cdktf's plain entry. Only stacks without customizers (props are plain
 * data; a customizer is a function) and only from the compiled library (a worker loads this
 * module's .js file). When a worker fails or a stack of its share is not plain (annotations),
 * the caller renders everything in this thread, so results and errors are cdktf's own.
 */

/** A repository stack as a worker receives it: its id and (plain) props. */
export interface WorkerStackSpec {
  readonly id: string;
  readonly props: GitHubSigningStackProps;
}

/** The stacks given to workers; `collect` waits for them. */
export interface StackWorkers {
  /** stack ids the workers synthesize (left out of this thread's app) */
  readonly ids: readonly string[];
  /** worker threads started */
  readonly threads: number;
  /** `stacks/<id>/cdk.tf.json` → text of every worker stack; undefined when any worker failed or a stack was not plain */
  collect(): Map<string, string> | undefined;
}

/** fewest stacks worth a worker (starting one loads cdktf: ~0.2 s) */
export const MIN_STACKS_PER_WORKER = 100;

const KIND = 'isb-terraform-stacks';

/** how long a worker may take to start / to finish before this thread renders its share itself */
const START_TIMEOUT_MS = 20_000;
const DONE_TIMEOUT_MS = 600_000;

interface WorkerResult {
  readonly files?: [string, string][];
  readonly plain?: string[];
  readonly error?: string;
}

interface Pending {
  readonly worker: Worker;
  readonly port: MessagePort;
  readonly flag: Int32Array;
  readonly ids: string[];
}

/** Whether workers can run here: this module is compiled JavaScript (not a TypeScript source under a test runner). */
export function stackWorkersAvailable(): boolean {
  return __filename.endsWith('.js');
}

/**
 * Starts `workers` threads on the last part of `specs` (each about as many stacks as this thread
 * keeps); returns the specs this thread renders and the handle of the rest.
 */
export function startStackWorkers(specs: readonly WorkerStackSpec[], workers: number): { mine: WorkerStackSpec[]; workers: StackWorkers } {
  const per = Math.ceil(specs.length / (workers + 1));
  const mine = specs.slice(0, per);
  const pending: Pending[] = [];
  for (let w = 1; w <= workers; w++) {
    const share = specs.slice(w * per, (w + 1) * per);
    if (share.length === 0) continue;
    const { port1, port2 } = new MessageChannel();
    const flag = new Int32Array(new SharedArrayBuffer(4));
    try {
      const worker = new Worker(__filename, { workerData: { kind: KIND, specs: share, port: port2, flag }, transferList: [port2] });
      worker.unref();
      worker.on('error', () => undefined); // seen as a missing result: this thread renders instead
      pending.push({ worker, port: port1, flag, ids: share.map((s) => s.id) });
    } catch {
      port1.close();
      mine.push(...share);
    }
  }
  const ids = pending.flatMap((p) => p.ids);
  return {
    mine,
    workers: {
      ids,
      threads: pending.length,
      collect() {
        const out = new Map<string, string>();
        let ok = true;
        for (const p of pending.splice(0)) {
          const deadline = Date.now() + START_TIMEOUT_MS;
          while (Atomics.load(p.flag, 0) === 0 && Date.now() < deadline) Atomics.wait(p.flag, 0, 0, 50);
          const done = Date.now() + DONE_TIMEOUT_MS;
          while (Atomics.load(p.flag, 0) === 1 && Date.now() < done) Atomics.wait(p.flag, 0, 1, 1000);
          const msg = Atomics.load(p.flag, 0) === 2 ? receiveMessageOnPort(p.port)?.message as WorkerResult | undefined : undefined;
          const plain = new Set(msg?.plain ?? []);
          if (!msg?.files || !p.ids.every((id) => plain.has(id))) ok = false;
          else for (const [rel, text] of msg.files) out.set(rel, text);
          p.port.close();
          void p.worker.terminate();
        }
        return ok ? out : undefined;
      },
    },
  };
}

/** The worker: synthesizes its share, posts `stacks/<id>/cdk.tf.json` texts and the ids whose manifest entry is plain. */
function runWorker(data: { specs: WorkerStackSpec[]; port: MessagePort; flag: Int32Array }): void {
  Atomics.store(data.flag, 0, 1);
  let msg: WorkerResult;
  try {
    const staging = fs.mkdtempSync(path.join(os.tmpdir(), 'isb-tf-'));
    try {
      const app = new TfApp({ outdir: staging, skipValidation: false });
      const stacks = new Set<TerraformStack>(data.specs.map((s) => new GitHubSigningStack(app, s.id, s.props)));
      const out = synthTerraformInMemory(app, [], stacks);
      msg = out === undefined
        ? { error: 'not synthesizable in memory' }
        : {
          files: [...out].filter(([rel]) => rel !== 'manifest.json'),
          plain: data.specs.filter((s) => isDeepStrictEqual(app.manifest.stacks[s.id], plainStackManifest(s.id))).map((s) => s.id),
        };
    } finally {
      fs.rmSync(staging, { recursive: true, force: true });
    }
  } catch (e) {
    msg = { error: String((e as Error)?.message ?? e) };
  }
  try {
    data.port.postMessage(msg);
  } finally {
    Atomics.store(data.flag, 0, 2);
    Atomics.notify(data.flag, 0);
  }
}

if (!isMainThread && workerData?.kind === KIND) runWorker(workerData);
