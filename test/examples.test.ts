import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { actionlint } from './support/actionlint';
import { tempDir } from './support/fixtures';
import { expectSchemaValid, SCHEMAS } from './support/schemas';
import { repoOwnerBlueprint } from '../examples/repo-owner/main';
import { memoryIo } from '../src/cli/io';
import { main } from '../src/cli/main';

const EXAMPLE = path.resolve(__dirname, '..', 'examples', 'repo-owner');

describe('examples/repo-owner', () => {
  const out = tempDir();
  let code = -1;
  let io: ReturnType<typeof memoryIo>;
  beforeAll(async () => {
    io = memoryIo({ cwd: EXAMPLE });
    code = await main(['synth', '--config', 'blueprint.yaml', '--out', out], io);
  });

  test('synthesizes with the CLI: the four artifacts are there', () => {
    expect(io.stderr()).toBe('');
    expect(code).toBe(0);
    for (const f of [
      'github/.github/workflows/build-sign.yml',
      'github/cosign.pub',
      'terraform/stacks/github-web/cdk.tf.json',
      'kubernetes/default/image-signing.k8s.yaml',
      'RUNBOOK.md',
    ]) expect(fs.existsSync(path.join(out, f))).toBe(true);
  });

  test('its policy validates against the upstream schema and its workflow lints clean', async () => {
    const docs = parseAllDocuments(fs.readFileSync(path.join(out, 'kubernetes/default/image-signing.k8s.yaml'), 'utf8')).map((d) => d.toJS());
    expect(docs.map((d) => d.kind)).toEqual(['ClusterPolicy']);
    expectSchemaValid(SCHEMAS.clusterPolicy, docs[0]);
    const wf = fs.readFileSync(path.join(out, 'github/.github/workflows/build-sign.yml'), 'utf8');
    expect(await actionlint(wf)).toEqual([]);
    expect(parse(wf).on.push).toEqual({ branches: ['main'], tags: ['v*'] });
  });

  test('the runbook is filled in for this blueprint', () => {
    const rb = fs.readFileSync(path.join(out, 'RUNBOOK.md'), 'utf8');
    expect(rb).toContain('cosign verify --key cosign.pub ghcr.io/acme/web@sha256:');
    expect(rb).toContain('cosign triangulate ghcr.io/acme/web@sha256:');
    expect(rb).toContain('kubectl get clusterpolicy acme-web-verify-images');
    expect(rb).toContain('kubectl describe clusterpolicy acme-web-verify-images');
    expect(rb).toContain('TF_VAR_cosign_private_key');
    expect(rb).toContain('TF_VAR_cosign_password');
    expect(rb).toMatch(/## 4\. Clean up/);
  });

  test('the TypeScript API (main.ts) gives byte-identical artifacts', () => {
    const files = repoOwnerBlueprint().renderFiles();
    for (const [rel, content] of Object.entries(files)) {
      expect(fs.readFileSync(path.join(out, rel), 'utf8')).toBe(content);
    }
  });

  test('synth is deterministic: a second run writes the same bytes', async () => {
    const out2 = tempDir();
    expect(await main(['synth', '--config', 'blueprint.yaml', '--out', out2], memoryIo({ cwd: EXAMPLE }))).toBe(0);
    for (const rel of ['terraform/stacks/github-web/cdk.tf.json', 'kubernetes/default/image-signing.k8s.yaml', 'github/.github/workflows/build-sign.yml']) {
      expect(fs.readFileSync(path.join(out2, rel), 'utf8')).toBe(fs.readFileSync(path.join(out, rel), 'utf8'));
    }
  });
});
