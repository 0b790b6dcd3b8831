import { createHash, createPublicKey } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { orgBlueprintWithOverrides } from '../../examples/org-blueprint/main';
import { ImageSigningBlueprint } from '../../src/blueprint';
import { memoryIo } from '../../src/cli/io';
import { main } from '../../src/cli/main';
import { CACHE_FILE } from '../../src/synth/render-cache';
import { actionlint } from '../support/actionlint';
import { tempDir } from '../support/fixtures';
import { expectSchemaValid, SCHEMAS } from '../support/schemas';

/*
 * examples/org-blueprint: 30 repositories (18 on the platform key, 4 on the payments team's
 * key, 8 keyless), 2 clusters, extending base.yaml. Asserted against facts of the config, not
 * snapshots.
 */

const EXAMPLE = path.resolve(__dirname, '..', '..', 'examples', 'org-blueprint');
const CONFIG = path.join(EXAMPLE, 'blueprint.yaml');

const DEFAULT_KEY = ['web', 'api', 'auth', 'search', 'catalog', 'cart', 'checkout', 'orders', 'inventory', 'shipping',
  'notifications', 'email', 'reports', 'admin', 'gateway', 'recommendations', 'reviews', 'media'];
const PAYMENTS_KEY = ['payments', 'billing', 'invoicing', 'ledger'];
const KEYLESS = ['docs', 'status-page', 'cli', 'sdk-js', 'sdk-go', 'operator', 'charts', 'website'];
const ALL = [...DEFAULT_KEY, ...PAYMENTS_KEY, ...KEYLESS];

const pem = (f: string) => fs.readFileSync(path.join(EXAMPLE, 'keys', f), 'utf8');
const spki = (text: string) => createPublicKey(text).export({ type: 'spki', format: 'der' });
const fingerprint = (text: string) => createHash('sha256').update(spki(text)).digest('hex');
const PAYMENTS_ID = `key-${fingerprint(pem('payments.pub')).slice(0, 12)}`;

function docs(files: Record<string, string>, cluster: string): any[] {
  return parseAllDocuments(files[`kubernetes/${cluster}/image-signing.k8s.yaml`]).map((d) => d.toJS());
}

describe('examples/org-blueprint synthesizes', () => {
  const out = tempDir();
  let code = -1;
  let io: ReturnType<typeof memoryIo>;
  let files: Record<string, string>;
  beforeAll(async () => {
    io = memoryIo({ cwd: EXAMPLE });
    code = await main(['synth', '--config', 'blueprint.yaml', '--out', out], io);
    files = ImageSigningBlueprint.fromFile(CONFIG).renderFiles();
  });

  test('with the CLI, without findings: one workflow and one stack per repository, one manifest per cluster', () => {
    expect(io.stderr()).toBe('');
    expect(code).toBe(0);
    expect(JSON.parse(fs.readFileSync(path.join(out, 'checks.json'), 'utf8')).findings).toEqual([]);
    const workflows = Object.keys(files).filter((f) => /^github\/[^/]+\/\.github\/workflows\/build-sign\.yml$/.test(f));
    expect(workflows.map((f) => f.split('/')[1]).sort()).toEqual([...ALL].sort());
    const stacks = Object.keys(files).filter((f) => /^terraform\/stacks\/[^/]+\/cdk\.tf\.json$/.test(f));
    expect(stacks.map((f) => f.split('/')[2]).sort()).toEqual([...ALL.map((r) => `github-${r}`), 'org-acme'].sort());
    expect(Object.keys(files).filter((f) => f.startsWith('kubernetes/')).sort())
      .toEqual(['kubernetes/prod-eu/image-signing.k8s.yaml', 'kubernetes/staging/image-signing.k8s.yaml']);
    for (const rel of Object.keys(files)) expect(fs.readFileSync(path.join(out, rel), 'utf8')).toBe(files[rel]);
  });

  test('extends: the base supplies owner, defaults, clusters; prod-eu merged by name keeps the base engine', () => {
    const bp = ImageSigningBlueprint.fromFile(CONFIG);
    expect(bp.name).toBe('acme-org');
    expect(bp.clusterNames).toEqual(['staging', 'prod-eu']);
    const model = bp._model();
    const prod = model.clusters.find((c) => c.name === 'prod-eu')!;
    expect(prod.kyverno.policy).toBe('ImageValidatingPolicy');
    expect(prod.policyController.enabled).toBe(true);
    expect(prod.failureAction).toBe('Enforce');
    expect(model.clusters.find((c) => c.name === 'staging')!.failureAction).toBe('Audit');
    expect(model.repositories.find((r) => r.name === 'web')!.workflow.tags).toEqual(['v*']);
    expect(model.repositories.find((r) => r.name === 'api')!.workflow.tags).toEqual([]);
  });

  test('each repository commits its own signer\'s public key; keyless repositories commit none', () => {
    for (const r of DEFAULT_KEY) expect(spki(files[`github/${r}/cosign.pub`]).equals(spki(pem('platform.pub')))).toBe(true);
    for (const r of PAYMENTS_KEY) expect(spki(files[`github/${r}/cosign.pub`]).equals(spki(pem('payments.pub')))).toBe(true);
    for (const r of KEYLESS) expect(files[`github/${r}/cosign.pub`]).toBeUndefined();
  });

  test('workflows sign as their repository says: key from the secret, or keyless with id-token', async () => {
    for (const r of ALL) {
      const text = files[`github/${r}/.github/workflows/build-sign.yml`];
      const wf = parse(text);
      const job = wf.jobs['build-sign'];
      const sign = job.steps.find((s: any) => /^Sign/.test(s.name)).run as string;
      if (KEYLESS.includes(r)) {
        expect(job.permissions['id-token']).toBe('write');
        expect(sign).not.toContain('--key');
        expect(text).not.toContain('COSIGN_PRIVATE_KEY');
      } else {
        expect(job.permissions['id-token']).toBeUndefined();
        expect(sign).toContain('--key env://COSIGN_PRIVATE_KEY');
      }
    }
    for (const r of ['web', 'payments', 'cli']) expect(await actionlint(files[`github/${r}/.github/workflows/build-sign.yml`])).toEqual([]);
  });

  test('Terraform: the platform key as organization secrets for its 18 repositories; the team key in its repositories\' secrets', () => {
    const org = JSON.parse(files['terraform/stacks/org-acme/cdk.tf.json']);
    expect(Object.values<any>(org.data.github_repository).map((d) => d.full_name).sort()).toEqual(DEFAULT_KEY.map((r) => `acme/${r}`).sort());
    const orgSecrets = Object.values<any>(org.resource.github_actions_organization_secret);
    expect(orgSecrets.map((x) => x.secret_name).sort()).toEqual(['COSIGN_PASSWORD', 'COSIGN_PRIVATE_KEY', 'COSIGN_PUBLIC_KEY']);
    expect(orgSecrets.every((x) => x.visibility === 'selected')).toBe(true);
    expect(spki(orgSecrets.find((x) => x.secret_name === 'COSIGN_PUBLIC_KEY').plaintext_value).equals(spki(pem('platform.pub')))).toBe(true);
    for (const r of ALL) {
      const tf = JSON.parse(files[`terraform/stacks/github-${r}/cdk.tf.json`]);
      const secrets = Object.values<any>(tf.resource?.github_actions_secret ?? {}).map((s) => s.secret_name).sort();
      expect(secrets).toEqual(PAYMENTS_KEY.includes(r) ? ['COSIGN_PASSWORD', 'COSIGN_PRIVATE_KEY', 'COSIGN_PUBLIC_KEY'] : []);
      const pub = Object.values<any>(tf.resource.github_actions_secret ?? {}).find((s) => s.secret_name === 'COSIGN_PUBLIC_KEY');
      if (PAYMENTS_KEY.includes(r)) expect(spki(pub.plaintext_value).equals(spki(pem('payments.pub')))).toBe(true);
      // workflow + dependabot.yml, and cosign.pub for key-signing repositories
      const committed = Object.values<any>(tf.resource.github_repository_file).map((f) => f.file).sort();
      expect(committed).toEqual(KEYLESS.includes(r) ? ['.github/dependabot.yml', '.github/workflows/build-sign.yml'] : ['.github/dependabot.yml', '.github/workflows/build-sign.yml', 'cosign.pub']);
    }
  });

  test('staging ClusterPolicy: one rule per signer; repositories sharing a key share one rule and attestor', () => {
    const cp = docs(files, 'staging').find((d) => d.kind === 'ClusterPolicy');
    expectSchemaValid(SCHEMAS.clusterPolicy, cp);
    const rules: any[] = cp.spec.rules;
    expect(rules.map((r) => r.name)).toEqual(['verify-signatures', `verify-${PAYMENTS_ID}`, ...KEYLESS.map((r) => `verify-${r}`)]);
    const refsOf = (rule: any) => rule.verifyImages[0].imageReferences as string[];
    // the platform key's rule: the 18 repositories' 19 images (web has two), `:*` and `@*` each
    expect(refsOf(rules[0])).toHaveLength(38);
    expect(refsOf(rules[0])).toContain('ghcr.io/acme/web-static:*');
    expect(refsOf(rules[1]).sort()).toEqual(PAYMENTS_KEY.flatMap((r) => [`ghcr.io/acme/${r}:*`, `ghcr.io/acme/${r}@*`]).sort());
    const keyOf = (rule: any) => rule.verifyImages[0].attestors[0].entries.map((e: any) => e.keys.publicKeys);
    expect(keyOf(rules[0]).map((k: string) => spki(k).equals(spki(pem('platform.pub'))))).toEqual([true]);
    expect(keyOf(rules[1]).map((k: string) => spki(k).equals(spki(pem('payments.pub'))))).toEqual([true]);
    const cli = rules.find((r) => r.name === 'verify-cli').verifyImages[0].attestors[0].entries[0].keyless;
    expect(cli.subjectRegExp).toBe('^https://github\\.com/acme/cli/\\.github/workflows/build-sign\\.yml@refs/(?:heads/main|tags/v[^/]*)$');
    const docsId = rules.find((r) => r.name === 'verify-docs').verifyImages[0].attestors[0].entries[0].keyless;
    expect(docsId.subject).toBe('https://github.com/acme/docs/.github/workflows/build-sign.yml@refs/heads/main');
    expect(rules.every((r) => r.verifyImages[0].failureAction === 'Audit' && r.verifyImages[0].mutateDigest === false)).toBe(true);
  });

  test('prod-eu: one ImageValidatingPolicy and one ClusterImagePolicy per signer, valid against the CRDs', () => {
    const d = docs(files, 'prod-eu');
    const ivps = d.filter((x) => x.kind === 'ImageValidatingPolicy');
    const cips = d.filter((x) => x.kind === 'ClusterImagePolicy');
    expect(ivps.map((x) => x.metadata.name)).toEqual(['acme-org-verify-images', `acme-org-verify-${PAYMENTS_ID}`, ...KEYLESS.map((r) => `acme-org-verify-${r}`)]);
    // each signer: its signature CIP and its SBOM-attestation CIP (an authority with attestations checks only those)
    const both = (id: string) => [`acme-org-signed${id}`, `acme-org-sbom${id}`];
    expect(cips.map((x) => x.metadata.name)).toEqual([...both(''), ...both(`-${PAYMENTS_ID}`), ...KEYLESS.flatMap((r) => both(`-${r}`))]);
    for (const x of cips.filter((c) => c.metadata.name.includes('-signed'))) {
      for (const a of x.spec.authorities) expect(a.attestations).toBeUndefined();
    }
    for (const x of ivps) expectSchemaValid(SCHEMAS.imageValidatingPolicy, x);
    for (const x of cips) expectSchemaValid(SCHEMAS.clusterImagePolicy, x);
    const paymentsCip = cips[2];
    expect(paymentsCip.spec.images.map((i: any) => i.glob).sort()).toEqual(PAYMENTS_KEY.map((r) => `ghcr.io/acme/${r}@*`).sort());
    expect(spki(paymentsCip.spec.authorities[0].key.data).equals(spki(pem('payments.pub')))).toBe(true);
    expect(d.filter((x) => x.kind === 'Namespace').map((x) => x.metadata.name)).toEqual(['apps', 'payments', 'image-verification']);
  });

  test('the runbook says which key pair each repository stack needs, and verifies with each repository\'s own trust', () => {
    const rb = files['RUNBOOK.md'];
    expect(rb).toContain('- Signing: per repository (22 with a key, 8 keyless); see each repository below.');
    expect(rb).toMatch(/# payments signs with keys\/payments\.pub \(SHA256:[0-9a-f]{16}…\): use that key pair\ncd terraform\/stacks\/github-payments\n/);
    expect(rb).toContain('only the 18 repositories of this blueprint that use them can read them');
    expect(rb).toContain('cosign verify --key keys/payments.pub ghcr.io/acme/payments@sha256:');
    expect(rb).toContain('cosign verify --key keys/platform.pub ghcr.io/acme/web@sha256:');
    expect(rb).toContain('cosign verify --certificate-identity https://github.com/acme/docs/.github/workflows/build-sign.yml@refs/heads/main');
  });

  test('the verification job verifies each signer with its own key or identity', () => {
    const d = docs(files, 'staging');
    const cm = d.find((x) => x.kind === 'ConfigMap');
    expect(Object.keys(cm.data).sort()).toEqual(['cosign.pub', `${PAYMENTS_ID}.pub`].sort());
    const containers: any[] = d.find((x) => x.kind === 'CronJob').spec.jobTemplate.spec.template.spec.containers;
    const payments = containers.filter((c) => c.args.includes(`--key=/etc/cosign/${PAYMENTS_ID}.pub`));
    expect(payments.flatMap((c) => c.args.filter((a: string) => a.startsWith('ghcr.io/')))).toEqual(PAYMENTS_KEY.map((r) => `ghcr.io/acme/${r}:latest`));
    const keyless = containers.filter((c) => c.args.some((a: string) => a.startsWith('--certificate-identity')));
    expect(keyless).toHaveLength(KEYLESS.length);
  });
});

describe('determinism', () => {
  test('the same config gives byte-identical output, twice in one process', () => {
    const a = ImageSigningBlueprint.fromFile(CONFIG).renderFiles();
    const b = ImageSigningBlueprint.fromFile(CONFIG).renderFiles();
    expect(Object.keys(b)).toEqual(Object.keys(a));
    for (const k of Object.keys(a)) expect(b[k]).toBe(a[k]);
  });

  // every output and the manifest; the render cache file holds each folder's own file stamps
  test('the same config gives byte-identical files from two CLI synths', async () => {
    const [x, y] = [tempDir(), tempDir()];
    for (const out of [x, y]) expect(await main(['synth', '--config', 'blueprint.yaml', '--out', out], memoryIo({ cwd: EXAMPLE }))).toBe(0);
    const list = (dir: string): string[] => fs.readdirSync(dir, { recursive: true, withFileTypes: true } as any)
      .filter((e: any) => e.isFile() && e.name !== CACHE_FILE).map((e: any) => path.relative(dir, path.join(e.parentPath ?? e.path, e.name))).sort();
    expect(list(y)).toEqual(list(x));
    for (const f of list(x)) expect(fs.readFileSync(path.join(y, f)).equals(fs.readFileSync(path.join(x, f)))).toBe(true);
  });
});

/** Files that differ (added, removed or changed) between two renders. */
function changed(a: Record<string, string>, b: Record<string, string>): string[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => a[k] !== b[k]).sort();
}

const objectsByName = (files: Record<string, string>, cluster: string) =>
  new Map(docs(files, cluster).map((d) => [`${d.kind}/${d.metadata.name}`, d]));

describe('adding a repository changes only the files that must change', () => {
  const before = ImageSigningBlueprint.fromFile(CONFIG).renderFiles();

  test('a repository on the platform key: its files, the org secrets\' repository list, both cluster manifests, the runbook', () => {
    const bp = ImageSigningBlueprint.fromFile(CONFIG);
    bp.addRepository({ name: 'wiki', images: ['ghcr.io/acme/wiki'] });
    const after = bp.renderFiles();
    expect(changed(before, after)).toEqual([
      'RUNBOOK.md',
      'github/wiki/.github/dependabot.yml',
      'github/wiki/.github/workflows/build-sign.yml',
      'github/wiki/cosign.pub',
      'kubernetes/prod-eu/image-signing.k8s.yaml',
      'kubernetes/staging/image-signing.k8s.yaml',
      'terraform/manifest.json',
      'terraform/stacks/github-wiki/cdk.tf.json',
      'terraform/stacks/org-acme/cdk.tf.json',
    ]);
    const org = JSON.parse(after['terraform/stacks/org-acme/cdk.tf.json']);
    expect(Object.values<any>(org.data.github_repository).map((d) => d.full_name)).toContain('acme/wiki');
    // inside the manifests: only the platform key's objects (and the job listing the images) change
    for (const cluster of ['staging', 'prod-eu']) {
      const [b, a] = [objectsByName(before, cluster), objectsByName(after, cluster)];
      expect([...a.keys()]).toEqual([...b.keys()]);
      const diff = [...b.keys()].filter((k) => JSON.stringify(a.get(k)) !== JSON.stringify(b.get(k))).sort();
      expect(diff).toEqual(cluster === 'staging'
        ? ['ClusterPolicy/acme-org-verify-images', 'CronJob/acme-org-verify-signatures']
        : ['ClusterImagePolicy/acme-org-sbom', 'ClusterImagePolicy/acme-org-signed', 'CronJob/acme-org-verify-signatures', 'ImageValidatingPolicy/acme-org-verify-images']);
    }
    const rules = (f: Record<string, string>) => docs(f, 'staging').find((d) => d.kind === 'ClusterPolicy').spec.rules;
    const [rb, ra] = [rules(before), rules(after)];
    expect(ra.map((r: any) => r.name)).toEqual(rb.map((r: any) => r.name));
    expect(ra.slice(1)).toEqual(rb.slice(1));
    expect(ra[0].verifyImages[0].imageReferences).toEqual([...rb[0].verifyImages[0].imageReferences, 'ghcr.io/acme/wiki:*', 'ghcr.io/acme/wiki@*']);
  });

  test('a keyless repository: new policies of its own; no existing object is renamed or changed', () => {
    const bp = ImageSigningBlueprint.fromFile(CONFIG);
    bp.addRepository({ name: 'blog', images: ['ghcr.io/acme/blog'], signing: { mode: 'keyless' as any } });
    const after = bp.renderFiles();
    expect(changed(before, after)).toEqual([
      'RUNBOOK.md',
      'github/blog/.github/dependabot.yml',
      'github/blog/.github/workflows/build-sign.yml',
      'kubernetes/prod-eu/image-signing.k8s.yaml',
      'kubernetes/staging/image-signing.k8s.yaml',
      'terraform/manifest.json',
      'terraform/stacks/github-blog/cdk.tf.json',
    ]);
    const [b, a] = [objectsByName(before, 'prod-eu'), objectsByName(after, 'prod-eu')];
    expect([...a.keys()].filter((k) => !b.has(k)).sort()).toEqual(['ClusterImagePolicy/acme-org-sbom-blog', 'ClusterImagePolicy/acme-org-signed-blog', 'ImageValidatingPolicy/acme-org-verify-blog']);
    expect([...b.keys()].filter((k) => JSON.stringify(a.get(k)) !== JSON.stringify(b.get(k)))).toEqual(['CronJob/acme-org-verify-signatures']);
    const names = (f: Record<string, string>) => docs(f, 'staging').find((d) => d.kind === 'ClusterPolicy').spec.rules.map((r: any) => r.name);
    expect(names(after)).toEqual([...names(before), 'verify-blog']);
    expect(bp.check().filter((f) => f.level === 'error')).toEqual([]);
  });
});

describe('examples/org-blueprint/main.ts: the published blueprint with TypeScript overrides', () => {
  const before = ImageSigningBlueprint.fromFile(CONFIG).renderFiles();

  test('adds a keyless repository and an Audit cluster; the rest is byte-identical', () => {
    const bp = orgBlueprintWithOverrides();
    expect(bp.repositoryNames).toEqual([...ALL, 'wiki']);
    expect(bp.clusterNames).toEqual(['staging', 'prod-eu', 'prod-us']);
    expect(bp.check().filter((f) => f.level !== 'info')).toEqual([]);
    const after = bp.renderFiles();
    expect(changed(before, after)).toEqual([
      'RUNBOOK.md',
      'github/wiki/.github/dependabot.yml',
      'github/wiki/.github/workflows/build-sign.yml',
      'kubernetes/prod-eu/image-signing.k8s.yaml',
      'kubernetes/prod-us/image-signing.k8s.yaml',
      'kubernetes/staging/image-signing.k8s.yaml',
      'terraform/manifest.json',
      'terraform/stacks/github-wiki/cdk.tf.json',
    ]);
    const us = docs(after, 'prod-us');
    const ivps = us.filter((d) => d.kind === 'ImageValidatingPolicy');
    expect(ivps.map((d) => d.metadata.name)).toEqual(['acme-org-verify-images', `acme-org-verify-${PAYMENTS_ID}`, ...[...KEYLESS, 'wiki'].map((r) => `acme-org-verify-${r}`)]);
    expect(ivps.every((d) => d.spec.validationActions[0] === 'Audit')).toBe(true);
    expect(parse(after['github/wiki/.github/workflows/build-sign.yml']).on.push).toEqual({ branches: ['main'], tags: ['v*'] });
  });
});
