import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { tempDir } from './fixtures';

/*
 * A real TUF repository for the tests, written by python-tuf (the TUF reference implementation,
 * PyPI `tuf`) through test/verify/tuf/tuf_repo.py, and served by a static HTTP server on
 * 127.0.0.1 that records every request. python-tuf lives in a venv that .ci/run installs
 * (ISB_TUF_PYTHON); locally the same venv under ~/.cache/image-signing-blueprint/venv-tuf.
 */

const SCRIPT = path.join(__dirname, '..', 'verify', 'tuf', 'tuf_repo.py');

/** The python of the venv that has python-tuf, or undefined. */
export function tufPython(): string | undefined {
  const p = process.env.ISB_TUF_PYTHON ?? path.join(os.homedir(), '.cache', 'image-signing-blueprint', 'venv-tuf', 'bin', 'python');
  if (!fs.existsSync(p)) return undefined;
  const r = spawnSync(p, ['-c', 'import tuf.api.metadata, cryptography'], { stdio: 'ignore' });
  return r.status === 0 ? p : undefined;
}

const INSTALL = 'python3 -m venv ~/.cache/image-signing-blueprint/venv-tuf && ~/.cache/image-signing-blueprint/venv-tuf/bin/pip install \'tuf>=6,<8\' \'securesystemslib[crypto]\' (.ci/run does it)';

/** Runs `fn` in a describe block when python-tuf is there; fails under CI=true, skips loudly locally. */
export function describeWithPythonTuf(name: string, fn: () => void): void {
  if (tufPython()) {
    describe(name, fn);
  } else if (process.env.CI === 'true') {
    describe(name, () => {
      test('requires python-tuf', () => {
        throw new Error(`python-tuf is not installed, but CI=true: ${INSTALL}`);
      });
    });
  } else {
    // eslint-disable-next-line no-console
    console.warn(`\n!!! SKIPPING "${name}": python-tuf not found (${INSTALL}; CI fails without it) !!!\n`);
    describe.skip(name, fn);
  }
}

/** A target as the public Sigstore repository published them before trusted_root.json (custom metadata). */
export interface LegacyTarget {
  readonly name: string;
  readonly file: string;
  readonly usage: 'Fulcio' | 'Rekor' | 'CTFE' | 'TSA';
  readonly uri: string;
}

/** One TUF repository made by python-tuf, with its keys outside the served folder. */
export class TufRepo {
  /**
   * `init`: root v1 and targets/snapshot/timestamp v1 holding the given targets (name → file), and
   * optionally targets with Sigstore's legacy custom metadata (usage Fulcio/Rekor/CTFE/TSA and URI)
   */
  static create(targets: Record<string, string>, legacy: readonly LegacyTarget[] = []): TufRepo {
    const repo = new TufRepo(tempDir('isb-tuf-'));
    repo.run('init', ...Object.entries(targets).flatMap(([n, f]) => ['--target', `${n}=${f}`]),
      ...legacy.flatMap((l) => ['--legacy', `${l.name}=${l.file}:${l.usage}:${l.uri}`]));
    return repo;
  }

  private constructor(readonly work: string) {}

  /** the served folder */
  get dir(): string {
    return path.join(this.work, 'repo');
  }

  /** the pinned initial root (1.root.json): what a client is given out of band */
  get initialRoot(): string {
    return path.join(this.dir, '1.root.json');
  }

  run(cmd: string, ...args: string[]): void {
    const py = tufPython();
    if (!py) throw new Error('python-tuf is not installed');
    const r = spawnSync(py, [SCRIPT, cmd, this.work, ...args], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`tuf_repo.py ${cmd} failed: ${r.stderr}`);
  }

  /** the served file of a target (hash-prefixed, as with consistent snapshots) */
  targetFile(name: string): string {
    const f = fs.readdirSync(path.join(this.dir, 'targets')).filter((n) => n.endsWith(`.${name}`));
    if (f.length !== 1) throw new Error(`expected one served file for target ${name}, found ${f.length}`);
    return path.join(this.dir, 'targets', f[0]);
  }

  /** a metadata file as JSON */
  metadata(file: string): any {
    return JSON.parse(fs.readFileSync(path.join(this.dir, file), 'utf8'));
  }
}

/** A static HTTP server for a folder, on 127.0.0.1, that records each request path. */
export class StaticServer {
  static async start(dir: string): Promise<StaticServer> {
    const s = new StaticServer(dir);
    await new Promise<void>((resolve) => s.server.listen(0, '127.0.0.1', resolve));
    return s;
  }

  readonly requests: string[] = [];
  private readonly server: http.Server;

  private constructor(private readonly dir: string) {
    this.server = http.createServer((req, res) => {
      const p = decodeURIComponent((req.url ?? '/').split('?')[0]);
      this.requests.push(p);
      const file = path.join(this.dir, p);
      if (!file.startsWith(this.dir + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(fs.readFileSync(file));
    });
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
