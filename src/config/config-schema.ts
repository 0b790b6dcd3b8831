import { kmsBlockProblems } from './kms-checks';
import { effectiveSigning, effectiveWorkflow, signingOrigin } from './merge';
import { PIN_KEYS } from './pins';
import { Problem } from './problems';
import { arrayOf, bool, int, obj, oneOf, opt, req, Schema, str } from './schema';
import { FailureAction, KyvernoPolicyType, SbomFormat, SecretScope, SignatureFormat, SigningMode } from './types';
import * as v from './value-checks';

const values = (e: Record<string, string>) => Object.values(e);

const kyverno = obj({
  enabled: opt(bool),
  policy: opt(oneOf(values(KyvernoPolicyType))),
  version: opt(str(v.kyvernoVersion)),
});

const policyController = obj({
  enabled: opt(bool),
  version: opt(str(v.policyControllerVersion)),
});

const imageReferences = arrayOf(str(v.imagePattern, 512), { minItems: 1, unique: true });
const skipImageReferences = arrayOf(str(v.imagePattern, 512), { unique: true });
const registryCredentials = obj({ secrets: req(arrayOf(str(v.secretRef, 253), { minItems: 1, unique: true })) });
const namespaces = arrayOf(str(v.dnsLabel), { unique: true });

const actionPinSchema = obj({
  sha: req(str(v.fullSha)),
  version: req(str(v.pinVersion, 64)),
  runtime: opt(str(v.actionRuntime, 32)),
});

const actionsPublicKeySchema = obj({
  keyId: req(str(v.actionsPublicKeyId)),
  key: req(str(v.actionsPublicKey)),
});

const keySchema = obj({
  publicKeyFile: opt(str(v.relativeFile)),
  publicKey: opt(str(undefined, 16384)),
  privateKeyFile: opt(str(v.relativeFile)),
  previousPublicKeyFiles: opt(arrayOf(str(v.relativeFile), { unique: true })),
  previousKeys: opt(arrayOf(obj({
    publicKeyFile: req(str(v.relativeFile)),
    notAfter: opt(str(v.isoDate)),
  }))),
  secretScope: opt(oneOf(values(SecretScope))),
  environment: opt(str(v.dnsLabel)),
  kms: opt(str(v.kmsUri, 2048)),
  kmsAuth: opt(obj({
    aws: opt(obj({ roleArn: req(str(v.awsRoleArn)), region: opt(str(v.awsRegion)) })),
    gcp: opt(obj({ workloadIdentityProvider: req(str(v.gcpWorkloadIdentityProvider)), serviceAccount: opt(str(v.gcpServiceAccount)) })),
    azure: opt(obj({ clientId: req(str(v.uuid)), tenantId: req(str(v.uuid)), subscriptionId: opt(str(v.uuid)) })),
    vault: opt(obj({
      address: req(str(v.httpsUrl)),
      role: req(str(v.vaultName)),
      authPath: opt(str(v.vaultMountPath)),
      transitPath: opt(str(v.vaultMountPath)),
      audience: opt(str(undefined, 512)),
      namespace: opt(str(v.vaultName)),
    })),
  })),
});

/** Rules inside one (effective) key block. */
function keyBlockProblems(k: Record<string, any>, path: string): Problem[] {
  const problems: Problem[] = [];
  if (k.publicKey !== undefined && k.publicKeyFile !== undefined) {
    problems.push({ path: `${path}.publicKey`, message: 'and publicKeyFile are both set; give one', fix: 'remove one of them' });
  }
  if (k.secretScope === SecretScope.ENVIRONMENT && k.environment === undefined) {
    problems.push({ path: `${path}.environment`, message: 'is required with secretScope: environment', fix: 'name the protected environment, e.g. "signing"' });
  }
  if (k.environment !== undefined && k.secretScope !== SecretScope.ENVIRONMENT) {
    problems.push({ path: `${path}.environment`, message: 'is only used with secretScope: environment', value: k.environment, fix: 'set secretScope: environment, or remove environment' });
  }
  problems.push(...kmsBlockProblems(k, path));
  return problems;
}

const workflowSchema = obj({
  file: opt(str(v.workflowFile)),
  branches: opt(arrayOf(str(v.refPattern), { unique: true })),
  tags: opt(arrayOf(str(v.refPattern), { unique: true })),
  context: opt(str(v.buildPath)),
  dockerfile: opt(str(v.buildPath)),
  platforms: opt(arrayOf(str(v.platform), { minItems: 1, unique: true })),
  signerWorkflow: opt(obj({
    repository: req(str(v.githubFullRepo)),
    file: req(str(v.workflowFile)),
    ref: req(str(v.signerRef)),
  })),
});

const signingSchema = obj({
  mode: opt(oneOf(values(SigningMode))),
  cosign: opt(obj({
    version: opt(str(v.cosignVersion)),
    signatureFormat: opt(oneOf(values(SignatureFormat))),
  })),
  transparencyLog: opt(bool),
  key: opt(keySchema),
  keyless: opt(obj({
    issuer: opt(str(v.httpsUrl)),
    fulcioUrl: opt(str(v.httpsUrl)),
    rekorUrl: opt(str(v.httpsUrl)),
    trustedRootFile: opt(str(v.relativeFile)),
    tuf: opt(obj({
      mirror: req(str(v.httpsOrLoopbackUrl)),
      rootFile: req(str(v.relativeFile)),
    })),
  })),
});

/** The v1 config schema. */
export const CONFIG_SCHEMA: Schema = obj({
  extends: opt(str(v.relativeFile)),
  name: req(str(v.dnsLabel)),
  github: req(obj({
    owner: req(str(v.githubOwner)),
    actionsPublicKey: opt(actionsPublicKeySchema),
    // one optional entry per pin key: an unknown key is an error with the closest key as hint
    dependabot: opt(bool),
    actionPins: opt(obj(Object.fromEntries(PIN_KEYS.map((k) => [k, opt(actionPinSchema)])))),
  })),
  repositories: req(arrayOf(obj({
    name: req(str(v.githubRepo)),
    actionsPublicKey: opt(actionsPublicKeySchema),
    images: req(arrayOf(str(v.imageNameCheck, 512), { minItems: 1, unique: true })),
    workflow: opt(workflowSchema),
    signing: opt(signingSchema),
  }), { minItems: 1 })),
  defaults: opt(obj({
    workflow: opt(workflowSchema),
  })),
  signing: opt(signingSchema),
  attestations: opt(obj({
    sbom: opt(obj({ format: opt(oneOf(values(SbomFormat))) })),
    provenance: opt(bool),
  })),
  admission: opt(obj({
    imageReferences: opt(imageReferences),
    failureAction: opt(oneOf(values(FailureAction))),
    kyverno: opt(kyverno),
    policyController: opt(policyController),
    skipImageReferences: opt(skipImageReferences),
    registryCredentials: opt(registryCredentials),
    namespaces: opt(namespaces),
    airGapped: opt(bool),
  })),
  clusters: opt(arrayOf(obj({
    name: req(str(v.dnsLabel)),
    imageReferences: opt(imageReferences),
    failureAction: opt(oneOf(values(FailureAction))),
    kyverno: opt(kyverno),
    policyController: opt(policyController),
    skipImageReferences: opt(skipImageReferences),
    registryCredentials: opt(registryCredentials),
    namespaces: opt(namespaces),
    airGapped: opt(bool),
  }), { minItems: 1 })),
  verification: opt(obj({
    ci: opt(bool),
    cluster: opt(obj({
      schedule: opt(str(v.cronSchedule)),
      namespace: opt(str(v.dnsLabel)),
      image: opt(str(v.imageByDigest, 512)),
      tags: opt(arrayOf(str(v.imageTag, 128), { minItems: 1, unique: true })),
      pullSecret: opt(str(v.dnsSubdomain, 253)),
      parallelism: opt(int(1, 100)),
    })),
  })),
  checks: opt(obj({
    suppress: opt(arrayOf(obj({
      id: req(str(v.ruleId)),
      reason: req(str(v.nonEmptyReason)),
    }))),
  })),
});

/** One repository with the settings it actually uses (its own over the defaults). */
export interface EffectiveRepository {
  readonly index: number;
  readonly raw: Record<string, any>;
  readonly signing: Record<string, any>;
  readonly workflow: Record<string, any>;
  /** config path a field of `signing` came from (`key.publicKeyFile` → `repositories[2].signing.key.publicKeyFile`) */
  readonly signingPath: (field: string) => string;
  /** config path a field of `workflow` came from (the repository's or `defaults.workflow`) */
  readonly workflowPath: (field: string) => string;
}

export function effectiveRepositories(cfg: Record<string, any>): EffectiveRepository[] {
  return ((cfg.repositories ?? []) as any[]).map((r, i) => ({
    index: i,
    raw: r,
    signing: effectiveSigning(cfg.signing, r.signing),
    workflow: effectiveWorkflow(cfg.defaults?.workflow, r.workflow),
    signingPath: (field: string) => signingOrigin(r.signing, i, field),
    workflowPath: (field: string) => (r.workflow?.[field] !== undefined || cfg.defaults?.workflow?.[field] === undefined
      ? `repositories[${i}].workflow.${field}` : `defaults.workflow.${field}`),
  }));
}

/** Cross-entry checks the per-field schema cannot express. */
export function crossChecks(cfg: Record<string, any>): Problem[] {
  const problems: Problem[] = [];
  const dupes = (items: any[], key: (x: any) => string | undefined, basePath: string, what: string) => {
    const seen = new Map<string, string>();
    items.forEach((item, i) => {
      const k = key(item);
      if (k === undefined) return;
      const path = `${basePath}[${i}]`;
      const first = seen.get(k);
      if (first) problems.push({ path, message: `${what} ${JSON.stringify(k)} is also used by ${first}`, value: k, fix: `give each ${what} once` });
      else seen.set(k, path);
    });
  };
  const repos: any[] = cfg.repositories ?? [];
  dupes(repos, (r) => r.name?.toLowerCase(), 'repositories', 'repository name');
  const imageOwners = new Map<string, string>();
  repos.forEach((r, i) => (r.images ?? []).forEach((img: string, j: number) => {
    const path = `repositories[${i}].images[${j}]`;
    const first = imageOwners.get(img);
    if (first && !first.startsWith(`repositories[${i}]`)) {
      problems.push({ path, value: img, message: `is also built by ${first}; two workflows would sign the same image`, fix: 'build each image in one repository' });
    } else if (!first) {
      imageOwners.set(img, path);
    }
  }));
  dupes(cfg.clusters ?? [], (c) => c.name, 'clusters', 'cluster name');

  const eff = effectiveRepositories(cfg);
  const add = (p: Problem) => {
    if (!problems.some((q) => q.path === p.path && q.message === p.message)) problems.push(p);
  };
  for (const e of eff) {
    const branches = e.workflow.branches ?? ['main'];
    const tags = e.workflow.tags ?? [];
    if (branches.length + tags.length === 0) {
      add({ path: `repositories[${e.index}].workflow`, message: 'has no branches and no tags: the workflow would never sign anything', fix: 'add branches: [main] or tags: ["v*"]' });
    }
  }

  const topMode = cfg.signing?.mode ?? SigningMode.KEY;
  const anyKey = eff.some((e) => e.signing.mode === SigningMode.KEY);
  const anyKeyless = eff.some((e) => e.signing.mode === SigningMode.KEYLESS);
  if (topMode === SigningMode.KEYLESS && cfg.signing?.key !== undefined && !anyKey) {
    problems.push({ path: 'signing.key', message: 'is set but signing.mode is keyless (and no repository signs with a key)', fix: 'remove signing.key, or set signing.mode: key' });
  }
  if (topMode === SigningMode.KEY && cfg.signing?.keyless !== undefined && !anyKeyless) {
    problems.push({ path: 'signing.keyless', message: 'is set but signing.mode is key (and no repository signs keylessly)', fix: 'remove signing.keyless, or set signing.mode: keyless' });
  }
  if (cfg.signing?.key !== undefined) problems.push(...keyBlockProblems(cfg.signing.key, 'signing.key'), ...previousKeyProblems(cfg.signing.key, 'signing.key'));
  for (const e of eff) {
    const own = e.raw.signing;
    if (own === undefined) continue;
    const base = `repositories[${e.index}].signing`;
    if (e.signing.mode === SigningMode.KEYLESS && own.key !== undefined) {
      add({ path: `${base}.key`, message: `is set but this repository signs keylessly (${e.signingPath('mode')} is keyless)`, fix: `remove ${base}.key, or set ${base}.mode: key` });
    }
    if (e.signing.mode === SigningMode.KEY && own.keyless !== undefined) {
      add({ path: `${base}.keyless`, message: `is set but this repository signs with a key (${e.signingPath('mode')} is key)`, fix: `remove ${base}.keyless, or set ${base}.mode: keyless` });
    }
    if (own.key !== undefined && e.signing.key !== undefined) {
      for (const p of keyBlockProblems(e.signing.key, `${base}.key`)) add(p);
      for (const p of previousKeyProblems(e.signing.key, `${base}.key`)) add(p);
    }
  }
  for (const p of actionsPublicKeyChecks(cfg, eff)) add(p);
  for (const p of keylessSigningChecks(eff)) add(p);
  return problems;
}

/** A previous key listed twice (in previousPublicKeyFiles and previousKeys). */
function previousKeyProblems(key: Record<string, any>, base: string): Problem[] {
  const problems: Problem[] = [];
  const previousFiles = new Map<string, string>();
  (key.previousPublicKeyFiles ?? []).forEach((f: string, i: number) => previousFiles.set(f, `${base}.previousPublicKeyFiles[${i}]`));
  (key.previousKeys ?? []).forEach((p: any, i: number) => {
    const first = previousFiles.get(p.publicKeyFile);
    if (first) {
      problems.push({ path: `${base}.previousKeys[${i}].publicKeyFile`, value: p.publicKeyFile, message: `is also listed at ${first}`, fix: 'list each previous key once' });
    } else {
      previousFiles.set(p.publicKeyFile, `${base}.previousKeys[${i}]`);
    }
  });
  return problems;
}

/** Where an Actions public key is given, it must be the one of the scope the secrets live in. */
function actionsPublicKeyChecks(cfg: Record<string, any>, eff: EffectiveRepository[]): Problem[] {
  const problems: Problem[] = [];
  const scopeOf = (e: EffectiveRepository) => e.signing.key?.secretScope ?? SecretScope.REPOSITORY;
  const keyRepos = eff.filter((e) => e.signing.mode === SigningMode.KEY);
  for (const e of eff) {
    if (e.raw.actionsPublicKey === undefined) continue;
    const path = `repositories[${e.index}].actionsPublicKey`;
    if (e.signing.mode === SigningMode.KEYLESS) {
      problems.push({ path, message: `is set but ${e.signingPath('mode')} is keyless: keyless signing provisions no secrets`, fix: 'remove it' });
    } else if (scopeOf(e) === SecretScope.ORGANIZATION) {
      problems.push({
        path,
        message: 'is not used with secretScope: organization (organization secrets are sealed with the organization\'s key)',
        fix: 'move it to github.actionsPublicKey as the key of `gh api orgs/OWNER/actions/secrets/public-key`',
      });
    }
  }
  if (cfg.github?.actionsPublicKey !== undefined) {
    if (keyRepos.length === 0) {
      problems.push({ path: 'github.actionsPublicKey', message: 'is set but signing.mode is keyless: keyless signing provisions no secrets', fix: 'remove it' });
    } else if (!keyRepos.some((e) => scopeOf(e) === SecretScope.ORGANIZATION)) {
      const scope = cfg.signing?.key?.secretScope ?? SecretScope.REPOSITORY;
      problems.push({
        path: 'github.actionsPublicKey',
        message: `is the organization's key, but signing.key.secretScope is ${scope}`,
        fix: 'set signing.key.secretScope: organization, or give repositories[].actionsPublicKey instead',
      });
    }
  }
  return problems;
}

/**
 * Keyless constraints: a reusable signer workflow only changes a keyless identity, and a keyless
 * certificate lives 10 minutes, so without the Rekor entry (its integrated time) nothing proves
 * the signature was made while the certificate was valid.
 */
function keylessSigningChecks(eff: EffectiveRepository[]): Problem[] {
  const problems: Problem[] = [];
  for (const e of eff) {
    const keyless = e.signing.mode === SigningMode.KEYLESS;
    if (e.workflow.signerWorkflow !== undefined && !keyless) {
      problems.push({
        path: e.workflowPath('signerWorkflow'),
        message: `is only used with signing.mode: keyless (with a key, the key is the identity, not the workflow; ${e.signingPath('mode')} is key)`,
        fix: `remove signerWorkflow, or set ${e.raw.signing !== undefined ? `repositories[${e.index}].signing` : 'signing'}.mode: keyless`,
      });
    }
    if (keyless && e.signing.transparencyLog === false) {
      problems.push({
        path: e.signingPath('transparencyLog'),
        value: false,
        id: 'ISB-POL-004',
        message: 'cannot be false with keyless signing: the Fulcio certificate is valid for 10 minutes and only the Rekor entry proves the signature was made inside that window',
        fix: 'keep transparencyLog: true (use signing.keyless.rekorUrl for a private Rekor), or sign with a key (signing.mode: key)',
      });
    }
  }
  return problems;
}
