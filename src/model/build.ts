import * as fs from 'node:fs';
import * as path from 'node:path';
import { effectiveRepositories, EffectiveRepository } from '../config/config-schema';
import { effectiveSigning } from '../config/merge';
import { ConfigError, Problem } from '../config/problems';
import {
  BlueprintConfig, FailureAction, KeylessConfig, KyvernoPolicyType, SbomFormat, SecretScope, SignatureFormat, SignerWorkflowConfig, SigningConfig,
  SigningMode, SigstoreTufConfig, WorkflowConfig,
} from '../config/types';
import { BlueprintError } from '../errors';
import { clusterReadsBundles, defaultSignatureFormat } from './default-format';
import { deriveIdentity, filterPatternToRegExp, GITHUB_ACTIONS_ISSUER } from './identity';
import { buildKmsKey } from './kms';
import {
  ActionsPublicKeyModel, BlueprintModel, ClusterModel, KeyModel, keyIdentity, KeylessModel, parseVersion, PreviousPublicKeyModel, RepositoryModel,
  SignerWorkflowModel, SigningModel, TufModel, versionAtLeast,
} from './model';
import { isImageName, parseImageName } from '../config/image-name';
import { DEFAULT_COSIGN_VERSION } from '../config/pins';
import { parsePublicKeyPem, ParsedPublicKey } from '../keys/public-key';

export const DEFAULTS = {
  cosignVersion: DEFAULT_COSIGN_VERSION,
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
/**
 * What one blueprint can reuse between builds of configs that differ only in appended
 * repositories or in clusters (addRepository, addCluster): signers built without problems, and
 * repository models by their config entry. Everything else of the config must be unchanged.
 */
export interface ModelCache {
  readonly signers: Map<string, SigningModel>;
  readonly repositories: WeakMap<object, { readonly key: string; readonly model: RepositoryModel }>;
}

export function newModelCache(): ModelCache {
  return { signers: new Map(), repositories: new WeakMap() };
}

/** Builds the model from a validated config. Throws ConfigError listing every problem. */
export function buildModel(cfg: BlueprintConfig, src: FileSource, source?: string, cache?: ModelCache): BlueprintModel {
  const problems: Problem[] = [];
  const owner = cfg.github.owner;
  const effective = effectiveRepositories(cfg as unknown as Record<string, any>);

  const clusters = buildClusters(cfg);
  // the default signature format depends on what the clusters' engines read
  const formatDefaults: FormatDefaults = { clusters };
  const enginesKey = JSON.stringify([SigningMode.KEY, SigningMode.KEYLESS].map((m) => clusters.map((c) => clusterReadsBundles(m, c))));

  // one SigningModel per distinct effective signing config (key files are read once)
  const signers = new Map<string, SigningModel | undefined>(cache?.signers ?? []);
  const defaultKey = JSON.stringify(effectiveSigning(cfg.signing, undefined));
  const signingOf = (e: EffectiveRepository): SigningModel | undefined => {
    const k = JSON.stringify(e.signing);
    const cacheKey = `${k}|${enginesKey}`;
    if (!signers.has(cacheKey)) {
      const before = problems.length;
      const built = buildSigning(cfg, e, k === defaultKey, src, problems, formatDefaults);
      signers.set(cacheKey, problems.length > before ? undefined : built);
      // only signers without problems are kept: a fixed key file is read again next time
      if (cache && problems.length === before) cache.signers.set(cacheKey, built);
    }
    return signers.get(cacheKey);
  };

  const repositories: RepositoryModel[] = [];
  effective.forEach((e) => {
    const r = cfg.repositories[e.index];
    const i = e.index;
    const signing = signingOf(e);
    const cacheKey = cache && signing ? JSON.stringify([i, owner, r.name, r.images, e.signing, e.workflow]) : undefined;
    const hit = cacheKey !== undefined ? cache!.repositories.get(r) : undefined;
    if (hit && hit.key === cacheKey && hit.model.signing === signing) {
      repositories.push(hit.model);
      return;
    }
    const w = e.workflow as WorkflowConfig;
    const mode = e.signing.mode as SigningMode;
    const keylessCfg = (e.signing.keyless ?? {}) as KeylessConfig;
    const issuer = keylessCfg.issuer ?? GITHUB_ACTIONS_ISSUER;
    const file = w.file ?? DEFAULTS.workflowFile;
    const branches = w.branches ?? [...DEFAULTS.branches];
    const tags = w.tags ?? [];
    if (mode === SigningMode.KEYLESS && w.signerWorkflow === undefined) {
      const refs = [
        ...branches.map((b, j) => [b, `${e.workflowPath('branches')}[${j}]`]),
        ...tags.map((t, j) => [t, `${e.workflowPath('tags')}[${j}]`]),
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
    if (!signing) return;
    const model: RepositoryModel = {
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
      signing,
    };
    repositories.push(model);
    if (cacheKey !== undefined) cache!.repositories.set(r, { key: cacheKey, model });
  });

  // Actions public keys of the repositories (sealed secrets), on the key of the signer they use
  for (const r of repositories) {
    const rc = cfg.repositories.find((x) => x.name === r.name)!;
    const key = r.signing.key;
    if (key && rc.actionsPublicKey) {
      (key.repositoryActionsPublicKeys as Map<string, ActionsPublicKeyModel>).set(r.name,
        { keyId: rc.actionsPublicKey.keyId, key: rc.actionsPublicKey.key, path: `${r.path}.actionsPublicKey` });
    }
  }
  // organization secrets are one set per organization: one key for every repository that uses them
  const orgRepos = repositories.filter((r) => r.signing.key?.secretScope === SecretScope.ORGANIZATION);
  const orgKey = orgRepos[0]?.signing.key;
  for (const r of orgRepos.slice(1)) {
    const k = r.signing.key!;
    if (orgKey && keyIdentity(k) !== keyIdentity(orgKey)) {
      problems.push({
        path: `${k.configPath}.secretScope`,
        value: SecretScope.ORGANIZATION,
        message: `${r.path} (${r.name}) signs with key SHA256:${keyIdentity(k).slice(0, 16)}…, but the organization secrets hold the key of ${orgRepos[0].path} `
          + `(SHA256:${keyIdentity(orgKey).slice(0, 16)}…); an organization has one COSIGN_PRIVATE_KEY`,
        fix: 'use secretScope: repository (or environment) for repositories with their own key',
      });
      break;
    }
  }

  const defaultSigning = [...signers.values()].find((s) => s?.isDefault && repositories.some((r) => r.signing === s))
    ?? repositories[0]?.signing;

  clusters.forEach((c, i) => {
    // policy-controller v0.15 reads Sigstore bundles for keyless authorities only (sigstore/policy-controller#1958)
    const keyBundle = repositories.find((r) => r.signing.mode === SigningMode.KEY && r.signing.signatureFormat === SignatureFormat.BUNDLE);
    if (c.policyController.enabled && keyBundle) {
      const own = cfg.clusters?.[i]?.policyController?.enabled !== undefined;
      const formatPath = keyBundle.signing.isDefault ? 'signing.cosign.signatureFormat' : `${keyBundle.path}.signing.cosign.signatureFormat`;
      problems.push({
        path: own ? `clusters[${i}].policyController.enabled` : 'admission.policyController.enabled',
        value: true,
        id: 'ISB-POL-003',
        message: `policy-controller ${c.policyController.version.text} cannot verify key-based signatures stored as Sigstore bundles (${formatPath}: bundle`
          + `${keyBundle.signing.isDefault ? '' : `, repository ${keyBundle.name}`}); its signatureFormat: bundle is keyless-only (sigstore/policy-controller#1958)`,
        fix: `set ${formatPath}: both (or legacy), or use Kyverno >= 1.19 for this cluster`,
      });
    }
    // ... nor keyless ones: an image-signature authority with signatureFormat: bundle calls cosign's
    // VerifyImageSignatures with NewBundleFormat, which refuses (policy-controller 0.15.1 with cosign
    // v3.0.5 pkg/cosign/verify.go; its tester says so); bundles are read for attestations only
    const keylessBundle = repositories.find((r) => r.signing.mode === SigningMode.KEYLESS && r.signing.signatureFormat === SignatureFormat.BUNDLE);
    if (c.policyController.enabled && keylessBundle && !keyBundle) {
      const own = cfg.clusters?.[i]?.policyController?.enabled !== undefined;
      const formatPath = keylessBundle.signing.isDefault ? 'signing.cosign.signatureFormat' : `${keylessBundle.path}.signing.cosign.signatureFormat`;
      problems.push({
        path: own ? `clusters[${i}].policyController.enabled` : 'admission.policyController.enabled',
        value: true,
        id: 'ISB-POL-003',
        message: `policy-controller ${c.policyController.version.text} cannot verify image signatures stored as Sigstore bundles (${formatPath}: bundle`
          + `${keylessBundle.signing.isDefault ? '' : `, repository ${keylessBundle.name}`}): its cosign answers "bundle support for image signatures is not yet `
          + 'implemented" (bundles are read for attestations only)',
        fix: `set ${formatPath}: both (or legacy): policy-controller reads the legacy copy`,
      });
    }
    // Kyverno verifies Sigstore bundles signed with a static key only from 1.19 (kyverno/kyverno#14233, PR #16800)
    if (c.kyverno.enabled && keyBundle && !versionAtLeast(c.kyverno.version, 1, 19)) {
      const own = cfg.clusters?.[i]?.kyverno?.version !== undefined;
      const formatPath = keyBundle.signing.isDefault ? 'signing.cosign.signatureFormat' : `${keyBundle.path}.signing.cosign.signatureFormat`;
      problems.push({
        path: own ? `clusters[${i}].kyverno.version` : 'admission.kyverno.version',
        value: c.kyverno.version.text,
        id: 'ISB-POL-003',
        message: `Kyverno ${c.kyverno.version.text} (${c.kyverno.policy}) cannot verify key-based signatures stored as Sigstore bundles (${formatPath}: bundle`
          + `${keyBundle.signing.isDefault ? '' : `, repository ${keyBundle.name}`}); static keys with bundles need Kyverno >= 1.19 (kyverno/kyverno#14233)`,
        fix: `set ${formatPath}: both (or legacy), or target Kyverno "1.19" for this cluster`,
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

  if (vcfg && (vcfg.parallelism ?? 1) > 1 && vcfg.image === undefined) {
    problems.push({
      path: 'verification.cluster.parallelism',
      value: vcfg.parallelism,
      message: 'above 1 needs verification.cluster.image: each pod of the Indexed Job picks its images in a /bin/sh script, '
        + 'and the built-in official cosign image has no shell',
      fix: 'name a cosign image with a shell, pinned by digest, in verification.cluster.image, or use parallelism: 1 (one Pod, a container per chunk)',
    });
  }

  if (problems.length > 0) throw new ConfigError(problems, source);

  const vc = cfg.verification?.cluster;
  return {
    name: cfg.name,
    owner,
    repositories,
    signing: defaultSigning!,
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
        parallelism: vc.parallelism ?? 1,
      } : undefined,
    },
    suppressions: (cfg.checks?.suppress ?? []).map((s) => ({ id: s.id, reason: s.reason })),
    actionPins: cfg.github.actionPins,
    dependabot: cfg.github.dependabot ?? true,
  };
}

/** The clusters of a config (the implicit `default` one when none is listed); reads only the config. */
function buildClusters(cfg: BlueprintConfig): ClusterModel[] {
  const adm = cfg.admission ?? {};
  const clusterCfgs = cfg.clusters ?? [{ name: 'default' }];
  return clusterCfgs.map((c, i) => {
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
      airGapped: c.airGapped ?? adm.airGapped ?? false,
    };
  });
}

/** What the default signature format depends on besides the signing config. */
interface FormatDefaults {
  readonly clusters: readonly ClusterModel[];
}

/** The SigningModel of one effective signing config; problems name the config path each field came from. */
function buildSigning(
  cfg: BlueprintConfig, e: EffectiveRepository, isDefault: boolean, src: FileSource, problems: Problem[], fd: FormatDefaults,
): SigningModel {
  const sc = e.signing as SigningConfig;
  const mode = sc.mode ?? SigningMode.KEY;
  const at = e.signingPath;
  let key: KeyModel | undefined;
  let keyless: KeylessModel | undefined;
  if (mode === SigningMode.KEY) {
    const k = sc.key ?? {};
    const keyBase = at('key.publicKeyFile').replace(/\.publicKeyFile$/, '');
    let publicKey: ParsedPublicKey | undefined;
    if (k.publicKey !== undefined) {
      const where = at('key.publicKey');
      try {
        publicKey = parsePublicKeyPem(k.publicKey, where);
      } catch (err) {
        const be = err as BlueprintError;
        problems.push({ path: where, message: be.message, fix: be.fix });
      }
    } else if (k.kms === undefined || k.publicKeyFile !== undefined) {
      publicKey = loadKey(src, k.publicKeyFile ?? 'cosign.pub', at('key.publicKeyFile'), problems);
    }
    const kms = k.kms !== undefined ? buildKmsKey(k, at('key.kms'), problems) : undefined;
    const previousSpecs = [
      ...(k.previousPublicKeyFiles ?? []).map((f, i) => ({ file: f, path: `${at('key.previousPublicKeyFiles')}[${i}]`, notAfter: undefined as string | undefined })),
      ...(k.previousKeys ?? []).map((p, i) => ({ file: p.publicKeyFile, path: `${at('key.previousKeys')}[${i}]`, notAfter: p.notAfter })),
    ];
    const previous = previousSpecs.map((p): PreviousPublicKeyModel | undefined => {
      const keyPath = /\.previousKeys\[\d+\]$/.test(p.path) ? `${p.path}.publicKeyFile` : p.path;
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
    let privateKeyFile: string | undefined;
    if (k.privateKeyFile !== undefined) {
      const abs = resolveInside(src.baseDir, k.privateKeyFile, at('key.privateKeyFile'));
      if (isProblem(abs)) problems.push(abs);
      else privateKeyFile = abs;
    }
    const org = cfg.github.actionsPublicKey;
    if (publicKey || kms) {
      key = {
        configPath: keyBase,
        publicKey,
        kms,
        publicKeyFile: k.publicKey !== undefined || publicKey === undefined ? undefined : (k.publicKeyFile ?? 'cosign.pub'),
        previousPublicKeys: previous,
        secretScope: k.secretScope ?? SecretScope.REPOSITORY,
        environment: k.environment,
        privateKeyFile,
        privateKeyFileRel: privateKeyFile !== undefined ? k.privateKeyFile : undefined,
        organizationActionsPublicKey: org ? { keyId: org.keyId, key: org.key, path: 'github.actionsPublicKey' } : undefined,
        // filled in per repository once every repository knows its signer
        repositoryActionsPublicKeys: new Map<string, ActionsPublicKeyModel>(),
      };
    }
  } else {
    const keylessCfg = sc.keyless ?? {};
    const where = at('keyless.trustedRootFile');
    let trustedRootFile: string | undefined;
    if (keylessCfg.trustedRootFile !== undefined) {
      const abs = resolveInside(src.baseDir, keylessCfg.trustedRootFile, where);
      if (isProblem(abs)) problems.push(abs);
      else if (!fs.existsSync(abs)) problems.push({ path: where, value: keylessCfg.trustedRootFile, message: 'file not found', fix: 'write it with `cosign trusted-root create`' });
      else trustedRootFile = keylessCfg.trustedRootFile;
    }
    const trustedRoot = trustedRootFile !== undefined ? readTrustedRoot(src, trustedRootFile, problems, where) : undefined;
    const tuf = keylessCfg.tuf !== undefined ? readTufConfig(src, keylessCfg.tuf, at('keyless.tuf'), keylessCfg.trustedRootFile !== undefined, problems) : undefined;
    const fulcioUrl = keylessCfg.fulcioUrl ?? DEFAULTS.fulcioUrl;
    const rekorUrl = keylessCfg.rekorUrl ?? DEFAULTS.rekorUrl;
    keyless = {
      issuer: keylessCfg.issuer ?? GITHUB_ACTIONS_ISSUER,
      fulcioUrl,
      rekorUrl,
      trustedRootFile,
      trustedRoot,
      tuf,
      privateInstance: fulcioUrl !== DEFAULTS.fulcioUrl || rekorUrl !== DEFAULTS.rekorUrl || trustedRootFile !== undefined,
    };
  }
  const cosignVersion = parseVersion(sc.cosign?.version ?? DEFAULTS.cosignVersion);
  return {
    isDefault,
    mode,
    cosignVersion,
    signatureFormat: sc.cosign?.signatureFormat ?? defaultSignatureFormat(mode, cosignVersion, fd.clusters),
    transparencyLog: sc.transparencyLog ?? true,
    key,
    keyless,
  };
}

/** Where the workflows read the trusted root from: the stack commits it to every repository. */
export const TRUSTED_ROOT_REPO_PATH = '.sigstore/trusted_root.json';

/** Reads and sanity-checks a Sigstore TrustedRoot JSON (`cosign trusted-root create`). */
function readTrustedRoot(src: FileSource, rel: string, problems: Problem[], where: string): { json: string; repoPath: string } | undefined {
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

/** `signing.keyless.tuf`: the mirror and its initial root.json (TUF root metadata), read and sanity-checked. */
function readTufConfig(src: FileSource, cfg: SigstoreTufConfig, where: string, hasTrustedRoot: boolean, problems: Problem[]): TufModel | undefined {
  if (!hasTrustedRoot) {
    problems.push({
      path: where,
      value: cfg.mirror,
      message: 'needs signing.keyless.trustedRootFile as well',
      fix: 'add trustedRootFile: a snapshot of the trusted_root.json the repository publishes (Kyverno ClusterPolicy roots, the workflow\'s cosign verify and the checks read no TUF)',
    });
    return undefined;
  }
  const rootWhere = `${where}.rootFile`;
  const abs = resolveInside(src.baseDir, cfg.rootFile, rootWhere);
  if (isProblem(abs)) {
    problems.push(abs);
    return undefined;
  }
  const text = readSmallFile(abs, rootWhere, cfg.rootFile);
  if (isProblem(text)) {
    problems.push({ ...text, fix: 'give the TUF repository\'s initial root.json (for example its 1.root.json), obtained out of band' });
    return undefined;
  }
  let doc: any;
  try {
    doc = JSON.parse(text);
  } catch {
    doc = undefined;
  }
  if (doc?.signed?._type !== 'root' || typeof doc?.signed?.version !== 'number' || !Array.isArray(doc?.signatures)) {
    problems.push({
      path: rootWhere,
      value: cfg.rootFile,
      message: 'is not TUF root metadata ({"signed": {"_type": "root", "version": N, …}, "signatures": […]})',
      fix: 'give the TUF repository\'s root.json (for example its 1.root.json), not the Sigstore trusted_root.json',
    });
    return undefined;
  }
  return { mirror: cfg.mirror, rootJson: text, rootFile: cfg.rootFile };
}

function signerWorkflowModel(s: SignerWorkflowConfig): SignerWorkflowModel {
  const short = s.ref.replace(/^refs\/(heads|tags)\//, '');
  const wfPath = `.github/workflows/${s.file}`;
  return { repository: s.repository, file: s.file, path: wfPath, ref: s.ref, uses: `${s.repository}/${wfPath}@${short}` };
}
