import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse, stringify } from 'yaml';
import { memoryIo } from '../../src/cli/io';
import { main } from '../../src/cli/main';
import { actionlint } from '../support/actionlint';
import { projectDir } from '../support/fixtures';

/*
 * A repository's workflow.signerWorkflow names a reusable workflow. When it lives in one of the
 * blueprint's own repositories, `synth` writes it there (and its stack commits it); when it lives
 * elsewhere, only the call is written. Callers that would need different reusable workflows in
 * one file are refused (ISB-WF-006).
 */

const SIGNER = { repository: 'acme/release-tools', file: 'sign.yml', ref: 'refs/heads/main' };

function blueprint(over: { appImages?: string[]; apiImages?: string[]; signerRepo?: string; signerFile?: string } = {}): any {
  const signerWorkflow = { ...SIGNER, repository: over.signerRepo ?? SIGNER.repository, file: over.signerFile ?? SIGNER.file };
  return {
    name: 'acme-apps',
    github: { owner: 'acme' },
    repositories: [
      { name: 'app', images: over.appImages ?? ['ghcr.io/acme/app'], workflow: { file: 'build.yml', branches: ['main'], signerWorkflow } },
      { name: 'api', images: over.apiImages ?? ['ghcr.io/acme/api'], workflow: { file: 'build.yml', branches: ['main'], signerWorkflow } },
      { name: 'release-tools', images: ['ghcr.io/acme/release-tools'], workflow: { file: 'build.yml', branches: ['main'] } },
    ],
    signing: { mode: 'keyless' },
    admission: { kyverno: { policy: 'ImageValidatingPolicy', version: '1.19' } },
  };
}

async function synth(cfg: any): Promise<{ code: number; dir: string; out: string; stdout: string; stderr: string }> {
  const dir = projectDir({ 'blueprint.yaml': stringify(cfg) });
  const io = memoryIo({ cwd: dir });
  const code = await main(['synth'], io);
  return { code, dir, out: path.join(dir, 'dist'), stdout: io.stdout(), stderr: io.stderr() };
}

const read = (out: string, rel: string) => fs.readFileSync(path.join(out, rel), 'utf8');

describe('reusable signer workflow in a repository the blueprint owns', () => {
  test('synth writes it into that repository, its stack commits it, and the callers call it', async () => {
    const r = await synth(blueprint());
    // the only findings: the callers call the signer at a branch, not a commit SHA (a true warning)
    expect(r.stderr.match(/^\S+ ISB-[A-Z]+-\d+/mg)).toEqual(['warning ISB-WF-002', 'warning ISB-WF-002']);
    expect(r.code).toBe(0);
    const rel = 'github/release-tools/.github/workflows/sign.yml';
    const text = read(r.out, rel);
    const wf = parse(text);
    // a reusable workflow: workflow_call with the inputs the callers pass
    expect(Object.keys(wf.on)).toEqual(['workflow_call']);
    expect(Object.keys(wf.on.workflow_call.inputs).sort()).toEqual(['digest', 'images', 'recursive']);
    const sign = wf.jobs.sign;
    expect(sign.permissions['id-token']).toBe('write');
    expect(sign.strategy.matrix.image).toBe('${{ fromJSON(inputs.images) }}');
    const runs = sign.steps.map((s: any) => s.run ?? '').join('\n');
    expect(runs).toMatch(/cosign sign /);
    expect(runs).toMatch(/"\$IMAGE@\$DIGEST"|\$IMAGE@\$DIGEST/); // by digest, from the inputs through env
    expect(runs).not.toContain('${{'); // inputs reach run: only through the environment
    expect(await actionlint(text, '.github/workflows/sign.yml')).toEqual([]);

    // both callers call exactly that file at the configured ref
    for (const caller of ['app', 'api']) {
      const cw = parse(read(r.out, `github/${caller}/.github/workflows/build.yml`));
      expect(cw.jobs.sign.uses).toBe('acme/release-tools/.github/workflows/sign.yml@main');
    }
    // the holder's own build workflow is still there, unchanged in kind
    expect(parse(read(r.out, 'github/release-tools/.github/workflows/build.yml')).on.push).toBeDefined();

    // the holder's stack commits the reusable workflow next to its own workflow, with the same bytes
    const tf = JSON.parse(read(r.out, 'terraform/stacks/github-release-tools/cdk.tf.json'));
    const files = Object.values<any>(tf.resource.github_repository_file);
    const committed = files.find((f) => f.file === '.github/workflows/sign.yml');
    expect(committed).toBeDefined();
    expect(committed.repository).toBe('release-tools');
    // Terraform escapes ${ as $${ in committed content (a template otherwise)
    expect(committed.content.replace(/\$\$\{/g, '${')).toBe(text);
    // the callers' stacks do not commit it
    for (const caller of ['app', 'api']) {
      const ctf = JSON.parse(read(r.out, `terraform/stacks/github-${caller}/cdk.tf.json`));
      expect(Object.values<any>(ctf.resource.github_repository_file).map((f) => f.file)).not.toContain('.github/workflows/sign.yml');
    }
  });

  test('a signer workflow in a repository outside the blueprint is called, never written', async () => {
    const r = await synth(blueprint({ signerRepo: 'acme/not-managed-here' }));
    expect(r.code).toBe(0);
    const all: string[] = [];
    const walk = (d: string) => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        const p = path.join(d, e.name);
        if (e.isDirectory()) walk(p); else all.push(path.relative(r.out, p));
      }
    };
    walk(r.out);
    expect(all.filter((f) => f.endsWith('/sign.yml'))).toEqual([]);
  });

  test('callers that would need different reusable workflows in one file: ISB-WF-006, nothing written', async () => {
    // api pushes to another registry too: the reusable workflow would need another login step and secrets
    const r = await synth(blueprint({ apiImages: ['ghcr.io/acme/api', 'registry.example.com/acme/api'] }));
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).toMatch(/ISB-WF-006 repositories\[1\]\.workflow\.signerWorkflow: calls acme\/release-tools\/\.github\/workflows\/sign\.yml, which the blueprint writes for app; for api that workflow would differ at /);
    expect(fs.existsSync(path.join(r.out, 'github'))).toBe(false);
  });

  test('a signer file at the path of its holder\'s own build workflow: ISB-WF-006, the build workflow is kept', async () => {
    const r = await synth(blueprint({ signerFile: 'build.yml' }));
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).toMatch(/ISB-WF-006 repositories\[0\]\.workflow\.signerWorkflow: \.github\/workflows\/build\.yml in release-tools is that repository's own build workflow/);
  });
});
