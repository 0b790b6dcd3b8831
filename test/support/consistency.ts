import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { actionlint } from './actionlint';
import { newPublicKeyPem, tempDir } from './fixtures';
import { SCHEMAS, schemaErrors } from './schemas';
import { ImageSigningBlueprint } from '../../src/blueprint';
import { configFileLocator, configFindings } from '../../src/checks/config-findings';
import { ConfigError } from '../../src/config/problems';
import { generateKeyPair } from '../../src/keys/key-pair';

/*
 * The consistency invariant of issue 14, for one generated blueprint: either the loader refuses
 * it, as findings with a catalogue id, a config path, a file and a line (in every output format),
 * or it renders, `check` reports no unsuppressed error finding, every policy validates against the
 * real CRD schemas (Kyverno v1.19.0, policy-controller v0.15.1) and every workflow passes
 * actionlint 1.7.7.
 */

/** One point of the configuration space. */
export interface Combo {
  readonly mode: 'key' | 'keyless';
  readonly cosign: 'v2.6.4' | 'v3.0.5';
  readonly format: 'legacy' | 'bundle' | 'both';
  readonly tlog: boolean;
  readonly sbom?: 'cyclonedx' | 'spdx';
  readonly provenance: boolean;
  /** one entry per cluster */
  readonly clusters: readonly Engine[];
  readonly failureAction: 'Enforce' | 'Audit';
  /** key mode: previous keys kept for rotation (an expired one has a past end date) */
  readonly rotation: 'none' | 'previous' | 'expired';
  /** key mode: a matching cosign.key is at hand (COSIGN_PASSWORD set) */
  readonly privateKey: boolean;
  readonly namespaces: boolean;
  /** 1 repository, 2 with their own patterns, 2 sharing one pattern */
  readonly repositories: 'one' | 'two' | 'shared';
  /** signing and admission come from a base file (`extends:`) */
  readonly extendsBase: boolean;
  /** a second repository signs with the other mode (per-repository signing) */
  readonly mixedModes?: boolean;
}

export type Engine = 'cp-1.16' | 'cp-1.19' | 'ivpol-1.19' | 'ivpol-1.16' | 'pc' | 'cp-1.16+pc' | 'ivpol-1.19+pc';

export const ENGINES: readonly Engine[] = ['cp-1.16', 'cp-1.19', 'ivpol-1.16', 'ivpol-1.19', 'pc', 'cp-1.16+pc', 'ivpol-1.19+pc'];

const PASSWORD = 'matrix-password';
const NOW = new Date('2026-12-06T00:00:00Z');

/** Key files shared by every generated config (generated once: scrypt is slow). */
interface KeyFiles { readonly dir: string }
let keyFiles: Promise<KeyFiles> | undefined;

export function sharedKeyFiles(): Promise<KeyFiles> {
  keyFiles ??= (async () => {
    const dir = tempDir('isb-matrix-keys-');
    const pair = await generateKeyPair({ password: PASSWORD, scryptN: 32768 });
    fs.writeFileSync(path.join(dir, 'cosign.pub'), pair.publicKeyPem);
    fs.writeFileSync(path.join(dir, 'cosign.key'), pair.privateKeyPem);
    fs.writeFileSync(path.join(dir, 'old.pub'), newPublicKeyPem());
    fs.writeFileSync(path.join(dir, 'older.pub'), newPublicKeyPem());
    fs.writeFileSync(path.join(dir, 'team.pub'), newPublicKeyPem());
    return { dir };
  })();
  return keyFiles;
}

function engineConfig(e: Engine): Record<string, unknown> {
  const [kv, pc] = e.split('+');
  const out: Record<string, unknown> = {};
  if (kv === 'pc') {
    out.kyverno = { enabled: false };
    out.policyController = { enabled: true, version: '0.15' };
    return out;
  }
  const [kind, version] = kv.split('-');
  out.kyverno = { policy: kind === 'cp' ? 'ClusterPolicy' : 'ImageValidatingPolicy', version };
  if (pc) out.policyController = { enabled: true, version: '0.15' };
  return out;
}

/** The blueprint files for a combo: `blueprint.yaml` (and `base.yaml` with extendsBase). */
export function comboFiles(c: Combo): Record<string, unknown> {
  const signing: Record<string, any> = {
    mode: c.mode,
    cosign: { version: c.cosign, signatureFormat: c.format },
    transparencyLog: c.tlog,
  };
  if (c.mode === 'key') {
    signing.key = { publicKeyFile: 'cosign.pub' };
    if (c.privateKey) signing.key.privateKeyFile = 'cosign.key';
    if (c.rotation === 'previous') signing.key.previousPublicKeyFiles = ['old.pub'];
    if (c.rotation === 'expired') signing.key.previousKeys = [{ publicKeyFile: 'old.pub', notAfter: '2026-01-31' }, { publicKeyFile: 'older.pub', notAfter: '2099-12-31' }];
  }
  const repositories: Record<string, any>[] = [{ name: 'web', images: ['ghcr.io/acme/web'], workflow: { tags: ['v*'] } }];
  if (c.repositories !== 'one') {
    const api: Record<string, any> = { name: 'api', images: ['ghcr.io/acme/api', 'docker.io/acme/api'] };
    if (c.mixedModes) {
      api.signing = c.mode === 'key'
        ? { mode: 'keyless', transparencyLog: true }
        : { mode: 'key', key: { publicKeyFile: 'team.pub' } };
    }
    repositories.push(api);
  }
  const admission: Record<string, any> = { failureAction: c.failureAction };
  // one pattern set for both repositories, in every spelling an engine matches (admission-engines.md §2.1, §3, §4.2)
  if (c.repositories === 'shared') admission.imageReferences = ['ghcr.io/acme/*', 'docker.io/acme/*', 'index.docker.io/acme/*'];
  if (c.namespaces) admission.namespaces = ['apps', 'payments'];
  const clusters = c.clusters.map((e, i) => ({ name: `c${i}-${e.replace(/[.+]/g, '-')}`, ...engineConfig(e) }));
  const attestations: Record<string, any> = {};
  if (c.sbom) attestations.sbom = { format: c.sbom };
  if (c.provenance) attestations.provenance = true;
  const main: Record<string, any> = {
    name: 'acme-matrix',
    github: { owner: 'acme' },
    repositories,
    ...(Object.keys(attestations).length > 0 ? { attestations } : {}),
    clusters,
  };
  if (c.extendsBase) {
    return {
      'base.yaml': { signing, admission },
      'blueprint.yaml': { extends: 'base.yaml', ...main },
    };
  }
  return { 'blueprint.yaml': { ...main, signing, admission } };
}

export interface Outcome {
  readonly combo: Combo;
  readonly refused: boolean;
  /** what is wrong: empty when the invariant holds */
  readonly violations: string[];
  /** the refusal findings (ids), or the error findings */
  readonly ids: string[];
}

const lintCache = new Map<string, Promise<string[]>>();

function lintOnce(text: string, file: string): Promise<string[]> {
  const h = createHash('sha256').update(text).digest('hex');
  let p = lintCache.get(h);
  if (!p) {
    p = actionlint(text, file).then((r) => r.map((x) => `${x.line}:${x.column} ${x.kind} ${x.message}`));
    lintCache.set(h, p);
  }
  return p;
}

const SCHEMA_OF: Record<string, string> = {
  ClusterPolicy: SCHEMAS.clusterPolicy,
  ImageValidatingPolicy: SCHEMAS.imageValidatingPolicy,
  ClusterImagePolicy: SCHEMAS.clusterImagePolicy,
};

/** Writes the combo's files into a fresh folder beside the shared keys and checks the invariant. */
export async function assess(c: Combo): Promise<Outcome> {
  const keys = await sharedKeyFiles();
  const dir = fs.mkdtempSync(path.join(keys.dir, 'c-'));
  for (const f of ['cosign.pub', 'cosign.key', 'old.pub', 'older.pub', 'team.pub']) fs.copyFileSync(path.join(keys.dir, f), path.join(dir, f));
  for (const [name, doc] of Object.entries(comboFiles(c))) fs.writeFileSync(path.join(dir, name), stringify(doc));
  try {
    return await assessFile(c, path.join(dir, 'blueprint.yaml'));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The invariant over one config file. */
export async function assessFile(c: Combo, file: string): Promise<Outcome> {
  const env = { COSIGN_PASSWORD: PASSWORD };
  let bp: ImageSigningBlueprint;
  try {
    bp = ImageSigningBlueprint.fromFile(file);
  } catch (e) {
    if (!(e instanceof ConfigError)) return { combo: c, refused: true, violations: [`refused without a ConfigError: ${(e as Error).message}`], ids: [] };
    const violations: string[] = [];
    const { chain, locate } = configFileLocator(file);
    const found = configFindings(e, locate, chain);
    for (const f of found) {
      if (!/^ISB-[A-Z]+-\d{3}$/.test(f.id)) violations.push(`refusal without a catalogue id: ${f.message}`);
      if (f.file === undefined || f.line === undefined) violations.push(`refusal ${f.id} ${f.path} without file/line`);
    }
    if (found.length === 0) violations.push('a refusal with no finding');
    return { combo: c, refused: true, violations, ids: found.map((f) => `${f.id} ${f.path}: ${f.message}`) };
  }
  const violations: string[] = [];
  const findings = bp._findings(env, NOW);
  const errors = findings.filter((f) => f.level === 'error' && !f.suppressed);
  const expected = expectedErrors(c);
  const allowed = expected.length > 0 && c.mixedModes === true && c.tlog !== true ? [...expected, 'ISB-POL-004'] : expected;
  for (const f of errors) if (!allowed.includes(f.id)) violations.push(`${f.id} ${f.path}: ${f.message}`);
  for (const id of expected) if (!errors.some((f) => f.id === id)) violations.push(`expected ${id} (a genuine conflict of the config), got none`);
  const art = bp._render();
  for (const [cluster, objs] of art.clusterObjects) {
    for (const o of objs) {
      const schema = SCHEMA_OF[o.kind];
      if (!schema) continue;
      for (const err of schemaErrors(schema, o)) violations.push(`schema ${cluster} ${o.kind}/${o.metadata?.name}: ${err}`);
    }
  }
  for (const [rel, text] of art.files) {
    if (!/\.github\/workflows\/[^/]+\.ya?ml$/.test(rel)) continue;
    for (const l of await lintOnce(text, rel.replace(/^.*?(\.github\/)/, '$1'))) violations.push(`actionlint ${rel} ${l}`);
  }
  return { combo: c, refused: false, violations, ids: errors.map((f) => f.id) };
}

/**
 * Errors a combo must get because the config itself is contradictory (not the product): one
 * pattern shared by two repositories with different signers (each keyless repository is its own
 * workflow identity; a mixed blueprint has a key and an identity) requires every image to carry
 * both signatures under Kyverno (all rules apply) and the engines reject them: ISB-IMG-004. With a
 * key signer that skips the tlog, the shared keyless entry then also guards images without a
 * Rekor entry, and ISB-POL-004 says so too. An ImageValidatingPolicy cannot verify an SBOM
 * attested with a key and no Rekor entry (verifyAttestationSignatures needs a verified tlog entry
 * whatever insecureIgnoreTlog says, kyverno#17109, seen with the Kyverno CLIs in
 * test/engines/verdict-parity.test.ts): ISB-POL-004 too.
 */
export function expectedErrors(c: Combo): string[] {
  const out = c.repositories === 'shared' && (c.mode === 'keyless' || c.mixedModes === true) ? ['ISB-IMG-004'] : [];
  const keySigned = c.mode === 'key' || c.mixedModes === true;
  if (keySigned && c.tlog === false && c.sbom !== undefined && c.clusters.some((k) => k.startsWith('ivpol'))) out.push('ISB-POL-004');
  return out;
}

/** A combo as a short label for failure messages. */
export function label(c: Combo): string {
  return JSON.stringify(c);
}
