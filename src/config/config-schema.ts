import { Problem } from './problems';
import { arrayOf, bool, obj, oneOf, opt, req, Schema, str } from './schema';
import { FailureAction, KyvernoPolicyType, SbomFormat, SecretScope, SignatureFormat, SigningMode } from './types';
import * as v from './value-checks';
import { PIN_KEYS } from '../github/pins';

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
}, (k: Record<string, any>, path) => {
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
  return problems;
});

/** The v1 config schema. */
export const CONFIG_SCHEMA: Schema = obj({
  name: req(str(v.dnsLabel)),
  github: req(obj({
    owner: req(str(v.githubOwner)),
    actionsPublicKey: opt(actionsPublicKeySchema),
    // one optional entry per pin key: an unknown key is an error with the closest key as hint
    actionPins: opt(obj(Object.fromEntries(PIN_KEYS.map((k) => [k, opt(obj({ sha: req(str(v.fullSha)), version: req(str(v.pinVersion, 64)) }))])))),
  })),
  repositories: req(arrayOf(obj({
    name: req(str(v.githubRepo)),
    actionsPublicKey: opt(actionsPublicKeySchema),
    images: req(arrayOf(str(v.imageNameCheck, 512), { minItems: 1, unique: true })),
    workflow: opt(obj({
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
    }, (w: Record<string, any>, path) => {
      const branches = w.branches ?? ['main'];
      const tags = w.tags ?? [];
      return branches.length + tags.length === 0
        ? [{ path, message: 'has no branches and no tags: the workflow would never sign anything', fix: 'add branches: [main] or tags: ["v*"]' }]
        : [];
    })),
  }), { minItems: 1 })),
  signing: opt(obj({
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
    })),
  })),
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
  }), { minItems: 1 })),
  verification: opt(obj({
    ci: opt(bool),
    cluster: opt(obj({
      schedule: opt(str(v.cronSchedule)),
      namespace: opt(str(v.dnsLabel)),
      image: opt(str(v.imageByDigest, 512)),
      tags: opt(arrayOf(str(v.imageTag, 128), { minItems: 1, unique: true })),
      pullSecret: opt(str(v.dnsSubdomain, 253)),
    })),
  })),
  checks: opt(obj({
    suppress: opt(arrayOf(obj({
      id: req(str(v.ruleId)),
      reason: req(str(v.nonEmptyReason)),
    }))),
  })),
});

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
      if (first) problems.push({ path, message: `${what} ${JSON.stringify(k)} is also used by ${first}`, fix: `give each ${what} once` });
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
  const mode = cfg.signing?.mode ?? SigningMode.KEY;
  if (mode === SigningMode.KEYLESS && cfg.signing?.key !== undefined) {
    problems.push({ path: 'signing.key', message: 'is set but signing.mode is keyless', fix: 'remove signing.key, or set signing.mode: key' });
  }
  if (mode === SigningMode.KEY && cfg.signing?.keyless !== undefined) {
    problems.push({ path: 'signing.keyless', message: 'is set but signing.mode is key', fix: 'remove signing.keyless, or set signing.mode: keyless' });
  }
  problems.push(...actionsPublicKeyChecks(cfg, mode));
  problems.push(...keylessSigningChecks(cfg, mode));
  const key = cfg.signing?.key ?? {};
  const previousFiles = new Map<string, string>();
  (key.previousPublicKeyFiles ?? []).forEach((f: string, i: number) => previousFiles.set(f, `signing.key.previousPublicKeyFiles[${i}]`));
  (key.previousKeys ?? []).forEach((p: any, i: number) => {
    const first = previousFiles.get(p.publicKeyFile);
    if (first) {
      problems.push({ path: `signing.key.previousKeys[${i}].publicKeyFile`, value: p.publicKeyFile, message: `is also listed at ${first}`, fix: 'list each previous key once' });
    } else {
      previousFiles.set(p.publicKeyFile, `signing.key.previousKeys[${i}]`);
    }
  });
  return problems;
}

/** Where an Actions public key is given, it must be the one of the scope the secrets live in. */
function actionsPublicKeyChecks(cfg: Record<string, any>, mode: SigningMode): Problem[] {
  const problems: Problem[] = [];
  const scope = cfg.signing?.key?.secretScope ?? SecretScope.REPOSITORY;
  const orgKey = cfg.github?.actionsPublicKey;
  const repoKeys = ((cfg.repositories ?? []) as any[])
    .map((r, i) => (r.actionsPublicKey !== undefined ? `repositories[${i}].actionsPublicKey` : undefined))
    .filter((p): p is string => p !== undefined);
  if (mode === SigningMode.KEYLESS) {
    for (const path of [...(orgKey !== undefined ? ['github.actionsPublicKey'] : []), ...repoKeys]) {
      problems.push({ path, message: 'is set but signing.mode is keyless: keyless signing provisions no secrets', fix: 'remove it' });
    }
    return problems;
  }
  if (orgKey !== undefined && scope !== SecretScope.ORGANIZATION) {
    problems.push({
      path: 'github.actionsPublicKey',
      message: `is the organization's key, but signing.key.secretScope is ${scope}`,
      fix: 'set signing.key.secretScope: organization, or give repositories[].actionsPublicKey instead',
    });
  }
  if (scope === SecretScope.ORGANIZATION) {
    for (const path of repoKeys) {
      problems.push({
        path,
        message: 'is not used with secretScope: organization (organization secrets are sealed with the organization\'s key)',
        fix: 'move it to github.actionsPublicKey as the key of `gh api orgs/OWNER/actions/secrets/public-key`',
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
function keylessSigningChecks(cfg: Record<string, any>, mode: SigningMode): Problem[] {
  const problems: Problem[] = [];
  ((cfg.repositories ?? []) as any[]).forEach((r, i) => {
    if (r.workflow?.signerWorkflow !== undefined && mode !== SigningMode.KEYLESS) {
      problems.push({
        path: `repositories[${i}].workflow.signerWorkflow`,
        message: 'is only used with signing.mode: keyless (with a key, the key is the identity, not the workflow)',
        fix: 'remove signerWorkflow, or set signing.mode: keyless',
      });
    }
  });
  if (mode === SigningMode.KEYLESS && cfg.signing?.transparencyLog === false) {
    problems.push({
      path: 'signing.transparencyLog',
      value: false,
      message: 'cannot be false with keyless signing: the Fulcio certificate is valid for 10 minutes and only the Rekor entry proves the signature was made inside that window',
      fix: 'keep transparencyLog: true (use signing.keyless.rekorUrl for a private Rekor), or sign with a key (signing.mode: key)',
    });
  }
  return problems;
}
