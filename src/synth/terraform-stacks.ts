import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { App as TfApp, TerraformStack } from 'cdktf';
import { plainJson } from './plain-json';
import { RenderCache } from './render-cache';
import { plainStackManifest, synthTerraformInMemory, synthTerraformOnDisk } from './terraform-synth';
import { MIN_STACKS_PER_WORKER, StackWorkers, startStackWorkers, stackWorkersAvailable } from './terraform-workers';
import { SecretScope, SigningMode } from '../config/types';
import { ITerraformStackCustomizer } from '../customize';
import { DEPENDABOT_PATH, dependabotYaml } from '../github/dependabot';
import { kmsVariables } from '../github/kms-auth';
import { GitHubOrganizationSecretsStack } from '../github/org-secrets-stack';
import { planSealing } from '../github/sealed-box';
import { GitHubSigningStack, GitHubSigningStackProps } from '../github/signing-stack';
import { BlueprintModel, RepositoryModel } from '../model/model';

/** The cdktf stack id of a repository's stack (`terraform/stacks/<id>/`). */
export function stackId(repo: string): string {
  return `github-${repo.toLowerCase().replace(/[^a-z0-9-]+/g, '-')}`;
}

export interface TerraformRenderOptions {
  /** each repository's workflow text, by repository name */
  readonly workflowYaml: ReadonlyMap<string, string>;
  /** further files a repository's stack commits (its reusable signer workflows) */
  readonly extraRepoFiles: ReadonlyMap<string, readonly { path: string; content: string }[]>;
  readonly customizers: readonly ITerraformStackCustomizer[];
  /** where sealed secrets read COSIGN_PASSWORD */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** through cdktf's own `App.synth()` into a temp folder */
  readonly onDisk: boolean;
  /** threads: with N > 1 (and enough stacks), N - 1 workers synthesize part of the stacks (terraform-workers.ts) */
  readonly jobs: number;
  readonly cache?: RenderCache;
}

export interface RenderedTerraform {
  /** path below `terraform/` → text, sorted by path (`manifest.json`, `stacks/<id>/cdk.tf.json`) */
  readonly files: Map<string, string>;
  /** the Terraform JSON of each stack, by stack id, sorted */
  readonly stacks: Map<string, any>;
  /** stacks synthesized in worker threads (`jobs`), and in how many */
  readonly inWorkers: { readonly stacks: number; readonly threads: number };
}

/** A repository stack's id and props: everything its `cdk.tf.json` is made from. */
interface StackSpec {
  readonly id: string;
  readonly repo: string;
  readonly props: GitHubSigningStackProps;
}

/** cdktf reads these: with any of them set, nothing is taken from the cache */
function cdktfEnvironment(): boolean {
  return Object.keys(process.env).some((k) => k.startsWith('CDKTF_') || k === 'SYNTH_HCL_OUTPUT');
}

/**
 * The Terraform of a blueprint: the organization secrets stack (when a key uses that scope) and one
 * GitHubSigningStack per repository, synthesized by cdktf in memory. With a cache (and no stack
 * customizers, no cdktf environment variables, distinct stack ids), a repository stack whose props
 * are unchanged is taken from the output folder and left out of the cdktf app; its manifest entry
 * is the one cdktf writes for a stack without annotations or dependencies (only such stacks are
 * cached).
 */
export function renderTerraform(model: BlueprintModel, o: TerraformRenderOptions): RenderedTerraform {
  const keyOf = (r: RepositoryModel) => (r.signing.mode === SigningMode.KEY ? r.signing.key : undefined);
  // sealed secrets (when an Actions public key is configured) read cosign.key and COSIGN_PASSWORD here
  const sealing = planSealing(model, o.env);
  const orgRepos = model.repositories.filter((r) => keyOf(r)?.secretScope === SecretScope.ORGANIZATION);
  const orgId = orgRepos.length > 0 ? GitHubOrganizationSecretsStack.defaultStackId(model.owner) : undefined;
  const specs: StackSpec[] = model.repositories.map((r) => {
    const key = keyOf(r);
    const repoFiles = [{ path: r.workflow.path, content: o.workflowYaml.get(r.name)! }, ...o.extraRepoFiles.get(r.name) ?? []];
    if (key?.publicKey) repoFiles.push({ path: 'cosign.pub', content: key.publicKey.pem });
    if (model.dependabot) repoFiles.push({ path: DEPENDABOT_PATH, content: dependabotYaml() });
    return {
      id: stackId(r.name),
      repo: r.name,
      props: {
        owner: model.owner,
        repository: r.name,
        // a KMS key has no secrets: only the login's non-secret variables
        publicKeyPem: key?.kms ? undefined : key?.publicKey?.pem,
        actionsVariables: key?.kms ? kmsVariables(key.kms.auth) : undefined,
        secretScope: key?.secretScope,
        environment: key?.environment,
        sealedSecrets: sealing.repositories.get(r.name),
        files: repoFiles,
      },
    };
  });
  const ids = [...specs.map((s) => s.id), ...orgId !== undefined ? [orgId] : []];
  // stacks may be left out of this thread's app (cached, or in a worker) only when nothing but their props shapes them
  const separable = !o.onDisk && o.customizers.length === 0 && !cdktfEnvironment() && new Set(ids).size === ids.length;
  const cache = separable ? o.cache : undefined;

  const files = new Map<string, string>();
  const cached: string[] = [];
  const toRender: (StackSpec & { inputs?: string })[] = [];
  for (const s of specs) {
    const inputs = cache ? plainJson({ id: s.id, props: s.props }) : undefined;
    const text = inputs !== undefined ? cache!.get(`terraform/${stackFile(s.id)}`, 'stack', inputs) : undefined;
    if (text !== undefined) {
      files.set(stackFile(s.id), text);
      cached.push(s.id);
    } else {
      toRender.push({ ...s, inputs });
    }
  }

  let inWorkers: StackWorkers | undefined;
  const staging = fs.mkdtempSync(path.join(os.tmpdir(), 'isb-tf-'));
  try {
    const app = new TfApp({ outdir: staging, skipValidation: false });
    // organization secrets: one stack, readable by the repositories whose key uses that scope
    if (orgId !== undefined) {
      new GitHubOrganizationSecretsStack(app, orgId, {
        owner: model.owner,
        repositories: orgRepos.map((r) => r.name),
        publicKeyPem: keyOf(orgRepos[0])!.publicKey!.pem,
        sealedSecrets: sealing.organization,
      });
    }
    // without customizers, the repository stacks have their backend and reference no other stack:
    // cdktf's preparing resolve has nothing to do for them (terraform-synth.ts)
    const unprepared = new Set<TerraformStack>();
    const workers = Math.min(o.jobs - 1, Math.floor(toRender.length / MIN_STACKS_PER_WORKER) - 1);
    let mine = toRender;
    if (separable && workers > 0 && stackWorkersAvailable() && toRender.every((s) => (s.inputs ?? plainJson(s.props)) !== undefined)) {
      const started = startStackWorkers(toRender, workers);
      const kept = new Set(started.mine.map((s) => s.id));
      mine = toRender.filter((s) => kept.has(s.id));
      inWorkers = started.workers;
    }
    for (const s of mine) {
      const stack = new GitHubSigningStack(app, s.id, s.props);
      for (const cz of o.customizers) cz.customize(stack, s.repo);
      if (o.customizers.length === 0) unprepared.add(stack);
    }
    // in memory when the app is plain JSON (the usual case), else through the staging folder
    const synthesized = o.onDisk ? undefined : synthTerraformInMemory(app, [...cached, ...inWorkers?.ids ?? []], unprepared);
    const fromWorkers = inWorkers?.collect();
    // a failed worker, or a stack whose manifest entry is not plain: everything in this thread, as without jobs
    if (inWorkers !== undefined && (fromWorkers === undefined || synthesized === undefined)) return renderTerraform(model, { ...o, jobs: 1 });
    if (synthesized === undefined && cached.length > 0) return renderTerraform(model, { ...o, cache: undefined });
    for (const [rel, text] of synthesized ?? synthTerraformOnDisk(app)) files.set(rel, text);
    for (const [rel, text] of fromWorkers ?? []) files.set(rel, text);
    for (const s of toRender) {
      const text = files.get(stackFile(s.id));
      // only a stack whose manifest entry is cdktf's plain one can be left out of a later app
      const plain = fromWorkers?.has(stackFile(s.id)) === true || isDeepStrictEqual(app.manifest.stacks[s.id], plainStackManifest(s.id));
      if (s.inputs !== undefined && text !== undefined && plain) {
        cache!.put(`terraform/${stackFile(s.id)}`, 'stack', s.inputs, text);
      }
    }
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
  const sorted = new Map([...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  const stacks = new Map<string, any>();
  for (const [rel, text] of sorted) {
    const m = /^stacks\/([^/]+)\/cdk\.tf\.json$/.exec(rel);
    if (m) stacks.set(m[1], JSON.parse(text));
  }
  return { files: sorted, stacks, inWorkers: { stacks: inWorkers?.ids.length ?? 0, threads: inWorkers?.threads ?? 0 } };
}

function stackFile(id: string): string {
  return `stacks/${id}/cdk.tf.json`;
}
