import { ImageSigningBlueprint } from '../../../src';
import { RULES } from '../../../src/checks/rules';
import { checkArtifacts, runChecks } from '../../../src/checks/run';
import { Finding } from '../../../src/checks/types';
import { Artifacts } from '../../../src/synth/artifacts';
import { projectDir } from '../../support/fixtures';

/** Builds a blueprint from a config, lets the test mutate the final artifacts, runs one rule. */
export function findingsFor(
  id: string,
  config: any,
  mutate: (a: Artifacts) => void = () => {},
  opts: { files?: Record<string, string>; env?: Record<string, string | undefined>; now?: Date } = {},
): Finding[] {
  const bp = new ImageSigningBlueprint({ config, baseDir: projectDir(opts.files) });
  const artifacts = bp._render();
  const copy: Artifacts = {
    files: new Map(artifacts.files),
    workflows: artifacts.workflows,
    signerWorkflows: artifacts.signerWorkflows,
    clusterObjects: new Map([...artifacts.clusterObjects].map(([k, v]) => [k, JSON.parse(JSON.stringify(v))])),
    terraform: new Map([...artifacts.terraform].map(([k, v]) => [k, JSON.parse(JSON.stringify(v))])),
  };
  mutate(copy);
  const rule = RULES.find((r) => r.id === id);
  if (!rule) throw new Error(`no rule ${id}`);
  return runChecks(bp._model(), checkArtifacts(bp._model(), copy), { rules: [rule], env: opts.env ?? {}, now: opts.now });
}

/** Replace a workflow file's text (the rules read the final YAML). */
export function editWorkflow(a: Artifacts, edit: (text: string) => string, file?: string): void {
  file ??= [...a.files.keys()].find((k) => /\.github\/workflows\/[^/]+\.ya?ml$/.test(k));
  if (file === undefined) throw new Error('no workflow file');
  const text = a.files.get(file);
  if (text === undefined) throw new Error(`no ${file}`);
  (a.files as Map<string, string>).set(file, edit(text));
}

export function clusterPolicy(a: Artifacts, cluster = 'default'): any {
  return (a.clusterObjects.get(cluster) as any[]).find((o) => o.kind === 'ClusterPolicy');
}
