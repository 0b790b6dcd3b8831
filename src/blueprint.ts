import * as path from 'node:path';
import { ChecksFailedError } from './checks/errors';
import { CheckFinding, toCheckFinding } from './checks/public';
import { findingsToJson } from './checks/report/json';
import { checkArtifacts, runChecks, summarize } from './checks/run';
import { Finding } from './checks/types';
import { applyExtends, loadConfigFile, validateConfig } from './config/load';
import { BlueprintConfig, ClusterConfig, RepositoryConfig } from './config/types';
import { IAdmissionChartCustomizer, ITerraformStackCustomizer, IWorkflowCustomizer } from './customize';
import { BlueprintError } from './errors';
import { buildModel, ModelCache, newModelCache } from './model/build';
import { BlueprintModel } from './model/model';
import { Artifacts, renderArtifacts } from './synth/artifacts';
import { cacheSalt, OutputCache, removeOutputCache } from './synth/render-cache';
import { writeArtifactsDetailed } from './synth/write';

/** Props of an ImageSigningBlueprint. */
export interface ImageSigningBlueprintProps {
  /** The blueprint (config file format v1 as TypeScript props). */
  readonly config: BlueprintConfig;
  /**
   * Folder that relative file paths in the config (publicKeyFile, ...) resolve against.
   * @default process.cwd()
   */
  readonly baseDir?: string;
}

/** Options of `ImageSigningBlueprint.synth`. */
export interface SynthOptions {
  /**
   * Overwrite files in the output folder that synth did not write, or that were edited since
   * the last synth (recorded in `.image-signing-blueprint-manifest.json`).
   * @default false - such files make synth fail with OUTPUT_CONFLICT and nothing is written
   */
  readonly force?: boolean;
  /**
   * Threads for independent work: with N > 1 the Terraform stacks to synthesize are split over
   * up to N - 1 worker threads (each takes at least 100 stacks; only without stack customizers,
   * and only from the compiled library) and this one. Output is byte-identical for any N. A
   * worker loads cdktf again (~0.2 s of CPU), so it pays only with a free core. Has an effect
   * only when nothing was rendered yet (no `check()` or `renderFiles()` before).
   * @default 1
   */
  readonly jobs?: number;
  /**
   * Reuse files of the last synth into the same folder whose inputs are unchanged (the render
   * cache, `.image-signing-blueprint-cache.json`): a workflow whose object and pins are the same,
   * a Terraform stack whose props are the same, a cluster manifest whose objects are the same,
   * each only while the file on disk is untouched since that synth (same inode, size, change time
   * and bytes) and this library, its frameworks and node are the same build. The checks always
   * run over everything. Output is byte-identical to a synth without the cache. With false the
   * cache is neither read nor written, and an existing cache file is removed.
   * Has an effect only when nothing was rendered yet.
   * @default true
   */
  readonly cache?: boolean;
}

/** What a synth wrote. */
export interface SynthResult {
  /** The output folder (absolute). */
  readonly outdir: string;
  /** Every file of this synth's output (written or already up to date), relative to outdir, sorted. */
  readonly files: string[];
  /** Files written because they were new or their bytes changed, sorted. */
  readonly written: string[];
  /** Files already on disk with exactly the new bytes: not rewritten, sorted. */
  readonly unchanged: string[];
  /** Files an earlier synth wrote that this blueprint no longer produces: removed (unmodified ones only, unless `force`), sorted. */
  readonly removed: string[];
  /** Files taken from the output folder instead of being rendered again (the render cache, SynthOptions.cache), sorted. */
  readonly reused: string[];
  /** Files the render cache could have supplied but that were rendered (new inputs, or no untouched earlier file), sorted. */
  readonly rendered: string[];
}

/** What fromFile passes: the props plus the file they came from (for error messages). Internal. */
interface LoadedProps extends ImageSigningBlueprintProps {
  readonly source?: string;
}

/**
 * One config in, every artifact of a signed-image supply chain out: the signing workflow,
 * the Terraform (cdktf) stack for GitHub secrets and repository files, the admission policies
 * (cdk8s) and a runbook.
 *
 * The config is validated eagerly: the constructor throws an error listing every problem
 * with its config path and a fix.
 */
export class ImageSigningBlueprint {
  /** Loads and validates a `blueprint.yaml` (or JSON) file; relative paths resolve against its folder. */
  public static fromFile(file: string): ImageSigningBlueprint {
    const loaded = loadConfigFile(file);
    const props: LoadedProps = { config: loaded.config, baseDir: loaded.baseDir, source: loaded.file };
    return new ImageSigningBlueprint(props);
  }

  /** The blueprint's name. */
  public readonly name: string;
  private model: BlueprintModel;
  private config: BlueprintConfig;
  private readonly baseDir: string;
  private readonly source?: string;
  /** set once anything was rendered: the config is frozen from then on */
  private frozen = false;
  /** signers and repository models reused by addRepository/addCluster (only repositories and clusters change) */
  private readonly modelCache: ModelCache = newModelCache();
  private artifacts?: Artifacts;
  /** threads for the next render (SynthOptions.jobs) */
  private jobs = 1;
  /** the render cache of the output folder, while synth renders */
  private renderCache?: OutputCache;
  private cachedFindings?: Finding[];
  /** environment of synth and the checks (COSIGN_PASSWORD for sealing and the key pair check); process.env unless the CLI sets its own */
  private checkEnv?: Record<string, string | undefined>;
  private readonly customizers = {
    admissionCharts: [] as IAdmissionChartCustomizer[],
    workflows: [] as IWorkflowCustomizer[],
    terraformStacks: [] as ITerraformStackCustomizer[],
  };

  constructor(props: ImageSigningBlueprintProps) {
    // one struct parameter (no optional positional after it), so Python lifts it to keyword
    // arguments: ImageSigningBlueprint(config=..., base_dir=...)
    const source = (props as LoadedProps).source;
    this.baseDir = path.resolve(props.baseDir ?? process.cwd());
    this.source = source;
    // `extends` in TypeScript props: a base file relative to (and inside) baseDir
    const raw = applyExtends(props.config, this.baseDir, this.baseDir, source ?? 'config');
    this.config = validateConfig(raw, source);
    this.model = buildModel(this.config, { baseDir: this.baseDir }, source, this.modelCache);
    this.name = this.model.name;
  }

  /**
   * Adds a repository (for example to a blueprint published as a package and loaded with
   * `fromFile`). It is validated at once, with the same checks and messages as the config file
   * (`repositories[N].images[0]: …`, a name used twice, an image another repository builds, key
   * files): on an error nothing is added. Must be called before anything is rendered
   * (synth, check, renderFiles).
   */
  public addRepository(repository: RepositoryConfig): void {
    this.assertOpen('addRepository');
    this.reconfigure({ ...this.config, repositories: [...this.config.repositories, repository] });
  }

  /**
   * Adds a cluster target (`kubernetes/<name>/`), validated at once like `addRepository`. A
   * blueprint without `clusters` has one implicit cluster named `default`; the first added
   * cluster replaces it (list `default` explicitly to keep it). Must be called before anything is
   * rendered.
   */
  public addCluster(cluster: ClusterConfig): void {
    this.assertOpen('addCluster');
    this.reconfigure({ ...this.config, clusters: [...(this.config.clusters ?? []), cluster] });
  }

  /** Names of the blueprint's repositories, in config order. */
  public get repositoryNames(): string[] {
    return this.model.repositories.map((r) => r.name);
  }

  /** Names of the blueprint's clusters (output folders `kubernetes/<name>/`), in config order. */
  public get clusterNames(): string[] {
    return this.model.clusters.map((c) => c.name);
  }

  private assertOpen(method: string): void {
    if (this.frozen) {
      throw new BlueprintError('BLUEPRINT_FROZEN', `${method}: the blueprint was already rendered (synth, check or renderFiles), so it can no longer change`,
        { fix: `call ${method} before synth/check/renderFiles, or create a new blueprint with ImageSigningBlueprint.fromFile` });
    }
  }

  /** Validates and builds the new config; on any problem the blueprint stays as it was. */
  private reconfigure(config: BlueprintConfig): void {
    const valid = validateConfig(config, this.source);
    const model = buildModel(valid, { baseDir: this.baseDir }, this.source, this.modelCache);
    this.config = valid;
    this.model = model;
    this.invalidate();
  }

  /**
   * Runs the synth-time checks, then renders every artifact and writes it under `outdir`:
   * `github/`, `terraform/`, `kubernetes/<cluster>/`, `RUNBOOK.md`, `checks.json`.
   * Nothing is written when rendering fails or an unsuppressed error finding remains, or when
   * the folder holds files synth did not write (or that were edited since): see `SynthOptions.force`.
   */
  public synth(outdir: string, options: SynthOptions = {}): SynthResult {
    if (options.jobs !== undefined && (!Number.isInteger(options.jobs) || options.jobs < 1)) {
      throw new BlueprintError('INVALID_OPTION', `jobs must be a whole number of at least 1, got ${options.jobs}`, { fix: 'pass jobs: 1 (one thread) or more' });
    }
    this.jobs = options.jobs ?? this.jobs;
    const useCache = options.cache !== false;
    const cache = useCache && !this.artifacts ? OutputCache.open(outdir, cacheSalt()) : undefined;
    this.renderCache = cache;
    let findings: Finding[];
    try {
      findings = this.findings();
    } finally {
      this.renderCache = undefined;
    }
    if (summarize(findings).errors > 0) throw new ChecksFailedError(findings);
    const files = new Map(this.render().files);
    files.set('checks.json', findingsToJson(findings));
    const stats = cache?.stats() ?? { reused: [], rendered: [] };
    const r = writeArtifactsDetailed(outdir, files, { force: options.force === true, knownOnDisk: cache?.verified(), knownHashes: cache?.hashes() });
    if (cache) cache.save(r.hashes);
    else if (!useCache) removeOutputCache(outdir);
    const result = { written: r.written, unchanged: r.unchanged, removed: r.removed, reused: stats.reused, rendered: stats.rendered };
    return { outdir: path.resolve(outdir), files: [...files.keys()].sort(), ...result };
  }

  /**
   * Runs the synth-time consistency checks over the final artifacts and returns every finding
   * (suppressed ones included, marked).
   */
  public check(): CheckFinding[] {
    return this.findings().map(toCheckFinding);
  }

  /**
   * Escape hatch: changes each cluster's cdk8s chart before it is written (for example
   * `ApiObject.addJsonPatch`). The checks read the patched objects, so a patch that breaks
   * consistency fails `check` and `synth` like any other finding.
   */
  public customizeAdmissionCharts(customizer: IAdmissionChartCustomizer): void {
    this.customizers.admissionCharts.push(customizer);
    this.invalidate();
  }

  /** Escape hatch: changes each signing workflow (a plain object) before it is serialized; checked like the rest. */
  public customizeWorkflows(customizer: IWorkflowCustomizer): void {
    this.customizers.workflows.push(customizer);
    this.invalidate();
  }

  /** Escape hatch: changes each repository's cdktf stack (for example `addOverride`) before it is synthesized; checked like the rest. */
  public customizeTerraformStacks(customizer: ITerraformStackCustomizer): void {
    this.customizers.terraformStacks.push(customizer);
    this.invalidate();
  }

  /** @internal */
  public _findings(env?: Record<string, string | undefined>, now?: Date): Finding[] {
    return runChecks(this.model, checkArtifacts(this.model, this.render()), { env: env ?? this.checkEnv, now });
  }

  /** @internal the environment synth and check read (the CLI's, in tests an in-memory one) */
  public _useEnvironment(env: Record<string, string | undefined>): void {
    this.checkEnv = env;
    this.cachedFindings = undefined;
    this.artifacts = undefined; // sealed secrets read COSIGN_PASSWORD from it
  }

  /**
   * Renders every artifact in memory and returns relative path → file content.
   */
  public renderFiles(): Record<string, string> {
    return Object.fromEntries(this.render().files);
  }

  /** @internal */
  public _model(): BlueprintModel {
    return this.model;
  }

  /** @internal */
  public _render(): Artifacts {
    return this.render();
  }

  private findings(): Finding[] {
    if (!this.cachedFindings) this.cachedFindings = this._findings();
    return this.cachedFindings;
  }

  private render(): Artifacts {
    this.frozen = true;
    if (!this.artifacts) {
      this.artifacts = renderArtifacts(this.model, { customizers: this.customizers, jobs: this.jobs, env: this.checkEnv, cache: this.renderCache });
    }
    return this.artifacts;
  }

  private invalidate(): void {
    this.artifacts = undefined;
    this.cachedFindings = undefined;
  }
}
