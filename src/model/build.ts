import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigError, Problem } from '../config/problems';
import {
  BlueprintConfig, FailureAction, KyvernoPolicyType, SbomFormat, SecretScope, SignatureFormat, SignerWorkflowConfig, SigningMode,
} from '../config/types';
import { BlueprintError } from '../errors';
import { deriveIdentity, filterPatternToRegExp, GITHUB_ACTIONS_ISSUER } from './identity';
import { isImageName, parseImageName } from './image-name';
import {
  ActionsPublicKeyModel, BlueprintModel, ClusterModel, KeyModel, KeylessModel, parseVersion, PreviousPublicKeyModel, RepositoryModel,
  SignerWorkflowModel, SigningModel,
} from './model';
import { parsePublicKeyPem, ParsedPublicKey } from '../keys/public-key';

export const DEFAULTS = {
  cosignVersion: 'v2.6.4',
  workflowFile: 'build-sign.yml',
  branches: ['main'],
  kyvernoVersion: '1.16',
  policyControllerVersion: '0.15',
  fulcioUrl: 'https://fulcio.sigstore.dev',
  rekorUrl: 'https://rekor.sigstore.dev',
  schedule: '0 */6 * * *',
  verificationNamespace: 'image-verification',
} as const;

/** Largest key or trusted-root file read. */
const MAX_KEY_FILE_BYTES = 1024 * 1024;

/** Where config-relative files are read from. */
export interface FileSource {
  /** folder relative paths resolve against; files outside it are refused */
  readonly baseDir: string;
}

/**
 * Resolves a config-relative path, refusing absolute paths and paths that leave baseDir
 * (`../../etc/passwd`). Returns the absolute path or a Problem.
 */
export function resolveInside(baseDir: string, rel: string, configPath: string): string | Problem {
  if (path.isAbsolute(rel)) {
    return { path: configPath, value: rel, message: 'must be relative to the config file, not absolute', fix: 'copy the file next to blueprint.yaml and name it relatively' };
  }
  const abs = path.resolve(baseDir, rel);
  const back = path.relative(baseDir, abs);
  if (back.startsWith('..') || path.isAbsolute(back)) {
    return { path: configPath, value: rel, message: 'points outside the config\'s folder', fix: 'keep key files in (or below) the folder of blueprint.yaml' };
  }
  // a symbolic link inside the folder may point anywhere: the real paths must agree too
  let real: string;
  try {
    real = fs.realpathSync(abs);
  } catch {
    return abs; // missing: reported by the reader
  }
  let realBase = baseDir;
  try {
    realBase = fs.realpathSync(baseDir);
  } catch {
    // keep baseDir
  }
  const realBack = path.relative(realBase, real);
  if (realBack.startsWith('..') || path.isAbsolute(realBack)) {
    return { path: configPath, value: rel, message: 'is a symbolic link to a file outside the config\'s folder', fix: 'copy the file into the folder of blueprint.yaml instead of linking it' };
  }
  return abs;
}

function readSmallFile(abs: string, configPath: string, rel: string): string | Problem {
  try {
    const st = fs.statSync(abs);
    if (!st.isFile()) return { path: configPath, value: rel, message: 'is not a file', fix: 'name a file' };
    if (st.size > MAX_KEY_FILE_BYTES) return { path: configPath, value: rel, message: `is ${st.size} bytes; a public key is a few hundred`, fix: 'name the cosign.pub file' };
    return fs.readFileSync(abs, 'utf8');
  } catch {
    return { path: configPath, value: rel, message: 'file not found', fix: `create it (image-signing-blueprint keygen writes cosign.pub), or fix the path relative to ${'the config file'}` };
  }
}

function isProblem(x: unknown): x is Problem {
  return typeof x === 'object' && x !== null && 'message' in x && 'path' in x;
}

function loadKey(src: FileSource, rel: string, configPath: string, problems: Problem[]): ParsedPublicKey | undefined {
  const abs = resolveInside(src.baseDir, rel, configPath);
  if (isProblem(abs)) {
    problems.push(abs);
    return undefined;
  }
  const text = readSmallFile(abs, configPath, rel);
  if (isProblem(text)) {
    problems.push(text);
    return undefined;
  }
  try {
    return parsePublicKeyPem(text, rel);
  } catch (e) {
    const be = e as BlueprintError;
    problems.push({ path: configPath, value: rel, message: be.message, fix: be.fix });
    return undefined;
  }
}

/** Builds the model from a validated config. Throws ConfigError listing every problem. */
export function buildModel(cfg: BlueprintConfig, src: FileSource, source?: string): BlueprintModel {
  const problems: Problem[] = [];
  const owner = cfg.github.owner;
  const mode = cfg.signing?.mode ?? SigningMode.KEY;
  const keylessCfg = cfg.signing?.keyless ?? {};
  const issuer = keylessCfg.issuer ?? GITHUB_ACTIONS_ISSUER;

  const repositories: RepositoryModel[] = cfg.repositories.map((r, i) => {
    const w = r.workflow ?? {};
    const file = w.file ?? DEFAULTS.workflowFile;
    const branches = w.branches ?? [...DEFAULTS.branches];
    const tags = w.tags ?? [];
    if (mode === SigningMode.KEYLESS && w.signerWorkflow === undefined) {
      const refs = [
        ...branches.map((b, j) => [b, `repositories[${i}].workflow.branches[${j}]`]),
        ...tags.map((t, j) => [t, `repositories[${i}].workflow.tags[${j}]`]),
      ];
      refs.forEach(([p, where]) => {
        if (filterPatternToRegExp(p) === undefined) {
          problems.push({
            path: where,
            value: p,
            message: 'uses filter syntax (?, +, [], !) that has no exact keyless identity equivalent',
            fix: 'use literal names or * / ** only',
          });
        }
      });
    }
    const workflowPath = `.github/workflows/${file}`;
    const signer = w.signerWorkflow ? signerWorkflowModel(w.signerWorkflow) : undefined;
    return {
      name: r.name,
      fullName: `${owner}/${r.name}`,
      path: `repositories[${i}]`,
      images: r.images.map((img) => {
        const parsed = parseImageName(img);
        if (!isImageName(parsed)) throw new Error(`unvalidated image ${img}`);
        return parsed;
      }),
      workflow: {
        file,
        path: workflowPath,
        branches,
        tags,
        context: w.context ?? '.',
        dockerfile: w.dockerfile ?? 'Dockerfile',
        platforms: w.platforms ?? ['linux/amd64'],
        signer,
      },
      identity: deriveIdentity({ owner, repo: r.name, workflowPath, branches, tags, issuer, signer }),
    };
  });

  let key: KeyModel | undefined;
  let keyless: KeylessModel | undefined;
  if (mode === SigningMode.KEY) {
    const k = cfg.signing?.key ?? {};
    let publicKey: ParsedPublicKey | undefined;
    if (k.publicKey !== undefined) {
      try {
        publicKey = parsePublicKeyPem(k.publicKey, 'signing.key.publicKey');
      } catch (e) {
        const be = e as BlueprintError;
        problems.push({ path: 'signing.key.publicKey', message: be.message, fix: be.fix });
      }
    } else {
      publicKey = loadKey(src, k.publicKeyFile ?? 'cosign.pub', 'signing.key.publicKeyFile', problems);
    }
    const previousSpecs = [
      ...(k.previousPublicKeyFiles ?? []).map((f, i) => ({ file: f, path: `signing.key.previousPublicKeyFiles[${i}]`, notAfter: undefined as string | undefined })),
      ...(k.previousKeys ?? []).map((p, i) => ({ file: p.publicKeyFile, path: `signing.key.previousKeys[${i}]`, notAfter: p.notAfter })),
    ];
    const previous = previousSpecs.map((p): PreviousPublicKeyModel | undefined => {
      const keyPath = p.path.startsWith('signing.key.previousKeys') ? `${p.path}.publicKeyFile` : p.path;
      const pk = loadKey(src, p.file, keyPath, problems);
      return pk ? { key: pk, ...p } : undefined;
    }).filter((x): x is PreviousPublicKeyModel => x !== undefined);
    if (publicKey) {
      previous.forEach((p) => {
        if (p.key.spkiDer.equals(publicKey!.spkiDer)) {
          problems.push({ path: p.path, value: p.file, message: 'is the current public key', fix: 'list only keys that were replaced' });
        }
      });
    }
    const actionsKey = (c: { keyId: string; key: string } | undefined, where: string): ActionsPublicKeyModel | undefined =>
      (c ? { keyId: c.keyId, key: c.key, path: where } : undefined);
    const repositoryActionsPublicKeys = new Map<string, ActionsPublicKeyModel>();
    cfg.repositories.forEach((r, i) => {
      const a = actionsKey(r.actionsPublicKey, `repositories[${i}].actionsPublicKey`);
      if (a) repositoryActionsPublicKeys.set(r.name, a);
    });
    let privateKeyFile: string | undefined;
    if (k.privateKeyFile !== undefined) {
      const abs = resolveInside(src.baseDir, k.privateKeyFile, 'signing.key.privateKeyFile');
      if (isProblem(abs)) problems.push(abs);
      else privateKeyFile = abs;
    }
    if (publicKey) {
      key = {
        publicKey,
        publicKeyFile: k.publicKey !== undefined ? undefined : (k.publicKeyFile ?? 'cosign.pub'),
        previousPublicKeys: previous,
        secretScope: k.secretScope ?? SecretScope.REPOSITORY,
        environment: k.environment,
        privateKeyFile,
        privateKeyFileRel: privateKeyFile !== undefined ? k.privateKeyFile : undefined,
        organizationActionsPublicKey: actionsKey(cfg.github.actionsPublicKey, 'github.actionsPublicKey'),
        repositoryActionsPublicKeys,
      };
    }
  } else {
    let trustedRootFile: string | undefined;
    if (keylessCfg.trustedRootFile !== undefined) {
      const abs = resolveInside(src.baseDir, keylessCfg.trustedRootFile, 'signing.keyless.trustedRootFile');
      if (isProblem(abs)) problems.push(abs);
      else if (!fs.existsSync(abs)) problems.push({ path: 'signing.keyless.trustedRootFile', value: keylessCfg.trustedRootFile, message: 'file not found', fix: 'write it with `cosign trusted-root create`' });
      else trustedRootFile = keylessCfg.trustedRootFile;
    }
    const trustedRoot = trustedRootFile !== undefined ? readTrustedRoot(src, trustedRootFile, problems) : undefined;
    const fulcioUrl = keylessCfg.fulcioUrl ?? DEFAULTS.fulcioUrl;
    const rekorUrl = keylessCfg.rekorUrl ?? DEFAULTS.rekorUrl;
    keyless = {
      issuer,
      fulcioUrl,
      rekorUrl,
      trustedRootFile,
      trustedRoot,
      privateInstance: fulcioUrl !== DEFAULTS.fulcioUrl || rekorUrl !== DEFAULTS.rekorUrl || trustedRootFile !== undefined,
    };
  }

  const signing: SigningModel = {
    mode,
    cosignVersion: parseVersion(cfg.signing?.cosign?.version ?? DEFAULTS.cosignVersion),
    signatureFormat: cfg.signing?.cosign?.signatureFormat ?? SignatureFormat.LEGACY,
    transparencyLog: cfg.signing?.transparencyLog ?? true,
    key,
    keyless,
  };

  const adm = cfg.admission ?? {};
  const clusterCfgs = cfg.clusters ?? [{ name: 'default' }];
  const clusters: ClusterModel[] = clusterCfgs.map((c, i) => {
    const ky = { ...(adm.kyverno ?? {}), ...(c.kyverno ?? {}) };
    const pc = { ...(adm.policyController ?? {}), ...(c.policyController ?? {}) };
    return {
      name: c.name,
      path: cfg.clusters ? `clusters[${i}]` : 'admission',
      imageReferences: c.imageReferences ?? adm.imageReferences,
      failureAction: c.failureAction ?? adm.failureAction ?? FailureAction.ENFORCE,
      kyverno: {
        enabled: ky.enabled ?? true,
        policy: ky.policy ?? KyvernoPolicyType.CLUSTER_POLICY,
        version: parseVersion(ky.version ?? DEFAULTS.kyvernoVersion),
      },
      policyController: {
        enabled: pc.enabled ?? false,
        version: parseVersion(pc.version ?? DEFAULTS.policyControllerVersion),
      },
      skipImageReferences: [...(c.skipImageReferences ?? adm.skipImageReferences ?? [])],
      registryCredentialSecrets: [...((c.registryCredentials ?? adm.registryCredentials)?.secrets ?? [])],
      namespaces: [...(c.namespaces ?? adm.namespaces ?? [])],
    };
  });
  clusters.forEach((c, i) => {
    // policy-controller v0.15 reads Sigstore bundles for keyless authorities only (sigstore/policy-controller#1958)
    if (c.policyController.enabled && mode === SigningMode.KEY && signing.signatureFormat === SignatureFormat.BUNDLE) {
      const own = cfg.clusters?.[i]?.policyController?.enabled !== undefined;
      problems.push({
        path: own ? `clusters[${i}].policyController.enabled` : 'admission.policyController.enabled',
        value: true,
        message: `policy-controller ${c.policyController.version.text} cannot verify key-based signatures stored as Sigstore bundles (signing.cosign.signatureFormat: bundle); `
          + 'its signatureFormat: bundle is keyless-only (sigstore/policy-controller#1958)',
        fix: 'set signing.cosign.signatureFormat: both (or legacy), or use Kyverno >= 1.19 for this cluster',
      });
    }
    c.registryCredentialSecrets.forEach((sec, j) => {
      if (c.policyController.enabled && sec.includes('/')) {
        const own = cfg.clusters?.[i]?.registryCredentials !== undefined;
        problems.push({
          path: `${own ? `clusters[${i}]` : 'admission'}.registryCredentials.secrets[${j}]`,
          value: sec,
          message: 'names a namespace; policy-controller reads signaturePullSecrets only from its own namespace (cosign-system)',
          fix: 'give the bare Secret name and create it in kyverno and cosign-system',
        });
      }
    });
  });
  const vcfg = cfg.verification?.cluster;
  if (vcfg && vcfg.image === undefined && signing.signatureFormat === SignatureFormat.BUNDLE) {
    problems.push({
      path: 'verification.cluster.image',
      message: 'is required with signing.cosign.signatureFormat: bundle: the built-in cosign v2.4.1 job image does not read Sigstore bundle referrers',
      fix: 'name a cosign v3 image pinned by digest, e.g. "ghcr.io/sigstore/cosign/cosign:v3.x.y@sha256:<digest>"',
    });
  }

  if (problems.length > 0) throw new ConfigError(problems, source);

  const vc = cfg.verification?.cluster;
  return {
    name: cfg.name,
    owner,
    repositories,
    signing,
    attestations: {
      sbom: cfg.attestations?.sbom ? (cfg.attestations.sbom.format ?? SbomFormat.CYCLONEDX) : undefined,
      provenance: cfg.attestations?.provenance ?? false,
    },
    clusters,
    verification: {
      ci: cfg.verification?.ci ?? true,
      cluster: vc ? {
        schedule: vc.schedule ?? DEFAULTS.schedule,
        namespace: vc.namespace ?? DEFAULTS.verificationNamespace,
        image: vc.image,
        tags: [...(vc.tags ?? ['latest'])],
        pullSecret: vc.pullSecret,
      } : undefined,
    },
    suppressions: (cfg.checks?.suppress ?? []).map((s) => ({ id: s.id, reason: s.reason })),
    actionPins: cfg.github.actionPins,
  };
}

/** Where the workflows read the trusted root from: the stack commits it to every repository. */
export const TRUSTED_ROOT_REPO_PATH = '.sigstore/trusted_root.json';

/** Reads and sanity-checks a Sigstore TrustedRoot JSON (`cosign trusted-root create`). */
function readTrustedRoot(src: FileSource, rel: string, problems: Problem[]): { json: string; repoPath: string } | undefined {
  const where = 'signing.keyless.trustedRootFile';
  const text = readSmallFile(path.resolve(src.baseDir, rel), where, rel);
  if (isProblem(text)) {
    problems.push(text);
    return undefined;
  }
  let doc: any;
  try {
    doc = JSON.parse(text);
  } catch {
    problems.push({ path: where, value: rel, message: 'is not JSON', fix: 'write it with `cosign trusted-root create --fulcio … --rekor … --ctfe … --out trusted_root.json`' });
    return undefined;
  }
  if (typeof doc?.mediaType !== 'string' || !doc.mediaType.startsWith('application/vnd.dev.sigstore.trustedroot')) {
    problems.push({
      path: where,
      value: rel,
      message: 'is not a Sigstore TrustedRoot (mediaType application/vnd.dev.sigstore.trustedroot+json…)',
      fix: 'write it with `cosign trusted-root create`; a PEM root certificate alone is not a trusted root',
    });
    return undefined;
  }
  return { json: text, repoPath: TRUSTED_ROOT_REPO_PATH };
}

function signerWorkflowModel(s: SignerWorkflowConfig): SignerWorkflowModel {
  const short = s.ref.replace(/^refs\/(heads|tags)\//, '');
  const wfPath = `.github/workflows/${s.file}`;
  return { repository: s.repository, file: s.file, path: wfPath, ref: s.ref, uses: `${s.repository}/${wfPath}@${short}` };
}
