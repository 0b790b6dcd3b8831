import {
  attestArgs, needsSigningConfig, provenanceVerifyArgs, sbomActionFormat, sbomPredicateType, signArgs, signFormats, signingConfigCreateArgs,
  verifyArgs, verifyAttestationArgs,
} from './cosign-commands';
import { KMS_LOGIN_PIN, kmsCosignEnv, kmsLoginStep } from './kms-auth';
import { registrySecretNames, SECRET_NAMES } from './secrets';
import { ImageName } from '../config/image-name';
import { ActionPin, effectivePins, usesRef } from '../config/pins';
import { SecretScope, SigningMode } from '../config/types';
import { BlueprintModel, KmsKeyModel, RepositoryModel, SigningModel } from '../model/model';
import { modelForRepository } from '../model/signers';

/** A rendered workflow: the plain object, and the pins used (for `# vX.Y.Z` comments). */
export interface RenderedWorkflow {
  /** the repository the file belongs to: a blueprint repository name, or `owner/repo` of a reusable signer */
  readonly repository: string;
  /** `.github/workflows/<file>` */
  readonly path: string;
  readonly workflow: Record<string, any>;
  readonly pins: readonly ActionPin[];
}

export const BUILD_JOB = 'build-sign';
export const SIGN_JOB = 'sign';
export const VERIFY_JOB = 'verify';
export const BUILD_STEP_ID = 'build';
/** SBOM file the sbom step writes and `cosign attest --predicate` reads (workspace-relative). */
export const SBOM_FILE = 'sbom.json';

export interface WorkflowRenderOptions {
  /** overrides of DEFAULT_PINS entries (applied after the config's `github.actionPins`) */
  readonly pins?: Readonly<Record<string, ActionPin>>;
}

type Step = Record<string, any>;
type Use = (key: string) => string;

function pinUser(model: BlueprintModel, opts: WorkflowRenderOptions): { use: Use; used: Map<string, ActionPin> } {
  const pins = effectivePins(model.actionPins, opts.pins);
  const used = new Map<string, ActionPin>();
  const use = (k: string): string => {
    const pin = pins[k];
    if (!pin) throw new Error(`no pin for action ${k}`);
    used.set(k, pin);
    return usesRef(pin);
  };
  return { use, used };
}

function cosignInstallerKey(model: BlueprintModel): string {
  return model.signing.cosignVersion.major >= 3 ? 'cosign-installer-v4' : 'cosign-installer';
}

function installCosign(model: BlueprintModel, use: Use): Step {
  return { name: 'Install cosign', uses: use(cosignInstallerKey(model)), with: { 'cosign-release': model.signing.cosignVersion.text } };
}

function checkout(use: Use): Step {
  return { name: 'Check out', uses: use('checkout'), with: { 'persist-credentials': false } };
}

function loginSteps(images: readonly ImageName[], use: Use): Step[] {
  const registries = [...new Set(images.map((i) => i.registry))];
  return registries.map((registry) => {
    if (registry === 'ghcr.io') {
      return {
        name: 'Log in to ghcr.io',
        uses: use('login'),
        with: { registry: 'ghcr.io', username: '${{ github.actor }}', password: '${{ secrets.GITHUB_TOKEN }}' },
      };
    }
    const s = registrySecretNames(registry);
    return {
      name: `Log in to ${registry}`,
      uses: use('login'),
      with: { registry: registry, username: `\${{ secrets.${s.username} }}`, password: `\${{ secrets.${s.password} }}` },
    };
  });
}

function kmsOf(s: SigningModel): KmsKeyModel | undefined {
  return s.mode === SigningMode.KEY ? s.key?.kms : undefined;
}

function keyEnv(): Record<string, string> {
  return {
    [SECRET_NAMES.privateKey]: `\${{ secrets.${SECRET_NAMES.privateKey} }}`,
    [SECRET_NAMES.password]: `\${{ secrets.${SECRET_NAMES.password} }}`,
  };
}

/**
 * Job permissions derived from the features, nothing more: `contents: read` to check out,
 * `packages: write` to push to (and attach signatures in) GHCR, `id-token: write` for a keyless
 * certificate or a GitHub attestation, `attestations: write` for GitHub attestations.
 */
export function signingPermissions(model: BlueprintModel, repo: RepositoryModel): Record<string, string> {
  const p: Record<string, string> = { contents: 'read' };
  if (repo.images.some((i) => i.registry === 'ghcr.io')) p.packages = 'write';
  if (repo.signing.mode === SigningMode.KEYLESS || model.attestations.provenance || kmsOf(repo.signing) !== undefined) p['id-token'] = 'write';
  if (model.attestations.provenance) p.attestations = 'write';
  return p;
}

interface SigningContext {
  /** shell word for one image name in `run:` scripts */
  readonly imageWords: readonly string[];
  /** expression (or env reference) for the digest, as usable inside a double-quoted shell word */
  readonly digest: string;
  /** `${{ … }}` expression of the digest, for `with:` inputs */
  readonly digestExpr: string;
  /** image names for `with:` inputs (subject-name, sbom image) */
  readonly imageInputs: readonly string[];
  /** `--recursive`, a shell variable holding it (or nothing), appended to every `cosign sign` */
  readonly recursiveArg?: string;
  /** shell lines run before the sign commands */
  readonly preamble?: readonly string[];
  readonly env?: Record<string, string>;
}

/** install cosign, [signing config], sign, [SBOM + attest], [provenance]: shared by the build job and the signer workflow. */
function signingSteps(model: BlueprintModel, repo: RepositoryModel, ctx: SigningContext, use: Use): Step[] {
  const keyMode = model.signing.mode === SigningMode.KEY;
  const kms = kmsOf(model.signing);
  const withKeyEnv = (step: Step): Step => {
    const env = { ...(ctx.env ?? {}), ...(kms ? kmsCosignEnv(kms) : keyMode ? keyEnv() : {}) };
    return Object.keys(env).length > 0 ? { ...step, env } : step;
  };
  const steps: Step[] = [];
  // the provider login with the job's OIDC token, right before cosign uses the KMS key
  if (kms) steps.push(kmsLoginStep(kms, KMS_LOGIN_PIN[kms.provider] ? use(KMS_LOGIN_PIN[kms.provider]!) : undefined));
  steps.push(installCosign(model, use));
  if (needsSigningConfig(model)) {
    steps.push({ name: 'Write the Sigstore signing config', run: signingConfigCreateArgs(model).join(' ') });
  }
  const signLines: string[] = [...(ctx.preamble ?? [])];
  for (const image of ctx.imageWords) {
    for (const format of signFormats(model)) {
      const args = signArgs(model, repo, format).filter((a) => a !== '--recursive');
      if (ctx.recursiveArg) args.push(ctx.recursiveArg);
      signLines.push(`${args.join(' ')} "${image}@${ctx.digest}"`);
    }
  }
  steps.push(withKeyEnv({ name: `Sign the pushed digest${ctx.imageWords.length > 1 ? 's' : ''}`, run: signLines.join('\n') }));

  const sbom = model.attestations.sbom;
  if (sbom) {
    steps.push({
      name: 'Generate the SBOM of the pushed digest',
      uses: use('sbom'),
      with: {
        'image': `${ctx.imageInputs[0]}@${ctx.digestExpr}`,
        'format': sbomActionFormat(sbom),
        'output-file': SBOM_FILE,
        'upload-artifact': false,
      },
    });
    const type = sbomPredicateType(sbom);
    const lines = ctx.imageWords.flatMap((image) => signFormats(model).map((format) =>
      `${attestArgs(model, format, type, SBOM_FILE).join(' ')} "${image}@${ctx.digest}"`));
    steps.push(withKeyEnv({ name: 'Attest the SBOM', run: lines.join('\n') }));
  }
  if (model.attestations.provenance) {
    ctx.imageInputs.forEach((name, i) => {
      steps.push({
        name: `Attest build provenance${ctx.imageInputs.length > 1 ? ` (${i + 1}/${ctx.imageInputs.length})` : ''}`,
        uses: use('attest-build-provenance'),
        // subject-name without a tag: the attestation is pushed as a referrer of the digest. v4 also
        // creates an artifact storage record by default, which needs `artifact-metadata: write`
        // and an organization-owned repository: not part of what the policies verify, so off
        with: { 'subject-name': name, 'subject-digest': ctx.digestExpr, 'push-to-registry': true, 'create-storage-record': false },
      });
    });
  }
  return steps;
}

function needsCheckoutForTrust(model: BlueprintModel): boolean {
  // a KMS key without a known public key is read from the KMS instead of cosign.pub
  return (model.signing.mode === SigningMode.KEY && model.signing.key?.publicKey !== undefined) || model.signing.keyless?.trustedRoot !== undefined;
}

function verifyJob(model: BlueprintModel, repo: RepositoryModel, needs: string | string[], use: Use): Record<string, any> {
  const permissions: Record<string, string> = { contents: 'read' };
  if (repo.images.some((i) => i.registry === 'ghcr.io')) permissions.packages = 'read';
  const steps: Step[] = [];
  const kms = kmsOf(model.signing);
  const kmsVerify = kms !== undefined && model.signing.key?.publicKey === undefined;
  if (kmsVerify) {
    permissions['id-token'] = 'write';
    steps.push(kmsLoginStep(kms, KMS_LOGIN_PIN[kms.provider] ? use(KMS_LOGIN_PIN[kms.provider]!) : undefined));
  }
  // the same cosign.pub / trusted root the stack commits to the repository and the policies embed
  if (needsCheckoutForTrust(model)) steps.push(checkout(use));
  steps.push(installCosign(model, use));
  steps.push(...loginSteps(repo.images, use));
  const digest = `\${{ needs.${BUILD_JOB}.outputs.digest }}`;
  const kmsEnv = kmsVerify ? kmsCosignEnv(kms) : {};
  steps.push({
    name: 'Verify the signature the admission policy requires',
    ...(Object.keys(kmsEnv).length > 0 ? { env: kmsEnv } : {}),
    run: repo.images.map((i) => `${verifyArgs(model, repo).join(' ')} "${i.name}@${digest}"`).join('\n'),
  });
  if (model.attestations.sbom) {
    const type = sbomPredicateType(model.attestations.sbom);
    steps.push({
      name: 'Verify the SBOM attestation',
      ...(Object.keys(kmsEnv).length > 0 ? { env: kmsEnv } : {}),
      run: repo.images.map((i) => `${verifyAttestationArgs(model, repo, type).join(' ')} "${i.name}@${digest}" > /dev/null`).join('\n'),
    });
  }
  if (model.attestations.provenance) {
    // from the registry (--bundle-from-oci), where the admission controllers look for it
    steps.push({
      name: 'Verify the build provenance in the registry',
      env: { GH_TOKEN: '${{ github.token }}' },
      run: repo.images.map((i) => provenanceVerifyArgs(repo, `${i.name}@${digest}`).join(' ')).join('\n'),
    });
  }
  return {
    'name': 'Verify as the cluster will',
    'needs': needs,
    'runs-on': 'ubuntu-latest',
    'permissions': permissions,
    'steps': steps,
  };
}

/**
 * The signing workflow of one repository: build and push once, sign (and attest) the pushed
 * **digest** of every image name, then (optionally) a verify job that checks exactly what the
 * admission policy checks. With a reusable signer workflow, signing runs in a job that calls it,
 * so the certificates carry that workflow's identity.
 *
 * Triggers are the configured push branches and tags only: never `pull_request` (a fork's PR
 * cannot and must not get a signing identity). Image names come from the config, already
 * lowercase; `${{ github.repository }}` is never used in an image reference.
 */
export function renderWorkflow(model: BlueprintModel, repo: RepositoryModel, opts: WorkflowRenderOptions = {}): RenderedWorkflow {
  model = modelForRepository(model, repo); // this repository's own signing
  const { use, used } = pinUser(model, opts);
  const keyMode = model.signing.mode === SigningMode.KEY;
  const signer = repo.workflow.signer;
  const multiPlatform = repo.workflow.platforms.length > 1;

  const on: Record<string, any> = { push: {} };
  if (repo.workflow.branches.length > 0) on.push.branches = [...repo.workflow.branches];
  if (repo.workflow.tags.length > 0) on.push.tags = [...repo.workflow.tags];

  const steps: Step[] = [checkout(use)];
  if (multiPlatform) steps.push({ name: 'Set up QEMU', uses: use('setup-qemu') });
  steps.push({ name: 'Set up Docker Buildx', uses: use('setup-buildx') });
  steps.push(...loginSteps(repo.images, use));
  steps.push({
    name: 'Build and push',
    id: BUILD_STEP_ID,
    uses: use('build-push'),
    with: {
      context: repo.workflow.context,
      file: repo.workflow.dockerfile,
      platforms: repo.workflow.platforms.join(','),
      push: true,
      tags: repo.images.map((i) => `${i.name}:\${{ github.sha }}`).join('\n'),
    },
  });

  const digest = `\${{ steps.${BUILD_STEP_ID}.outputs.digest }}`;
  let buildPermissions: Record<string, string>;
  if (signer) {
    buildPermissions = { contents: 'read' };
    if (repo.images.some((i) => i.registry === 'ghcr.io')) buildPermissions.packages = 'write';
  } else {
    buildPermissions = signingPermissions(model, repo);
    steps.push(...signingSteps(model, repo, {
      imageWords: repo.images.map((i) => i.name),
      imageInputs: repo.images.map((i) => i.name),
      digest,
      digestExpr: digest,
      recursiveArg: multiPlatform ? '--recursive' : undefined,
    }, use));
  }

  const buildJob: Record<string, any> = {
    'name': signer ? 'Build and push' : 'Build, push and sign',
    'runs-on': 'ubuntu-latest',
    'permissions': buildPermissions,
  };
  if (keyMode && model.signing.key?.secretScope === SecretScope.ENVIRONMENT && model.signing.key.environment) {
    buildJob.environment = model.signing.key.environment;
  }
  buildJob.outputs = { digest };
  buildJob.steps = steps;

  const jobs: Record<string, any> = { [BUILD_JOB]: buildJob };
  if (signer) {
    const call: Record<string, any> = {
      name: 'Sign and attest (reusable workflow)',
      needs: BUILD_JOB,
      // caps the called workflow's GITHUB_TOKEN; the certificate names the called workflow
      permissions: signingPermissions(model, repo),
      uses: signer.uses,
      with: {
        images: JSON.stringify(repo.images.map((i) => i.name)),
        digest: `\${{ needs.${BUILD_JOB}.outputs.digest }}`,
        recursive: multiPlatform,
      },
    };
    const otherRegistries = [...new Set(repo.images.map((i) => i.registry))].filter((r) => r !== 'ghcr.io');
    if (otherRegistries.length > 0) {
      call.secrets = Object.fromEntries(otherRegistries.flatMap((r) => {
        const s = registrySecretNames(r);
        return [[s.username, `\${{ secrets.${s.username} }}`], [s.password, `\${{ secrets.${s.password} }}`]];
      }));
    }
    jobs[SIGN_JOB] = call;
  }

  if (model.verification.ci) jobs[VERIFY_JOB] = verifyJob(model, repo, signer ? [BUILD_JOB, SIGN_JOB] : BUILD_JOB, use);

  const workflow = {
    name: `Build, sign and verify (${repo.name})`,
    on,
    permissions: {},
    jobs,
  };
  return { repository: repo.name, path: repo.workflow.path, workflow, pins: [...used.values()] };
}

/**
 * The reusable signer workflow (`on: workflow_call`) that a repository's `signerWorkflow` names,
 * for the signer repository: it signs and attests `inputs.digest` under each name in
 * `inputs.images` (a JSON list; one matrix job per name). Inputs reach `run:` only through
 * environment variables, never by expression interpolation.
 */
export function renderSignerWorkflow(model: BlueprintModel, repo: RepositoryModel, opts: WorkflowRenderOptions = {}): RenderedWorkflow {
  model = modelForRepository(model, repo);
  const signer = repo.workflow.signer;
  if (!signer) throw new Error(`repository ${repo.name} has no signerWorkflow`);
  const { use, used } = pinUser(model, opts);
  const steps: Step[] = [];
  if (needsCheckoutForTrust(model)) steps.push(checkout(use));
  steps.push(...loginSteps(repo.images, use));
  steps.push(...signingSteps(model, repo, {
    imageWords: ['$IMAGE'],
    imageInputs: ['${{ matrix.image }}'],
    digest: '$DIGEST',
    digestExpr: '${{ inputs.digest }}',
    // the flag comes from the boolean input; unquoted on purpose so that "" adds no argument
    preamble: ['recursive=""', 'if [ "$RECURSIVE" = "true" ]; then recursive="--recursive"; fi'],
    recursiveArg: '$recursive',
    env: { IMAGE: '${{ matrix.image }}', DIGEST: '${{ inputs.digest }}', RECURSIVE: '${{ inputs.recursive }}' },
  }, use));
  const secrets: Record<string, any> = {};
  for (const r of new Set(repo.images.map((i) => i.registry))) {
    if (r === 'ghcr.io') continue;
    const s = registrySecretNames(r);
    secrets[s.username] = { required: true };
    secrets[s.password] = { required: true };
  }
  const call: Record<string, any> = {
    inputs: {
      images: { description: 'JSON list of image names (registry/repository, lowercase, no tag)', type: 'string', required: true },
      digest: { description: 'the pushed manifest digest, sha256:…', type: 'string', required: true },
      recursive: { description: 'sign every platform manifest of a multi-platform index', type: 'boolean', required: false, default: false },
    },
  };
  if (Object.keys(secrets).length > 0) call.secrets = secrets;
  const workflow = {
    name: 'Sign and attest (reusable)',
    on: { workflow_call: call },
    permissions: {},
    jobs: {
      [SIGN_JOB]: {
        'name': 'Sign and attest ${{ matrix.image }}',
        'runs-on': 'ubuntu-latest',
        'permissions': signingPermissions(model, repo),
        'strategy': { 'fail-fast': true, 'matrix': { image: '${{ fromJSON(inputs.images) }}' } },
        steps,
      },
    },
  };
  return { repository: signer.repository, path: signer.path, workflow, pins: [...used.values()] };
}
