import { signArgs, signFormats, verifyArgs } from './cosign-commands';
import { ActionPin, DEFAULT_PINS, usesRef } from './pins';
import { registrySecretNames, SECRET_NAMES } from './secrets';
import { SecretScope, SigningMode } from '../config/types';
import { BlueprintModel, RepositoryModel } from '../model/model';

/** A rendered workflow: the plain object, and the pins used (for `# vX.Y.Z` comments). */
export interface RenderedWorkflow {
  readonly repository: string;
  /** `.github/workflows/<file>` */
  readonly path: string;
  readonly workflow: Record<string, any>;
  readonly pins: readonly ActionPin[];
}

export const BUILD_JOB = 'build-sign';
export const VERIFY_JOB = 'verify';
export const BUILD_STEP_ID = 'build';

export interface WorkflowRenderOptions {
  /** overrides of DEFAULT_PINS entries */
  readonly pins?: Readonly<Record<string, ActionPin>>;
}

function cosignInstallerKey(model: BlueprintModel): string {
  return model.signing.cosignVersion.major >= 3 ? 'cosign-installer-v4' : 'cosign-installer';
}

function loginSteps(repo: RepositoryModel, use: (k: string) => string): Record<string, any>[] {
  const registries = [...new Set(repo.images.map((i) => i.registry))];
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

/**
 * The signing workflow of one repository: build and push once, sign the pushed **digest** of
 * every image name, then (optionally) a verify job that checks exactly what the admission
 * policy checks.
 */
export function renderWorkflow(model: BlueprintModel, repo: RepositoryModel, opts: WorkflowRenderOptions = {}): RenderedWorkflow {
  const pins = { ...DEFAULT_PINS, ...(opts.pins ?? {}) };
  const used = new Map<string, ActionPin>();
  const use = (k: string): string => {
    const pin = pins[k];
    if (!pin) throw new Error(`no pin for action ${k}`);
    used.set(k, pin);
    return usesRef(pin);
  };
  const keyMode = model.signing.mode === SigningMode.KEY;
  const ghcr = repo.images.some((i) => i.registry === 'ghcr.io');
  const multiPlatform = repo.workflow.platforms.length > 1;

  const on: Record<string, any> = { push: {} };
  if (repo.workflow.branches.length > 0) on.push.branches = [...repo.workflow.branches];
  if (repo.workflow.tags.length > 0) on.push.tags = [...repo.workflow.tags];

  const buildPermissions: Record<string, string> = { contents: 'read' };
  if (ghcr) buildPermissions.packages = 'write';
  if (!keyMode) buildPermissions['id-token'] = 'write';

  const installCosign = {
    name: 'Install cosign',
    uses: use(cosignInstallerKey(model)),
    with: { 'cosign-release': model.signing.cosignVersion.text },
  };

  const steps: Record<string, any>[] = [
    { name: 'Check out', uses: use('checkout'), with: { 'persist-credentials': false } },
    installCosign,
  ];
  if (multiPlatform) steps.push({ name: 'Set up QEMU', uses: use('setup-qemu') });
  steps.push({ name: 'Set up Docker Buildx', uses: use('setup-buildx') });
  steps.push(...loginSteps(repo, use));
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
  const signLines: string[] = [];
  for (const image of repo.images) {
    for (const format of signFormats(model)) {
      signLines.push(`${signArgs(model, repo, format).join(' ')} "${image.name}@${digest}"`);
    }
  }
  const signStep: Record<string, any> = {
    name: `Sign the pushed digest${repo.images.length > 1 ? 's' : ''}`,
    run: signLines.join('\n'),
  };
  if (keyMode) {
    signStep.env = {
      [SECRET_NAMES.privateKey]: `\${{ secrets.${SECRET_NAMES.privateKey} }}`,
      [SECRET_NAMES.password]: `\${{ secrets.${SECRET_NAMES.password} }}`,
    };
  }
  steps.push(signStep);

  const buildJob: Record<string, any> = {
    'name': 'Build, push and sign',
    'runs-on': 'ubuntu-latest',
    'permissions': buildPermissions,
  };
  if (keyMode && model.signing.key?.secretScope === SecretScope.ENVIRONMENT && model.signing.key.environment) {
    buildJob.environment = model.signing.key.environment;
  }
  buildJob.outputs = { digest };
  buildJob.steps = steps;

  const jobs: Record<string, any> = { [BUILD_JOB]: buildJob };

  if (model.verification.ci) {
    const verifyPermissions: Record<string, string> = { contents: 'read' };
    if (ghcr) verifyPermissions.packages = 'read';
    const verifySteps: Record<string, any>[] = [];
    if (keyMode) {
      // the same cosign.pub the stack commits to the repository and the policies embed
      verifySteps.push({ name: 'Check out', uses: use('checkout'), with: { 'persist-credentials': false } });
    }
    verifySteps.push(installCosign);
    verifySteps.push(...loginSteps(repo, use).map((s) => ({ ...s })));
    const needsDigest = `\${{ needs.${BUILD_JOB}.outputs.digest }}`;
    verifySteps.push({
      name: 'Verify the signature the admission policy requires',
      run: repo.images.map((i) => `${verifyArgs(model, repo).join(' ')} "${i.name}@${needsDigest}"`).join('\n'),
    });
    jobs[VERIFY_JOB] = {
      'name': 'Verify as the cluster will',
      'needs': BUILD_JOB,
      'runs-on': 'ubuntu-latest',
      'permissions': verifyPermissions,
      'steps': verifySteps,
    };
  }

  const workflow = {
    name: `Build, sign and verify (${repo.name})`,
    on,
    permissions: {},
    jobs,
  };
  return { repository: repo.name, path: repo.workflow.path, workflow, pins: [...used.values()] };
}
