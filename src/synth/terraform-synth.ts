import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { AnnotationMetadataEntryType, App as TfApp, TerraformStack } from 'cdktf';
// cdktf's own messages for a failed synth
import { appValidationFailure, encounteredAnnotationWithLevelError } from 'cdktf/lib/errors';
// the same aspect walk App.synth runs (not re-exported from the package root)
import { invokeAspects, StackSynthesizer } from 'cdktf/lib/synthesize/synthesizer';
import { IConstruct } from 'constructs';

/** cdktf's own serializer (bundled with it): the in-memory files are byte for byte what `App.synth` writes */
const stableStringify: (value: unknown, opts: { space: number }) => string = createRequire(require.resolve('cdktf'))('json-stable-stringify');

/** marks a construct (a TerraformAsset, ...) that writes its own files during synth */
const CUSTOM_SYNTHESIS = Symbol.for('cdktf/customSynthesis');

const ANNOTATION_TYPES: string[] = [AnnotationMetadataEntryType.INFO, AnnotationMetadataEntryType.WARN, AnnotationMetadataEntryType.ERROR];

/**
 * `App.synth()` without the disk: the same steps in the same order (prepare every stack, then per
 * stack aspects, validations, error annotations, `toTerraform`), returning what it would have
 * written under the app's outdir (`manifest.json`, `stacks/<id>/cdk.tf.json`) as path → text.
 *
 * For 1,000 stacks this saves 1,000 folders and 1,001 files written to a temp folder, read back and
 * removed again (about a third of the whole synth on a slow disk). Returns undefined (the caller
 * then runs `app.synth()` and reads the folder) when the app uses anything whose output is not
 * plain JSON: HCL output, a replaced stack synthesizer, constructs with custom synthesis
 * (assets), resource moves, or cdktf's continue-on-error mode.
 *
 * `absentStacks`: ids of stacks synthesized earlier and left out of this app (the render cache):
 * `manifest.json` lists them with cdktf's entry for a stack without annotations or dependencies.
 *
 * `unprepared`: stacks whose preparing resolve is skipped. `prepareStack` adds a backend when
 * there is none and resolves every element once with `preparing: true`, whose only effect in
 * cdktf 0.21 is to wire a Reference token to another stack (`Reference.resolve`,
 * tfExpression.js); toTerraform then resolves everything again. A stack that has a backend and
 * references no other stack (the blueprint's own stacks, without customizers) synthesizes to the
 * same bytes without it: about a third less of cdktf's work (test/synth/incremental.test.ts
 * compares with `App.synth()` on every example).
 */
export function synthTerraformInMemory(
  app: TfApp,
  absentStacks: readonly string[] = [],
  unprepared: ReadonlySet<TerraformStack> = new Set(),
): Map<string, string> | undefined {
  const stacks = app.node.findAll().filter(TerraformStack.isStack);
  if (app.hclOutput || process.env.CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS !== undefined || process.env.SYNTH_HCL_OUTPUT === 'true') return undefined;
  for (const stack of stacks) {
    const synth = stack.synthesizer as unknown as { hclOutput?: boolean; continueOnErrorAnnotations?: boolean };
    if (!(stack.synthesizer instanceof StackSynthesizer) || synth.hclOutput || synth.continueOnErrorAnnotations) return undefined;
    if (stack.node.findAll().some((n) => (n as any)[CUSTOM_SYNTHESIS] !== undefined)) return undefined;
  }
  const out = new Map<string, string>();
  for (const stack of stacks) if (!unprepared.has(stack)) stack.prepareStack();
  for (const stack of stacks) {
    // prepareStack may add constructs (cross-stack references); check again what it left
    if (stack.hasResourceMove() || stack.node.findAll().some((n) => (n as any)[CUSTOM_SYNTHESIS] !== undefined)) return undefined;
    invokeAspects(stack);
    if (!app.skipValidation) stack.runAllValidations();
    const stackManifest = app.manifest.forStack(stack);
    const annotations = stack.node.findAll().flatMap((node: IConstruct) => node.node.metadata
      .filter((m) => ANNOTATION_TYPES.includes(m.type))
      .map((m) => ({ constructPath: node.node.path, level: m.type, message: m.data, stacktrace: m.trace })));
    (stackManifest as { annotations: unknown }).annotations = annotations;
    const errors = annotations.filter((a) => a.level === AnnotationMetadataEntryType.ERROR);
    if (errors.length > 0) throw encounteredAnnotationWithLevelError(errors.map((a) => `[${a.constructPath}] ${a.message}`).join('\n'));
    out.set(stackManifest.synthesizedStackPath.split(path.sep).join('/'), stableStringify(stack.toTerraform(), { space: 2 }));
  }
  if (!app.skipValidation) {
    const validations = app.node.validate();
    if (validations.length) throw appValidationFailure(validations.join('\n  '));
  }
  for (const id of absentStacks) (app.manifest.stacks as Record<string, unknown>)[id] = plainStackManifest(id);
  out.set('manifest.json', stableStringify(app.manifest.buildManifest(), { space: 2 }));
  return new Map([...out].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** cdktf's `manifest.json` entry of a top-level stack without annotations or cross-stack dependencies (`Manifest.forStack`) */
export function plainStackManifest(id: string): Record<string, unknown> {
  return {
    name: id,
    constructPath: id,
    workingDirectory: path.join('stacks', id),
    synthesizedStackPath: path.join('stacks', id, 'cdk.tf.json'),
    stackMetadataPath: path.join('stacks', id, 'metadata.json'),
    annotations: [],
    dependencies: [],
  };
}

/** Runs `app.synth()` into its outdir and reads every file back (the fallback of synthTerraformInMemory). */
export function synthTerraformOnDisk(app: TfApp): Map<string, string> {
  app.synth();
  const out = new Map<string, string>();
  for (const rel of listFiles(app.outdir)) out.set(rel, fs.readFileSync(path.join(app.outdir, rel), 'utf8'));
  return out;
}

function listFiles(root: string, rel = ''): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...listFiles(root, r));
    else if (e.isFile()) out.push(r);
  }
  return out.sort();
}

