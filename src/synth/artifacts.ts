import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App as K8sApp, Yaml } from 'cdk8s';
import { App as TfApp } from 'cdktf';
import { parseInParallel, ParsedTexts } from './parallel-parse';
import { synthTerraformInMemory, synthTerraformOnDisk } from './terraform-synth';
import { AdmissionChart } from '../cluster/admission-chart';
import { renderClusterObjects } from '../cluster/manifests';
import { SecretScope, SigningMode } from '../config/types';
import { IAdmissionChartCustomizer, ITerraformStackCustomizer, IWorkflowCustomizer } from '../customize';
import { DEPENDABOT_PATH, dependabotYaml } from '../github/dependabot';
import { kmsVariables } from '../github/kms-auth';
import { GitHubOrganizationSecretsStack } from '../github/org-secrets-stack';
import { planSealing } from '../github/sealed-box';
import { OwnedSignerWorkflow, renderOwnedSignerWorkflows } from '../github/signer-workflows';
import { GitHubSigningStack } from '../github/signing-stack';
import { renderWorkflow, RenderedWorkflow, WorkflowRenderOptions } from '../github/workflow';
import { workflowToYaml } from '../github/workflow-yaml';
import { BlueprintModel, ClusterModel, RepositoryModel } from '../model/model';
import { renderRunbook, RunbookPaths } from '../runbook/runbook';

/** Everything a synth produces, in memory: relative path → content. */
export interface Artifacts {
  readonly files: Map<string, string>;
  readonly workflows: readonly RenderedWorkflow[];
  /**
   * the reusable signer workflows the blueprint writes into its own repositories (a
   * `signerWorkflow` in one of them); their rendered workflows are also in `workflows`
   */
  readonly signerWorkflows: readonly OwnedSignerWorkflow[];
  /** final cluster objects per cluster (after the chart, i.e. after any user patches) */
  readonly clusterObjects: ReadonlyMap<string, readonly any[]>;
  /** synthesized Terraform JSON per repository stack */
  readonly terraform: ReadonlyMap<string, any>;
  /** the workflow files' texts being parsed back in worker threads (`jobs` > 1), by file path */
  readonly parsedWorkflows?: ParsedTexts;
}

/** Output layout. One repository: `github/.github/…`; several: `github/<repo>/.github/…`. */
export function outputPaths(model: BlueprintModel): RunbookPaths {
  const single = model.repositories.length === 1;
  return {
    githubDir: (repo) => (single ? 'github' : `github/${repo}`),
    kubernetesDir: (cluster) => `kubernetes/${cluster}`,
    terraformStackDir: (repo) => `terraform/stacks/${stackId(repo)}`,
  };
}

export function stackId(repo: string): string {
  return `github-${repo.toLowerCase().replace(/[^a-z0-9-]+/g, '-')}`;
}

export function clusterManifests(model: BlueprintModel, cluster: ClusterModel): any[] {
  return renderClusterObjects(model, cluster);
}

/** The escape hatches of one blueprint, in the order they were added. */
export interface Customizers {
  readonly admissionCharts: readonly IAdmissionChartCustomizer[];
  readonly workflows: readonly IWorkflowCustomizer[];
  readonly terraformStacks: readonly ITerraformStackCustomizer[];
}

export interface RenderOptions {
  readonly workflow?: WorkflowRenderOptions;
  /** user escape hatches, run before serialization (the checks read their result) */
  readonly customizers?: Customizers;
  /**
   * threads for independent work: with N > 1, the workflow texts are parsed back (for the checks)
   * in N - 1 worker threads while this thread synthesizes the charts and stacks
   * @default 1
   */
  readonly jobs?: number;
  /**
   * the environment sealed secrets read COSIGN_PASSWORD from (with an Actions public key)
   * @default process.env
   */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** synthesize Terraform through cdktf's own `App.synth()` into a temp folder (the fallback path; tests compare both) */
  readonly terraformOnDisk?: boolean;
}

/** Renders every artifact in memory (Terraform goes through a temp dir: cdktf only writes to disk). */
export function renderArtifacts(model: BlueprintModel, opts: RenderOptions = {}): Artifacts {
  const files = new Map<string, string>();
  const paths = outputPaths(model);
  const keyOf = (r: RepositoryModel) => (r.signing.mode === SigningMode.KEY ? r.signing.key : undefined);
  const byName = new Map(model.repositories.map((r) => [r.name, r]));

  const callerWorkflows = model.repositories.map((r) => renderWorkflow(model, r, opts.workflow));
  const signerWorkflows = renderOwnedSignerWorkflows(model, opts.workflow);
  // a signer file at the path of its holder's own workflow is not written (ISB-WF-006 reports it)
  const signerFiles = signerWorkflows.map((s) => s.rendered)
    .filter((w) => byName.get(w.repository)?.workflow.path !== w.path);
  const workflows = [...callerWorkflows, ...signerFiles];
  for (const c of opts.customizers?.workflows ?? []) {
    for (const w of workflows) c.customize(w.workflow, w.repository);
  }
  const workflowYaml = new Map<string, string>();
  /** extra files each repository's stack commits (its reusable signer workflows) */
  const extraRepoFiles = new Map<string, { path: string; content: string }[]>();
  for (const w of callerWorkflows) {
    const text = workflowToYaml(w);
    workflowYaml.set(w.repository, text);
    files.set(`${paths.githubDir(w.repository)}/${w.path}`, text);
    const key = byName.has(w.repository) ? keyOf(byName.get(w.repository)!) : undefined;
    if (key?.publicKey) files.set(`${paths.githubDir(w.repository)}/cosign.pub`, key.publicKey.pem);
    if (model.dependabot) files.set(`${paths.githubDir(w.repository)}/${DEPENDABOT_PATH}`, dependabotYaml());
  }
  for (const w of signerFiles) {
    const text = workflowToYaml(w);
    files.set(`${paths.githubDir(w.repository)}/${w.path}`, text);
    extraRepoFiles.set(w.repository, [...extraRepoFiles.get(w.repository) ?? [], { path: w.path, content: text }]);
  }

  const parsedWorkflows = (opts.jobs ?? 1) > 1
    ? parseInParallel(workflows.map((w) => {
      const file = `${paths.githubDir(w.repository)}/${w.path}`;
      return [file, files.get(file)!] as const;
    }), opts.jobs!)
    : undefined;

  const clusterObjects = new Map<string, any[]>();
  for (const c of model.clusters) {
    const app = new K8sApp({ outdir: os.tmpdir() });
    const chart = new AdmissionChart(app, c.name, { manifests: clusterManifests(model, c) });
    for (const cz of opts.customizers?.admissionCharts ?? []) cz.customize(chart, c.name);
    const objects = chart._objects(); // the checks report what the chart's validations would refuse
    clusterObjects.set(c.name, objects);
    files.set(`${paths.kubernetesDir(c.name)}/image-signing.k8s.yaml`, Yaml.stringify(...objects));
  }

  const terraform = new Map<string, any>();
  // sealed secrets (when an Actions public key is configured) read cosign.key and COSIGN_PASSWORD here
  const sealing = planSealing(model, opts.env ?? process.env);
  const staging = fs.mkdtempSync(path.join(os.tmpdir(), 'isb-tf-'));
  try {
    const app = new TfApp({ outdir: staging, skipValidation: false });
    // organization secrets: one stack, readable by the repositories whose key uses that scope
    const orgRepos = model.repositories.filter((r) => keyOf(r)?.secretScope === SecretScope.ORGANIZATION);
    if (orgRepos.length > 0) {
      new GitHubOrganizationSecretsStack(app, GitHubOrganizationSecretsStack.defaultStackId(model.owner), {
        owner: model.owner,
        repositories: orgRepos.map((r) => r.name),
        publicKeyPem: keyOf(orgRepos[0])!.publicKey!.pem,
        sealedSecrets: sealing.organization,
      });
    }
    for (const r of model.repositories) {
      const key = keyOf(r);
      const repoFiles = [{ path: r.workflow.path, content: workflowYaml.get(r.name)! }, ...extraRepoFiles.get(r.name) ?? []];
      if (key?.publicKey) repoFiles.push({ path: 'cosign.pub', content: key.publicKey.pem });
      if (model.dependabot) repoFiles.push({ path: DEPENDABOT_PATH, content: dependabotYaml() });
      const stack = new GitHubSigningStack(app, stackId(r.name), {
        owner: model.owner,
        repository: r.name,
        // a KMS key has no secrets: only the login's non-secret variables
        publicKeyPem: key?.kms ? undefined : key?.publicKey?.pem,
        actionsVariables: key?.kms ? kmsVariables(key.kms.auth) : undefined,
        secretScope: key?.secretScope,
        environment: key?.environment,
        sealedSecrets: sealing.repositories.get(r.name),
        files: repoFiles,
      });
      for (const cz of opts.customizers?.terraformStacks ?? []) cz.customize(stack, r.name);
    }
    // in memory when the app is plain JSON (the usual case), else through the staging folder
    const synthesized = (opts.terraformOnDisk ? undefined : synthTerraformInMemory(app)) ?? synthTerraformOnDisk(app);
    for (const [rel, text] of synthesized) {
      files.set(`terraform/${rel}`, text);
      const m = /^stacks\/([^/]+)\/cdk\.tf\.json$/.exec(rel);
      if (m) terraform.set(m[1], JSON.parse(text));
    }
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }

  files.set('RUNBOOK.md', renderRunbook(model, paths));
  return { files, workflows, signerWorkflows, clusterObjects, terraform, parsedWorkflows };
}
