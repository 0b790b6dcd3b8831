import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import YAML from 'yaml';
import { tempDir } from './fixtures';
import { requireInteropTool } from './interop';

/*
 * Runs admission policies against one image with the real engines, with a loopback registry
 * reachable, and normalizes what each says into admit / deny.
 *
 * Facts this rests on (read in the module cache: `go mod download -json <module>@<version>`):
 *
 * Kyverno CLI (`kubectl-kyverno apply`, github.com/kyverno/kyverno v1.16.3 and v1.19.1):
 * - `apply <policy files> --resource <pod.yaml>` runs a ClusterPolicy's verifyImages rules through
 *   `engine.VerifyAndPatchImages`, then its validate phase (verifyDigest/required), in
 *   cmd/cli/kubectl-kyverno/processor/policy_processor.go `ApplyPoliciesOnResource`. The registry
 *   client is `store.GetRegistryClient()`, which `--registry` sets (cmd/cli/kubectl-kyverno/store/
 *   store.go `SetRegistryAccess`), and which falls back to `registryclient.New()` without it; so
 *   verifyImages reaches the registry either way. We pass `--registry` to say so.
 * - ImageValidatingPolicies run in `applyImageValidatingPolicies` (commands/apply/command.go)
 *   through the ivpol engine's `HandleValidating` (validation only: the mutating pass that pins
 *   digests in a cluster does not run in the CLI). The CEL functions take their registry options
 *   from `registryclient.GlobalOptsOrDefault` (github.com/kyverno/sdk extensions/registryclient,
 *   v1.19.1; v1.16.3 pkg/cel/libs/imageverify `GetRemoteOptsFromPolicy`).
 * - `registryclient.New()` without options authenticates with go-containerregistry's
 *   `authn.DefaultKeychain`: `$DOCKER_CONFIG/config.json` (anonymous when there is none). We point
 *   DOCKER_CONFIG at an empty (or the caller's) folder, never at the machine's.
 * - Plain HTTP: go-containerregistry's `name.Registry.Scheme()` (pkg/name/registry.go, v0.21.8 /
 *   v0.20.3) says `http` for `127.0.0.1[:port]`, `localhost:port`, `*.localhost`, `::1` and RFC 1918
 *   addresses, and `transport.Ping` then tries https and http in parallel. So a registry on
 *   `127.0.0.1:PORT` is reached over plain HTTP with no flag (there is no insecure flag in the CLI;
 *   `WithAllowInsecureRegistry` is only set by the in-cluster `--allowInsecureRegistry`).
 * - `--policy-report --output-format json` prints (Cluster)PolicyReports with one result per rule
 *   (`pass|fail|warn|error|skip`, message); `--audit-warn` turns the `fail` of a policy whose
 *   failure action resolves to Audit into `warn`, with the engine's own resolution
 *   (`EngineResponse.GetValidationFailureAction`; cmd/cli/kubectl-kyverno/report/report.go). It
 *   returns "" for an ImageValidatingPolicy, and `"".Audit()` is true (`Audit()` is `!Enforce()`,
 *   api/kyverno/v1/spec_types.go), so an IVP's failure is always reported as `warn`: the harness
 *   decides an IVP's enforcement from its `validationActions` itself.
 * - Admission: a ClusterPolicy blocks on an enforced failure, or on an error when its
 *   failurePolicy is Fail (the default) (pkg/utils/engine/response.go `BlockRequest`). An
 *   ImageValidatingPolicy blocks on a failure when `validationActions` has `Deny`, and on an error
 *   when `failurePolicy` is Fail. The harness applies exactly these two rules to the CLI's results.
 *
 * policy-controller tester (`cmd/tester`, github.com/sigstore/policy-controller v0.15.1):
 * - flags: `-policy FILE` (ClusterImagePolicy documents split on `\n---\n`; other kinds are
 *   skipped, pkg/policy/parse.go), `-image REF`, `-trustroot FILE` (one TrustRoot resource, for
 *   keyless with a private root), `-resource FILE` (for includeSpec/ObjectMeta/match),
 *   `-enable-oci11` (referrers), `-log-level`.
 * - It uses `name.ParseReference(image)` and `authn.DefaultKeychain`, the same plain-HTTP rule for
 *   127.0.0.1, and NoMatchPolicy `deny` ("… is uncovered by policy").
 * - Globs are matched against `ref.Name()` of the given reference (pkg/policy/verifier.go); the
 *   webhook matches the digest-resolved `registry/repo@sha256:…` after its mutating webhook
 *   resolved the tag (admission-engines.md §4.3), so give the tester the digest reference.
 * - `mode: warn` policies turn their errors into warnings (pkg/webhook/validator.go
 *   `asFieldError`); the tester prints `{"errors": [...], "warnings": [...]}` and exits 1 only on
 *   errors, else exits 0 silently. So exit 0 = admit, exit 1 with errors = deny.
 *
 * Both are run offline: HOME is a temp folder, TUF_ROOT an empty temp folder and TUF_MIRROR a
 * closed loopback port, so nothing reaches the public Sigstore TUF repository. This machine is
 * therefore an air-gapped cluster to the engines, and what needs the public TUF repository fails
 * as it would there: every ImageValidatingPolicy cosign attestor on 1.16.3 (`checkOptions` calls
 * `initializeTuf` first, pkg/imageverification/imageverifiers/cosign/opts.go: the CLI logs
 * "Failed to initialize TUF client … tuf-repo-cdn.sigstore.dev … no such host" with `-v 6`), and
 * on 1.19.1 every IVP attestor but key/certificate ones with `ctlog.insecureIgnoreTlog`
 * (pkg/image/verifiers/ivpol/cosign/opts.go `skipSigstoreInfra`): keyless attestors initialize
 * TUF even when the policy carries its own `trustedRoot`. Blueprints compared against these
 * engines should say `airGapped: true` (rule ISB-NET-002, `verify --config` code
 * SIGSTORE_UNREACHABLE).
 */

/** The real engines this harness runs (built by interop/build.sh). */
export type EngineName = 'kyverno-1.16' | 'kyverno-1.19' | 'policy-tester';

export const ENGINES: readonly EngineName[] = ['kyverno-1.16', 'kyverno-1.19', 'policy-tester'];

/** One result the engine reported (Kyverno: one per policy rule; policy-tester: one per error). */
export interface EngineResult {
  readonly policy: string;
  readonly rule?: string;
  /** Kyverno: pass | fail | warn | error | skip; policy-tester: error | warning */
  readonly result: string;
  readonly message: string;
}

export interface EngineVerdict {
  readonly engine: EngineName;
  /** what the cluster would do with the Pod */
  readonly verdict: 'admit' | 'deny';
  /**
   * did the image satisfy every selecting policy (Kyverno: no fail/warn/error result; the
   * tester: exit 0 with no warnings). Undefined for a warn-mode CIP that passed: the tester
   * prints nothing then, so satisfied is not observable.
   */
  readonly satisfied?: boolean;
  readonly results: readonly EngineResult[];
  /** one line: the deny reasons, or what passed */
  readonly message: string;
  readonly exitCode: number;
  /** the engine's full output (stdout + stderr) */
  readonly output: string;
  readonly command: string;
}

export interface EngineRunInput {
  /**
   * Policy objects. Kyverno: ClusterPolicy / ImageValidatingPolicy (other kinds are dropped);
   * policy-tester: ClusterImagePolicy (other kinds are dropped).
   */
  readonly policies: readonly any[];
  /** the image as the Pod spec names it (Kyverno reads it from the Pod) */
  readonly image: string;
  /**
   * policy-tester: the reference its webhook would check, i.e. digest-resolved
   * `registry/repo@sha256:…`. Default: `image`.
   */
  readonly admissionImage?: string;
  /** policy-tester: a TrustRoot object for keyless policies with a private root (`-trustroot`) */
  readonly trustRoot?: any;
  /** a folder holding config.json with registry credentials; default an empty folder (anonymous) */
  readonly dockerConfigDir?: string;
  /** namespace of the probe Pod (default `default`) */
  readonly namespace?: string;
  /** default 120 s */
  readonly timeoutMs?: number;
}

const KYVERNO_KINDS = new Set(['ClusterPolicy', 'ImageValidatingPolicy']);

interface Proc { code: number; stdout: string; stderr: string }

function run(bin: string, args: string[], env: Record<string, string>, cwd: string, timeoutMs: number): Promise<Proc> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => { stdout += String(c); });
    child.stderr.on('data', (c) => { stderr += String(c); });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs); // by this child's PID only
    child.on('error', (e) => { clearTimeout(timer); reject(e); });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr: signal ? `${stderr}\n(killed by ${signal} after ${timeoutMs} ms)` : stderr });
    });
  });
}

/** the offline environment of one engine run (its own HOME, TUF_ROOT and DOCKER_CONFIG) */
function engineEnv(dir: string, dockerConfigDir?: string): Record<string, string> {
  const home = path.join(dir, 'home');
  fs.mkdirSync(path.join(home, 'tuf'), { recursive: true });
  const docker = dockerConfigDir ?? path.join(dir, 'docker');
  fs.mkdirSync(docker, { recursive: true });
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    DOCKER_CONFIG: docker,
    TUF_ROOT: path.join(home, 'tuf'),
    TUF_MIRROR: 'http://127.0.0.1:9',
    SIGSTORE_NO_CACHE: 'true',
  };
}

/** every JSON document printed on its own line(s): the policy reports */
function jsonDocuments(text: string): any[] {
  const out: any[] = [];
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (!t.startsWith('{')) continue;
    try {
      out.push(JSON.parse(t));
    } catch {
      // a log line that starts with "{" but is not one JSON document
    }
  }
  return out;
}

function firstLine(s: string): string {
  return (s.split('\n').find((l) => l.trim() !== '') ?? '').trim().slice(0, 300);
}

function kyvernoPod(image: string, namespace: string): string {
  return YAML.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'probe', namespace, labels: { app: 'probe' } },
    spec: { containers: [{ name: 'c', image }] },
  });
}

async function runKyverno(engine: 'kyverno-1.16' | 'kyverno-1.19', input: EngineRunInput): Promise<EngineVerdict> {
  const bin = requireInteropTool(engine);
  const dir = tempDir('isb-engine-');
  try {
    const policies = input.policies.filter((p) => KYVERNO_KINDS.has(p?.kind));
    if (policies.length === 0) throw new Error(`${engine}: no ClusterPolicy or ImageValidatingPolicy among the ${input.policies.length} object(s)`);
    const policyFile = path.join(dir, 'policies.yaml');
    fs.writeFileSync(policyFile, policies.map((p) => YAML.stringify(p)).join('---\n'));
    const podFile = path.join(dir, 'pod.yaml');
    fs.writeFileSync(podFile, kyvernoPod(input.image, input.namespace ?? 'default'));
    const args = ['apply', policyFile, '--resource', podFile, '--registry', '--policy-report', '--output-format', 'json', '--audit-warn', '--remove-color'];
    const p = await run(bin, args, engineEnv(dir, input.dockerConfigDir), dir, input.timeoutMs ?? 120_000);
    const output = `${p.stdout}${p.stderr ? `\n${p.stderr}` : ''}`;
    const command = `${engine} ${args.join(' ')}`;
    const reports = jsonDocuments(p.stdout).filter((d) => Array.isArray(d?.results) || /PolicyReport|Report$/.test(String(d?.kind)));
    const results: EngineResult[] = reports.flatMap((r) => (r.results ?? []).map((x: any) => ({
      policy: String(x.policy ?? ''), rule: x.rule, result: String(x.result ?? ''), message: String(x.message ?? ''),
    })));
    if (reports.length === 0 && p.code !== 0) {
      throw new Error(`${command} exited ${p.code} without a policy report:\n${output}`);
    }
    const byName = new Map(policies.map((x) => [x.metadata?.name, x]));
    const blocking = results.filter((r) => blocks(byName.get(r.policy), r.result));
    const unsatisfied = results.filter((r) => r.result === 'fail' || r.result === 'warn' || r.result === 'error');
    const verdict = blocking.length > 0 ? 'deny' : 'admit';
    const shown = verdict === 'deny' ? blocking : unsatisfied.length > 0 ? unsatisfied : results;
    return {
      engine,
      verdict,
      satisfied: unsatisfied.length === 0,
      results,
      message: shown.length === 0 ? 'no policy rule applied to the Pod'
        : shown.map((r) => `${r.policy}${r.rule ? `/${r.rule}` : ''}: ${r.result}${r.message ? ` ${firstLine(r.message)}` : ''}`).join('; '),
      exitCode: p.code,
      output,
      command,
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** does one Kyverno CLI result block admission (webhook rules, see the file comment) */
function blocks(policy: any, result: string): boolean {
  const failurePolicyFail = (policy?.spec?.failurePolicy ?? 'Fail') === 'Fail';
  if (result === 'error') return failurePolicyFail;
  // an IVP's failure is reported as warn (see the file comment): its validationActions decide
  if (policy?.kind === 'ImageValidatingPolicy') return (result === 'fail' || result === 'warn') && (policy.spec?.validationActions ?? []).includes('Deny');
  // a ClusterPolicy fail that --audit-warn left as fail is enforced; warn is an Audit policy's fail
  return result === 'fail';
}

async function runPolicyTester(input: EngineRunInput): Promise<EngineVerdict> {
  const bin = requireInteropTool('policy-tester');
  const dir = tempDir('isb-engine-');
  try {
    const cips = input.policies.filter((p) => p?.kind === 'ClusterImagePolicy');
    if (cips.length === 0) throw new Error(`policy-tester: no ClusterImagePolicy among the ${input.policies.length} object(s)`);
    const policyFile = path.join(dir, 'cip.yaml');
    fs.writeFileSync(policyFile, cips.map((p) => YAML.stringify(p)).join('\n---\n'));
    const image = input.admissionImage ?? input.image;
    const args = ['-policy', policyFile, '-image', image, '-log-level', 'warn'];
    if (input.trustRoot) {
      const trFile = path.join(dir, 'trustroot.yaml');
      fs.writeFileSync(trFile, YAML.stringify(input.trustRoot));
      args.push('-trustroot', trFile);
    }
    const p = await run(bin, args, engineEnv(dir, input.dockerConfigDir), dir, input.timeoutMs ?? 120_000);
    const output = `${p.stdout}${p.stderr ? `\n${p.stderr}` : ''}`;
    const command = `policy-tester ${args.join(' ')}`;
    const doc = jsonDocuments(p.stdout).find((d) => Array.isArray(d?.errors) || Array.isArray(d?.warnings));
    const results: EngineResult[] = [
      ...(doc?.errors ?? []).map((e: string) => ({ policy: cips.map((c) => c.metadata?.name).join(','), result: 'error', message: e })),
      ...(doc?.warnings ?? []).map((e: string) => ({ policy: cips.map((c) => c.metadata?.name).join(','), result: 'warning', message: e })),
    ];
    if (p.code !== 0 && !doc) {
      // log.Fatal paths: an invalid policy or reference
      throw new Error(`${command} exited ${p.code} without a verdict:\n${output}`);
    }
    const verdict = p.code === 0 ? 'admit' : 'deny';
    return {
      engine: 'policy-tester',
      verdict,
      // exit 0 prints nothing: a warn-mode policy's failure is not observable then
      satisfied: p.code !== 0 ? false : cips.every((c) => (c.spec?.mode ?? 'enforce') === 'enforce') ? true : undefined,
      results,
      message: verdict === 'deny' ? results.filter((r) => r.result === 'error').map((r) => firstLine(r.message)).join('; ') : 'verified (exit 0)',
      exitCode: p.code,
      output,
      command,
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Runs the policies against the image with one real engine and returns its verdict. Never
 * contacts anything but the registries the image names. Throws when the engine cannot evaluate
 * at all (no policy of its kind, an invalid policy), with the engine's output.
 */
export function runEngine(engine: EngineName, input: EngineRunInput): Promise<EngineVerdict> {
  return engine === 'policy-tester' ? runPolicyTester(input) : runKyverno(engine, input);
}

/** The engine that evaluates a policy object of this kind (Kyverno: the version the policy targets). */
export function enginesFor(kind: string, kyvernoVersion: '1.16' | '1.19'): EngineName[] {
  if (kind === 'ClusterImagePolicy') return ['policy-tester'];
  if (KYVERNO_KINDS.has(kind)) return [`kyverno-${kyvernoVersion}`];
  return [];
}

/** Runs tasks with at most `limit` at a time (engine runs are CPU-heavy Go processes). */
export async function limitConcurrency<T>(limit: number, tasks: readonly (() => Promise<T>)[]): Promise<T[]> {
  const out: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++;
      out[i] = await tasks[i]();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return out;
}
