'use strict';
// Real cosign for the verify bench: the binaries interop/build.sh builds ($INTEROP_BIN, else
// interop/bin), run offline the way test/support/cosign.ts runs them (temp HOME, empty TUF_ROOT,
// TUF mirror on a closed loopback port), one process per call as a user or a CI step runs it.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const BIN_DIR = process.env.INTEROP_BIN ?? path.join(__dirname, '..', 'interop', 'bin');

/** the path of a built tool, or undefined */
function tool(name) {
  const p = path.join(BIN_DIR, name);
  try {
    fs.accessSync(p, fs.constants.X_OK);
    return p;
  } catch {
    return undefined;
  }
}

let home;
function offlineEnv(password) {
  if (!home) {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'isb-bench-cosign-'));
    fs.mkdirSync(path.join(home, 'tuf'));
  }
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    TUF_ROOT: path.join(home, 'tuf'),
    TUF_MIRROR: 'http://127.0.0.1:9',
    SIGSTORE_NO_CACHE: 'true',
    COSIGN_PASSWORD: password ?? '',
  };
}

/** runs `<bin> args…`; resolves with the exit code and stderr, never rejects on a non-zero exit */
function run(bin, args, { password, cwd } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { env: offlineEnv(password), cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c) => { stderr += String(c); });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

async function must(bin, args, opts) {
  const r = await run(bin, args, opts);
  if (r.code !== 0) throw new Error(`${path.basename(bin)} ${args.join(' ')} exited ${r.code}:\n${r.stderr}`);
  return r;
}

/** CPU ms of this process's waited-for children so far (cutime + cstime of /proc/self/stat) */
function childrenCpuMs() {
  try {
    const f = fs.readFileSync('/proc/self/stat', 'utf8');
    const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[13]) + Number(fields[14])) * 1000) / 100;
  } catch {
    return undefined;
  }
}

module.exports = { tool, run, must, childrenCpuMs, cleanup: () => home && fs.rmSync(home, { recursive: true, force: true }) };
