import * as os from 'node:os';
import { App as K8sApp, Yaml } from 'cdk8s';
import { parse } from 'yaml';
import { plainJson } from './plain-json';
import { RenderCache } from './render-cache';
import { renderTerraform, stackId } from './terraform-stacks';
import { AdmissionChart } from '../cluster/admission-chart';
import { renderClusterObjects } from '../cluster/manifests';
import { SigningMode } from '../config/types';
import { IAdmissionChartCustomizer, ITerraformStackCustomizer, IWorkflowCustomizer } from '../customize';
import { DEPENDABOT_PATH, dependabotYaml } from '../github/dependabot';
import { OwnedSignerWorkflow, renderOwnedSignerWorkflows } from '../github/signer-workflows';
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
  /**
   * the value each written workflow file's text encodes, by file path, with that text: a copy of
   * the rendered object when it is plain JSON (what `yaml` writes is what it reads back:
   * test/synth/workflow-values.test.ts), else the text parsed back. The checks read it instead
   * of parsing the file again while the file still holds that text.
   */
  readonly workflowValues?: ReadonlyMap<string, { readonly text: string; readonly value: any }>;
  /** Terraform stacks synthesized in worker threads (`jobs`), and in how many threads */
  readonly terraformInWorkers?: { readonly stacks: number; readonly threads: number };
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
   * threads: with N > 1, the Terraform stacks that are rendered are split over N - 1 worker
   * threads and this one (terraform-workers.ts)
   * @default 1
   */
  readonly jobs?: number;
  /** output files of an earlier synth that may stand in for rendering (render-cache.ts) */
  readonly cache?: RenderCache;
  /**
   * the environment sealed secrets read COSIGN_PASSWORD from (with an Actions public key)
   * @default process.env
   */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** synthesize Terraform through cdktf's own `App.synth()` into a temp folder (the fallback path; tests compare both) */
  readonly terraformOnDisk?: boolean;
}

/** YAML text of a workflow file and the value it encodes: from the cache when its object and pins are unchanged. */
function workflowOutput(w: RenderedWorkflow, file: string, cache: RenderCache | undefined): { text: string; value: any } {
  const json = plainJson(w.workflow);
  if (json === undefined) {
    const text = workflowToYaml(w);
    return { text, value: parse(text) };
  }
  const inputs = `${json}\n${JSON.stringify(w.pins)}`;
  let text = cache?.get(file, 'workflow', inputs);
  if (text === undefined) {
    text = workflowToYaml(w);
    cache?.put(file, 'workflow', inputs, text);
  }
  return { text, value: JSON.parse(json) };
}

/** A cluster's manifest text: from the cache when its final objects are unchanged. */
function clusterYaml(objects: readonly any[], file: string, cache: RenderCache | undefined): string {
  const json = cache ? plainJson(objects) : undefined;
  if (json === undefined) return Yaml.stringify(...objects);
  let text = cache!.get(file, 'k8s', json);
  if (text === undefined) {
    text = Yaml.stringify(...objects);
    cache!.put(file, 'k8s', json, text);
  }
  return text;
}

/** Renders every artifact in memory (Terraform without the disk when cdktf allows: terraform-synth.ts). */
export function renderArtifacts(model: BlueprintModel, opts: RenderOptions = {}): Artifacts {
  const files = new Map<string, string>();
  const paths = outputPaths(model);
  const keyOf = (r: RepositoryModel) => (r.signing.mode === SigningMode.KEY ? r.signing.key : undefined);
  const byName = new Map(model.repositories.map((r) => [r.name, r]));
  const cache = opts.cache;

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
  const workflowValues = new Map<string, { text: string; value: any }>();
  /** extra files each repository's stack commits (its reusable signer workflows) */
  const extraRepoFiles = new Map<string, { path: string; content: string }[]>();
  for (const w of callerWorkflows) {
    const file = `${paths.githubDir(w.repository)}/${w.path}`;
    const { text, value } = workflowOutput(w, file, cache);
    workflowYaml.set(w.repository, text);
    workflowValues.set(file, { text, value });
    files.set(file, text);
    const key = byName.has(w.repository) ? keyOf(byName.get(w.repository)!) : undefined;
    if (key?.publicKey) files.set(`${paths.githubDir(w.repository)}/cosign.pub`, key.publicKey.pem);
    if (model.dependabot) files.set(`${paths.githubDir(w.repository)}/${DEPENDABOT_PATH}`, dependabotYaml());
  }
  for (const w of signerFiles) {
    const file = `${paths.githubDir(w.repository)}/${w.path}`;
    const { text, value } = workflowOutput(w, file, cache);
    workflowValues.set(file, { text, value });
    files.set(file, text);
    extraRepoFiles.set(w.repository, [...extraRepoFiles.get(w.repository) ?? [], { path: w.path, content: text }]);
  }

  const clusterObjects = new Map<string, any[]>();
  for (const c of model.clusters) {
    const app = new K8sApp({ outdir: os.tmpdir() });
    const chart = new AdmissionChart(app, c.name, { manifests: clusterManifests(model, c) });
    for (const cz of opts.customizers?.admissionCharts ?? []) cz.customize(chart, c.name);
    const objects = chart._objects(); // the checks report what the chart's validations would refuse
    clusterObjects.set(c.name, objects);
    const file = `${paths.kubernetesDir(c.name)}/image-signing.k8s.yaml`;
    files.set(file, clusterYaml(objects, file, cache));
  }

  const tf = renderTerraform(model, {
    workflowYaml,
    extraRepoFiles,
    customizers: opts.customizers?.terraformStacks ?? [],
    env: opts.env ?? process.env,
    onDisk: opts.terraformOnDisk === true,
    jobs: opts.jobs ?? 1,
    cache,
  });
  for (const [rel, text] of tf.files) files.set(`terraform/${rel}`, text);

  files.set('RUNBOOK.md', renderRunbook(model, paths));
  return { files, workflows, signerWorkflows, clusterObjects, terraform: tf.stacks, workflowValues, terraformInWorkers: tf.inWorkers };
}
