import { parse } from 'yaml';
import { validateConfig } from '../../src/config/load';
import { DEFAULT_COSIGN_VERSION, DEFAULT_PINS, FULL_SHA_RE, INSTALLER_DEFAULT_COSIGN } from '../../src/config/pins';
import { renderWorkflow } from '../../src/github/workflow';
import { workflowToYaml } from '../../src/github/workflow-yaml';
import { buildModel } from '../../src/model/build';
import { actionlint } from '../support/actionlint';
import { keyConfig, projectDir } from '../support/fixtures';

function workflowFor(cfg: any, repo = 0) {
  const model = buildModel(validateConfig(cfg), { baseDir: projectDir() });
  const rendered = renderWorkflow(model, model.repositories[repo]);
  const text = workflowToYaml(rendered);
  return { model, rendered, text, wf: parse(text) };
}

const variants: [string, any][] = [
  ['key, one platform, branch', keyConfig()],
  ['key, tags and branches, multi-platform', keyConfig({ repositories: [{ name: 'web', images: ['ghcr.io/acme/web'], workflow: { branches: ['main'], tags: ['v*'], platforms: ['linux/amd64', 'linux/arm64'] } }] })],
  ['key, environment secrets', keyConfig({ signing: { mode: 'key', key: { publicKeyFile: 'cosign.pub', secretScope: 'environment', environment: 'signing' } } })],
  ['key, two registries', keyConfig({ repositories: [{ name: 'web', images: ['ghcr.io/acme/web', 'docker.io/acme/web'] }] })],
  ['key, cosign v3, both formats, tlog off', keyConfig({ signing: { mode: 'key', cosign: { version: 'v3.0.2', signatureFormat: 'both' }, transparencyLog: false, key: { publicKeyFile: 'cosign.pub' } } })],
  ['keyless', { name: 'acme', github: { owner: 'acme' }, repositories: [{ name: 'web', images: ['ghcr.io/acme/web'] }], signing: { mode: 'keyless' } }],
  ['key, no verify job', keyConfig({ verification: { ci: false } })],
];

describe('signing workflow lints clean with actionlint 1.7.7', () => {
  test.each(variants)('%s', async (_name, cfg) => {
    const { text } = workflowFor(cfg);
    expect(await actionlint(text)).toEqual([]);
  });

  test('the lint helper really lints: a broken workflow fails it', async () => {
    const { wf } = workflowFor(keyConfig());
    wf.jobs.verify.needs = 'no-such-job';
    wf.jobs['build-sign'].runs_on = 'ubuntu-latest';
    const problems = await actionlint(workflowToYaml({ repository: 'web', path: 'x', workflow: wf, pins: [] }));
    expect(problems.map((p) => p.kind)).toEqual(expect.arrayContaining(['job-needs', 'syntax-check']));
  });
});

describe('key-mode workflow fields', () => {
  const { wf, text } = workflowFor(keyConfig());
  const build = wf.jobs['build-sign'];
  const signStep = build.steps.find((s: any) => /^cosign sign /m.test(s.run ?? ''));

  test('triggers on push to the configured branches only (no pull_request)', () => {
    expect(wf.on).toEqual({ push: { branches: ['main'] } });
  });

  test('least-privilege permissions: contents read, packages write, no id-token', () => {
    expect(wf.permissions).toEqual({});
    expect(build.permissions).toEqual({ contents: 'read', packages: 'write' });
  });

  test('builds with an id and signs the digest it outputs, never a tag', () => {
    const buildStep = build.steps.find((s: any) => String(s.uses).startsWith('docker/build-push-action@'));
    expect(buildStep.id).toBe('build');
    expect(buildStep.with.push).toBe(true);
    // default cosign v3 + the default cluster's Kyverno 1.16 ClusterPolicy, which reads key-signed
    // bundles only from 1.19: legacy .sig, which cosign v3 writes only with these two flags
    expect(signStep.run).toBe('cosign sign --yes --key env://COSIGN_PRIVATE_KEY --new-bundle-format=false --use-signing-config=false "ghcr.io/acme/web@${{ steps.build.outputs.digest }}"');
    expect(signStep.env).toEqual({
      COSIGN_PRIVATE_KEY: '${{ secrets.COSIGN_PRIVATE_KEY }}',
      COSIGN_PASSWORD: '${{ secrets.COSIGN_PASSWORD }}',
    });
  });

  test('installs the default cosign release: the one the cosign-installer v4 pin installs by default, a v3', () => {
    const install = build.steps.find((s: any) => String(s.uses).startsWith('sigstore/cosign-installer@'));
    expect(install.uses).toBe(`sigstore/cosign-installer@${DEFAULT_PINS['cosign-installer-v4'].sha}`);
    expect(install.with['cosign-release']).toBe(INSTALLER_DEFAULT_COSIGN['cosign-installer-v4']);
    expect(DEFAULT_COSIGN_VERSION).toMatch(/^v3\.\d+\.\d+$/);
  });

  test('cosign v2 stays selectable: the v3 installer line installs it', () => {
    const v2 = workflowFor(keyConfig({ signing: { mode: 'key', cosign: { version: 'v2.6.4' }, key: { publicKeyFile: 'cosign.pub' } } })).wf;
    const steps = v2.jobs['build-sign'].steps;
    const install = steps.find((s: any) => String(s.uses).startsWith('sigstore/cosign-installer@'));
    expect(install.uses).toBe(`sigstore/cosign-installer@${DEFAULT_PINS['cosign-installer'].sha}`);
    expect(install.with['cosign-release']).toBe('v2.6.4');
    // cosign v2 signs legacy .sig by default: no format flags
    expect(steps.find((s: any) => /^cosign sign /m.test(s.run ?? '')).run).toBe('cosign sign --yes --key env://COSIGN_PRIVATE_KEY "ghcr.io/acme/web@${{ steps.build.outputs.digest }}"');
  });

  test('logs in to GHCR with GITHUB_TOKEN', () => {
    const login = build.steps.find((s: any) => String(s.uses).startsWith('docker/login-action@'));
    expect(login.with).toEqual({ registry: 'ghcr.io', username: '${{ github.actor }}', password: '${{ secrets.GITHUB_TOKEN }}' });
  });

  test('every uses: is pinned to a full commit SHA from the pin map, version in a trailing comment', () => {
    const uses: string[] = Object.values<any>(wf.jobs).flatMap((j) => j.steps.map((s: any) => s.uses).filter(Boolean));
    expect(uses.length).toBeGreaterThanOrEqual(6);
    const pins = Object.values(DEFAULT_PINS);
    for (const u of uses) {
      const [action, sha] = u.split('@');
      expect(sha).toMatch(FULL_SHA_RE);
      const pin = pins.find((p) => p.action === action && p.sha === sha);
      expect(pin).toBeDefined();
      expect(text).toContain(`uses: ${u} # ${pin!.version}`);
    }
  });

  test('the verify job needs the signing job and verifies the same digest with cosign.pub', () => {
    const verify = wf.jobs.verify;
    expect(verify.needs).toBe('build-sign');
    expect(verify.permissions).toEqual({ contents: 'read', packages: 'read' });
    const run = verify.steps.find((s: any) => /cosign verify/.test(s.run ?? '')).run;
    expect(run).toBe('cosign verify --key cosign.pub "ghcr.io/acme/web@${{ needs.build-sign.outputs.digest }}"');
    expect(build.outputs.digest).toBe('${{ steps.build.outputs.digest }}');
  });
});

describe('workflow variants', () => {
  test('multi-platform builds sign recursively and set up QEMU', () => {
    const { wf } = workflowFor(variants[1][1]);
    const steps = wf.jobs['build-sign'].steps;
    expect(steps.some((s: any) => String(s.uses).startsWith('docker/setup-qemu-action@'))).toBe(true);
    expect(steps.find((s: any) => /^cosign sign /m.test(s.run ?? '')).run).toContain('--recursive');
    expect(wf.on.push.tags).toEqual(['v*']);
  });

  test('environment scope puts the job in the environment', () => {
    const { wf } = workflowFor(variants[2][1]);
    expect(wf.jobs['build-sign'].environment).toBe('signing');
  });

  test('cosign v3 + both: one legacy (--new-bundle-format=false) and one bundle signature; tlog off on both sides', () => {
    const { wf } = workflowFor(variants[4][1]);
    const steps = wf.jobs['build-sign'].steps;
    const lines = steps.find((s: any) => /^cosign sign /m.test(s.run ?? '')).run.split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain('--new-bundle-format=false --use-signing-config=false');
    // legacy path: the deprecated-but-working v2 flag
    expect(lines[0]).toContain('--tlog-upload=false');
    // bundle path: cosign 3 wants a signing config without transparency log services
    expect(lines[1]).not.toContain('--new-bundle-format');
    expect(lines[1]).not.toContain('--tlog-upload');
    expect(lines[1]).toContain('--signing-config "$RUNNER_TEMP/sigstore-signing-config.json"');
    const create = steps.findIndex((s: any) => /^cosign signing-config create/.test(s.run ?? ''));
    expect(create).toBeGreaterThan(-1);
    expect(create).toBeLessThan(steps.findIndex((s: any) => /^cosign sign /m.test(s.run ?? '')));
    expect(steps[create].run).toBe('cosign signing-config create --out "$RUNNER_TEMP/sigstore-signing-config.json"');
    expect(wf.jobs.verify.steps.find((s: any) => /cosign verify/.test(s.run ?? '')).run).toContain('--insecure-ignore-tlog=true');
    const install = wf.jobs['build-sign'].steps.find((s: any) => String(s.uses).startsWith('sigstore/cosign-installer@'));
    expect(install.uses).toBe(`sigstore/cosign-installer@${DEFAULT_PINS['cosign-installer-v4'].sha}`);
  });

  test('keyless: id-token write, no key flags, verify with the exact identity and issuer', () => {
    const { wf } = workflowFor(variants[5][1]);
    expect(wf.jobs['build-sign'].permissions).toEqual({ 'contents': 'read', 'packages': 'write', 'id-token': 'write' });
    const sign = wf.jobs['build-sign'].steps.find((s: any) => /^cosign sign /m.test(s.run ?? ''));
    expect(sign.run).toBe('cosign sign --yes "ghcr.io/acme/web@${{ steps.build.outputs.digest }}"');
    expect(sign.env).toBeUndefined();
    const verify = wf.jobs.verify.steps.find((s: any) => /cosign verify/.test(s.run ?? '')).run;
    expect(verify).toContain('--certificate-identity https://github.com/acme/web/.github/workflows/build-sign.yml@refs/heads/main');
    expect(verify).toContain('--certificate-oidc-issuer https://token.actions.githubusercontent.com');
  });

  test('another registry logs in with its own secrets and gets no packages permission of its own', () => {
    const { wf } = workflowFor(keyConfig({ repositories: [{ name: 'web', images: ['registry.example.com/acme/web'] }] }));
    expect(wf.jobs['build-sign'].permissions).toEqual({ contents: 'read' });
    const login = wf.jobs['build-sign'].steps.find((s: any) => String(s.uses).startsWith('docker/login-action@'));
    expect(login.with.username).toBe('${{ secrets.REGISTRY_REGISTRY_EXAMPLE_COM_USERNAME }}');
  });

  test('no verify job when verification.ci is false', () => {
    const { wf } = workflowFor(variants[6][1]);
    expect(Object.keys(wf.jobs)).toEqual(['build-sign']);
  });
});
