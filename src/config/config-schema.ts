import { Problem } from './problems';
import { arrayOf, bool, obj, oneOf, opt, req, Schema, str } from './schema';
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

const keySchema = obj({
  publicKeyFile: opt(str(v.relativeFile)),
  publicKey: opt(str(undefined, 16384)),
  privateKeyFile: opt(str(v.relativeFile)),
  previousPublicKeyFiles: opt(arrayOf(str(v.relativeFile), { unique: true })),
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
  github: req(obj({ owner: req(str(v.githubOwner)) })),
  repositories: req(arrayOf(obj({
    name: req(str(v.githubRepo)),
    images: req(arrayOf(str(v.imageNameCheck, 512), { minItems: 1, unique: true })),
    workflow: opt(obj({
      file: opt(str(v.workflowFile)),
      branches: opt(arrayOf(str(v.refPattern), { unique: true })),
      tags: opt(arrayOf(str(v.refPattern), { unique: true })),
      context: opt(str(v.buildPath)),
      dockerfile: opt(str(v.buildPath)),
      platforms: opt(arrayOf(str(v.platform), { minItems: 1, unique: true })),
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
  })),
  clusters: opt(arrayOf(obj({
    name: req(str(v.dnsLabel)),
    imageReferences: opt(imageReferences),
    failureAction: opt(oneOf(values(FailureAction))),
    kyverno: opt(kyverno),
    policyController: opt(policyController),
  }), { minItems: 1 })),
  verification: opt(obj({
    ci: opt(bool),
    cluster: opt(obj({
      schedule: opt(str(v.cronSchedule)),
      namespace: opt(str(v.dnsLabel)),
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
  return problems;
}
