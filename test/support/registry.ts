import { ChildProcess, spawn } from 'node:child_process';
import { tempDir } from './fixtures';
import { DockerRegistry, logMark, processCpuMs, startDockerRegistry } from './oci-registry';

// the registry and the push helpers live in oci-registry.js, shared with the bench (bench/verify.js)
export { freePort, pushBlob, pushIndex, pushManifest, pushTinyImage, sha256 } from './oci-registry';
export type { DockerRegistry, LoggedRequest, TestRegistry } from './oci-registry';

/**
 * A real Debian `docker-registry` (distribution 2.8) on 127.0.0.1 with temp storage, started per
 * test file and killed by its PID. Never binds anything but 127.0.0.1. With `accessLog`, its
 * access log counts the requests a client made.
 */
export function startRegistry(opts: { htpasswd?: { username: string; password: string }; accessLog?: boolean } = {}): Promise<DockerRegistry> {
  return startDockerRegistry({ dir: tempDir('isb-registry-'), ...opts });
}

/**
 * go-containerregistry's `registry` (interop/ggcr, built by interop/build.sh): an in-memory OCI
 * registry, a second implementation next to docker-registry. Its only flag is `-port`; it listens
 * on `localhost:<port>` (cmd/registry/main.go), i.e. loopback only; `-port 0` picks a free port,
 * which it logs as "serving on port N". `referrers-registry` (interop/referrers-registry) is the
 * same registry package with its referrers API on, started the same way. Both log one line per
 * request on stderr (pkg/registry/registry.go: `METHOD URL`, plus `STATUS CODE message` for an
 * error), collected with `accessLog`. Killed by its PID.
 */
export async function startGgcrRegistry(bin: string, opts: { accessLog?: boolean } = {}): Promise<DockerRegistry> {
  const child: ChildProcess = spawn(bin, ['-port', '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`ggcr registry not ready after 15 s: ${stderr}`)); }, 15_000);
    child.stderr?.on('data', (c) => {
      stderr += String(c);
      const m = /serving on port (\d+)/.exec(stderr);
      if (m) { clearTimeout(timer); resolve(Number(m[1])); }
    });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`ggcr registry exited (${code}): ${stderr}`)); });
  });
  child.stderr?.removeAllListeners('data');
  const accessLog: string[] = [];
  let partial = '';
  child.stderr?.on('data', (c) => {
    if (!opts.accessLog) return; // keep the pipe drained
    const lines = (partial + String(c)).split('\n');
    partial = lines.pop()!;
    accessLog.push(...lines);
  });
  const host = `127.0.0.1:${port}`;
  const res = await fetch(`http://${host}/v2/`);
  if (res.status !== 200) throw new Error(`ggcr registry on ${host}: GET /v2/ ${res.status}`);
  return {
    host,
    baseUrl: `http://${host}`,
    pid: child.pid!,
    accessLog,
    cpuMs: () => processCpuMs(child.pid!),
    mark: () => logMark(`http://${host}`, accessLog),
    requestsSince: async (from = 0) => {
      const to = await logMark(`http://${host}`, accessLog);
      return accessLog.slice(from, to - 1)
        .map((l) => /^\S+ \S+ ([A-Z]+) (\S+)(?: (\d{3}) )?/.exec(l))
        .filter((m): m is RegExpExecArray => m !== null)
        // a line without a status is a request the registry answered without an error
        .map((m) => ({ method: m[1], path: m[2], status: m[3] === undefined ? 200 : Number(m[3]) }));
    },
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM'); // by this child's PID only
        await exited;
      }
    },
  };
}
