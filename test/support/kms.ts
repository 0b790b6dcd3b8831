import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** A KMS emulator process on 127.0.0.1, stopped by its own PID. */
export interface KmsEmulator {
  /** `127.0.0.1:PORT` */
  readonly host: string;
  /** the PEM file of the certificate it serves (the CA bundle to trust) */
  readonly caFile: string;
  stop(): Promise<void>;
}

/** a throwaway self-signed P-256 certificate for 127.0.0.1 (cert.pem, key.pem in dir) */
export function loopbackCertificate(dir: string): { cert: string; key: string } {
  const cert = path.join(dir, 'cert.pem');
  const key = path.join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key,
    '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  return { cert, key };
}

/** starts `cmd args`, resolves with the first match of `ready` in its stdout+stderr (or fails after 60 s / on exit) */
export function startUntil(cmd: string, args: string[], ready: RegExp, env?: NodeJS.ProcessEnv):
Promise<{ child: ChildProcess; match: RegExpExecArray; output: () => string }> {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`${path.basename(cmd)} not ready after 60 s:\n${output}`)); }, 60_000);
    const onData = (c: Buffer) => {
      output += String(c);
      const m = ready.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve({ child, match: m, output: () => output });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`${path.basename(cmd)} exited (${code}):\n${output}`)); });
  });
}

export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM'); // this child's PID only
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([exited, new Promise((r) => { timer = setTimeout(r, 5000); })]);
  clearTimeout(timer);
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

/**
 * local-kms (interop/local-kms: github.com/nsmithuk/local-kms's handler and key store behind our
 * loopback TLS listener). It implements CreateKey/CreateAlias/DescribeKey/GetPublicKey and Sign /
 * Verify with MessageType DIGEST, what cosign's AWS signer sends; it does not check SigV4.
 */
export async function startLocalKms(bin: string, dir: string): Promise<KmsEmulator> {
  fs.mkdirSync(dir, { recursive: true });
  const { cert, key } = loopbackCertificate(dir);
  const { child, match } = await startUntil(bin, ['-addr', '127.0.0.1:0', '-cert', cert, '-key', key, '-data', path.join(dir, 'db')],
    /listening on https:\/\/(127\.0\.0\.1:\d+)/);
  return { host: match[1], caFile: cert, stop: () => stopChild(child) };
}
