/*
 * Read-only views over the final artifacts, shared by the rules: policy entries per engine,
 * workflow steps, cosign command lines, pushed images.
 */
import { CheckArtifacts } from './types';
import { PREDICATE_TYPES } from '../cluster/attestations';

export interface KyvernoEntry {
  readonly cluster: string;
  readonly policy: any;
  readonly rule: any;
  readonly entry: any;
  /** `kubernetes/<cluster>: ClusterPolicy/<name> rules[i].verifyImages[j]` */
  readonly where: string;
}

/** Memoizes a view per artifacts object: every rule reads the same views. */
function memo<T>(fn: (a: CheckArtifacts) => T): (a: CheckArtifacts) => T {
  const cache = new WeakMap<CheckArtifacts, T>();
  return (a) => {
    let v = cache.get(a);
    if (v === undefined) {
      v = fn(a);
      cache.set(a, v);
    }
    return v;
  };
}

export const kyvernoEntries = memo(kyvernoEntriesOf);

function kyvernoEntriesOf(a: CheckArtifacts): KyvernoEntry[] {
  const out: KyvernoEntry[] = [];
  for (const [cluster, objects] of a.clusterObjects) {
    for (const p of objects) {
      if (p?.kind !== 'ClusterPolicy' || !String(p.apiVersion).startsWith('kyverno.io/')) continue;
      (p.spec?.rules ?? []).forEach((rule: any, i: number) => {
        (rule.verifyImages ?? []).forEach((entry: any, j: number) => {
          out.push({ cluster, policy: p, rule, entry, where: `kubernetes/${cluster}: ClusterPolicy/${p.metadata?.name} rules[${i}].verifyImages[${j}]` });
        });
      });
    }
  }
  return out;
}

export interface PolicyObject {
  readonly cluster: string;
  readonly policy: any;
  readonly where: string;
}

export function objectsOfKind(a: CheckArtifacts, kind: string): PolicyObject[] {
  const out: PolicyObject[] = [];
  for (const [cluster, objects] of a.clusterObjects) {
    for (const p of objects) {
      if (p?.kind === kind) out.push({ cluster, policy: p, where: `kubernetes/${cluster}: ${kind}/${p.metadata?.name}` });
    }
  }
  return out;
}

/*
 * Where each attestation's proof comes from. An SBOM is made by `cosign attest`, signed like the
 * image signature (same key or identity, same format, same tlog setting). SLSA provenance is made
 * by actions/attest-build-provenance: always keyless, always a Sigstore bundle (v0.3 referrer),
 * logged in the public-good Rekor for public repositories, whatever the blueprint's cosign
 * settings (cluster/attestations.ts). The verifiers of the latter are not image-signature verifiers.
 */

/** True when a predicate type URI is the SLSA provenance GitHub attestations carry. */
export function isGitHubProvenanceType(type: unknown): boolean {
  return type === PREDICATE_TYPES.provenance;
}

/**
 * A ClusterPolicy verifyImages entry that verifies only GitHub provenance attestations (no
 * image-signature attestors of its own): its proof is attest-build-provenance's bundle.
 */
export function isGitHubAttestationEntry(entry: any): boolean {
  const atts: any[] = entry?.attestations ?? [];
  return (entry?.attestors ?? []).length === 0 && atts.length > 0 && atts.every((a) => isGitHubProvenanceType(a?.type ?? a?.predicateType));
}

/**
 * The ImageValidatingPolicy attestors used only to verify GitHub provenance attestations
 * (`verifyAttestationSignatures(image, attestations.<provenance>, [attestors.x, …])`), never for
 * image signatures or cosign attestations.
 */
export function ivpolGitHubAttestors(policy: any): Set<string> {
  const provenance = new Set<string>((policy?.spec?.attestations ?? [])
    .filter((a: any) => isGitHubProvenanceType(a?.intoto?.type ?? a?.referrer?.type)).map((a: any) => a.name));
  const onlyProvenance = new Set<string>();
  const other = new Set<string>();
  for (const v of policy?.spec?.validations ?? []) {
    const expr = String(v?.expression ?? '');
    for (const m of expr.matchAll(/verify(Image|Attestation)Signatures\(\s*\w+\s*,\s*(?:attestations\.(\w+)\s*,\s*)?\[([^\]]*)\]/g)) {
      const names = [...m[3].matchAll(/attestors\.(\w+)/g)].map((x) => x[1]);
      const target = m[1] === 'Attestation' && m[2] !== undefined && provenance.has(m[2]) ? onlyProvenance : other;
      for (const n of names) target.add(n);
    }
  }
  for (const n of other) onlyProvenance.delete(n);
  return onlyProvenance;
}

/** A policy-controller authority that verifies only GitHub provenance attestations (keyless). */
export function isGitHubAttestationAuthority(a: any): boolean {
  const atts: any[] = a?.attestations ?? [];
  return a?.keyless !== undefined && atts.length > 0 && atts.every((x) => isGitHubProvenanceType(x?.predicateType));
}

/** Every attestor entry of a Kyverno ClusterPolicy verifyImages entry (nested sets flattened). */
export function kyvernoAttestorEntries(entry: any): any[] {
  const out: any[] = [];
  const walk = (sets: any[]) => {
    for (const set of sets ?? []) {
      for (const e of set.entries ?? []) {
        if (e.attestor?.entries) walk([e.attestor]);
        else out.push(e);
      }
    }
  };
  walk(entry.attestors ?? []);
  for (const att of entry.attestations ?? []) walk(att.attestors ?? []);
  return out;
}

export interface WorkflowStep {
  readonly repo: string;
  readonly file: string;
  readonly jobId: string;
  readonly job: any;
  readonly index: number;
  readonly step: any;
  readonly where: string;
}

export const workflowSteps = memo(workflowStepsOf);

function workflowStepsOf(a: CheckArtifacts): WorkflowStep[] {
  const out: WorkflowStep[] = [];
  for (const w of a.workflows.values()) {
    const repo = w.repo;
    for (const [jobId, job] of Object.entries<any>(w.workflow?.jobs ?? {})) {
      (job?.steps ?? []).forEach((step: any, index: number) => {
        out.push({ repo, file: w.file, jobId, job, index, step, where: `${w.file}: jobs.${jobId}.steps[${index}]` });
      });
    }
  }
  return out;
}

/** A cosign invocation found in a `run:` script. */
export interface CosignCall {
  readonly sub: string;
  readonly flags: ReadonlyMap<string, string | true>;
  readonly args: readonly string[];
  readonly line: string;
  readonly step: WorkflowStep;
}

/** Splits a shell line into words, honouring single and double quotes (no expansions). */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  let quote: '"' | '\'' | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && i + 1 < line.length) cur += line[++i];
      else cur += c;
    } else if (c === '"' || c === '\'') {
      quote = c;
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else if (c === '\\' && i + 1 < line.length) {
      cur += line[++i];
      inWord = true;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (inWord) words.push(cur);
  return words;
}

/** Flags of cosign that take a separate value (`--key x`); all others are booleans or `--f=v`. */
const VALUE_FLAGS = new Set([
  '--key', '--certificate-identity', '--certificate-identity-regexp', '--certificate-oidc-issuer',
  '--certificate-oidc-issuer-regexp', '--type', '--predicate', '--rekor-url', '--fulcio-url', '--trusted-root',
  '--signing-config', '--out', '--output', '-o', '-a', '--annotations', '--bundle', '--certificate', '--certificate-chain',
]);

export const cosignCalls = memo(cosignCallsOf);

function cosignCallsOf(a: CheckArtifacts): CosignCall[] {
  const out: CosignCall[] = [];
  for (const step of workflowSteps(a)) {
    const run = step.step?.run;
    if (typeof run !== 'string') continue;
    for (const rawLine of run.replace(/\\\n/g, ' ').split('\n')) {
      const words = shellWords(rawLine.trim());
      const at = words.indexOf('cosign');
      if (at < 0 || at + 1 >= words.length) continue;
      const sub = words[at + 1];
      const flags = new Map<string, string | true>();
      const args: string[] = [];
      for (let i = at + 2; i < words.length; i++) {
        const w = words[i];
        if (w.startsWith('-')) {
          const eq = w.indexOf('=');
          if (eq > 0) flags.set(w.slice(0, eq), w.slice(eq + 1));
          else if (VALUE_FLAGS.has(w) && i + 1 < words.length) flags.set(w, words[++i]);
          else flags.set(w, true);
        } else {
          args.push(w);
        }
      }
      out.push({ sub, flags, args, line: rawLine.trim(), step });
    }
  }
  return out;
}

/** True when the value contains a GitHub expression only known at run time. */
export function hasExpression(s: string): boolean {
  return /\$\{\{/.test(s);
}

/** Image names a workflow pushes: the names of the build step's `tags` (without tag). */
export const pushedImages = memo(pushedImagesOf);

function pushedImagesOf(a: CheckArtifacts): { repo: string; image: string; step: WorkflowStep }[] {
  const out: { repo: string; image: string; step: WorkflowStep }[] = [];
  for (const step of workflowSteps(a)) {
    const uses = String(step.step?.uses ?? '');
    if (!uses.startsWith('docker/build-push-action@')) continue;
    const tags = String(step.step?.with?.tags ?? '').split(/[\n,]/).map((t) => t.trim()).filter(Boolean);
    for (const t of tags) {
      const slash = t.lastIndexOf('/');
      const colon = t.indexOf(':', slash + 1);
      out.push({ repo: step.repo, image: colon >= 0 ? t.slice(0, colon) : t, step });
    }
  }
  return out;
}

/** A sha256 digest for probing matchers with the admission-time form of an image. */
export const PROBE_DIGEST = `sha256:${'0123456789abcdef'.repeat(4)}`;
