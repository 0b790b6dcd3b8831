import { parse } from 'yaml';
import { renderKyvernoClusterPolicy } from '../../src/cluster/kyverno-cluster-policy';
import { validateConfig } from '../../src/config/load';
import { DEFAULT_COSIGN_VERSION, DEFAULT_PINS, FULL_SHA_RE } from '../../src/config/pins';
import { ConfigError } from '../../src/config/problems';
import { renderSignerWorkflow, renderWorkflow } from '../../src/github/workflow';
import { libraryWorkflowYaml, workflowToYaml } from '../../src/github/workflow-yaml';
import { buildModel } from '../../src/model/build';
import { identityFields } from '../../src/model/identity';
import { actionlint } from '../support/actionlint';
import { projectDir } from '../support/fixtures';

/*
 * Every combination of the workflow features synthesizes a workflow that actionlint 1.7.7
 * accepts, and whose sign / attest / verify steps carry the flags the reference facts require.
 * Expected values are written out here from the references (cosign-formats.md, user-needs.md C/D),
 * not read back from the renderer.
 */

const TRUSTED_ROOT = JSON.stringify({
  mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
  tlogs: [],
  certificateAuthorities: [],
  ctlogs: [],
  timestampAuthorities: [],
});
const DIR = projectDir({ 'trusted_root.json': TRUSTED_ROOT, 'not-a-root.json': '{"hello":1}' });

interface Combo {
  mode: 'key' | 'keyless';
  /** a v2 release (still selectable) and the default v3 release */
  version: string;
  format: 'legacy' | 'bundle' | 'both';
  platforms: number;
  sbom?: 'cyclonedx' | 'spdx';
  provenance: boolean;
  tags: boolean;
  signer: boolean;
  privateSigstore: boolean;
  tlog: boolean;
}

function combos(): Combo[] {
  const out: Combo[] = [];
  for (const mode of ['key', 'keyless'] as const) {
    for (const version of ['v2.6.4', DEFAULT_COSIGN_VERSION]) {
      for (const format of ['legacy', 'bundle', 'both'] as const) {
        for (const platforms of [1, 2]) {
          for (const sbom of [undefined, 'cyclonedx', 'spdx'] as const) {
            for (const provenance of [false, true]) {
              for (const tags of [false, true]) {
                for (const signer of mode === 'keyless' ? [false, true] : [false]) {
                  for (const privateSigstore of mode === 'keyless' ? [false, true] : [false]) {
                    for (const tlog of mode === 'key' ? [true, false] : [true]) {
                      out.push({ mode, version, format, platforms, sbom, provenance, tags, signer, privateSigstore, tlog });
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
  }
  return out;
}

const SIGNER = { repository: 'acme/release-tools', file: 'sign.yml', ref: 'refs/tags/v1.2.0' };

function configFor(c: Combo): any {
  const signing: any = { mode: c.mode, cosign: { version: c.version, signatureFormat: c.format }, transparencyLog: c.tlog };
  if (c.mode === 'key') signing.key = { publicKeyFile: 'cosign.pub' };
  if (c.privateSigstore) {
    signing.keyless = { fulcioUrl: 'https://fulcio.sigstore.internal.example', rekorUrl: 'https://rekor.sigstore.internal.example', trustedRootFile: 'trusted_root.json' };
  }
  const workflow: any = {
    file: 'build.yml',
    branches: ['main'],
    platforms: c.platforms === 1 ? ['linux/amd64'] : ['linux/amd64', 'linux/arm64'],
  };
  if (c.tags) workflow.tags = ['v*'];
  if (c.signer) workflow.signerWorkflow = SIGNER;
  const attestations: any = { provenance: c.provenance };
  if (c.sbom) attestations.sbom = { format: c.sbom };
  return {
    name: 'acme-app',
    github: { owner: 'acme' },
    repositories: [{ name: 'app', images: ['ghcr.io/acme/app', 'registry.example.com/acme/app'], workflow }],
    signing,
    attestations,
    // Kyverno 1.19 reads every format in both modes (key + bundle is refused below 1.19), so every
    // workflow combination reaches the renderer
    admission: { kyverno: { policy: 'ClusterPolicy', version: '1.19' } },
  };
}

const ALL = combos();
const label = (c: Combo) => Object.entries(c).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${v}`).join(' ');
const IMAGES = ['ghcr.io/acme/app', 'registry.example.com/acme/app'];

function build(c: Combo) {
  const model = buildModel(validateConfig(configFor(c)), { baseDir: DIR });
  const repo = model.repositories[0];
  const rendered = renderWorkflow(model, repo);
  const text = workflowToYaml(rendered);
  const signerRendered = c.signer ? renderSignerWorkflow(model, repo) : undefined;
  const signerText = signerRendered ? workflowToYaml(signerRendered) : undefined;
  // the direct emitter writes the library's bytes (workflow-text.test.ts has the rest)
  expect(text).toBe(libraryWorkflowYaml(rendered));
  if (signerRendered) expect(signerText).toBe(libraryWorkflowYaml(signerRendered));
  return { model, repo, text, wf: parse(text), signerText, signerWf: signerText ? parse(signerText) : undefined };
}

/** the job that signs: the build job, or the reusable signer's job */
function signingJob(b: ReturnType<typeof build>): any {
  return b.signerWf ? b.signerWf.jobs.sign : b.wf.jobs['build-sign'];
}

const runOf = (job: any, re: RegExp): string => job.steps.filter((s: any) => re.test(s.run ?? '')).map((s: any) => s.run).join('\n');
const linesOf = (run: string, prefix: string) => run.split('\n').filter((l) => l.startsWith(prefix));

describe(`all ${ALL.length} feature combinations lint clean with actionlint 1.7.7`, () => {
  test('the matrix covers what the task lists', () => {
    expect(ALL.length).toBeGreaterThan(500);
  });

  test('every combination (caller workflow, and the reusable signer workflow where used)', async () => {
    const failures: string[] = [];
    for (const c of ALL) {
      const b = build(c);
      const problems = await actionlint(b.text, '.github/workflows/build.yml');
      if (problems.length) failures.push(`${label(c)}: ${JSON.stringify(problems)}`);
      if (b.signerText) {
        const sp = await actionlint(b.signerText, '.github/workflows/sign.yml');
        if (sp.length) failures.push(`${label(c)} [signer]: ${JSON.stringify(sp)}`);
      }
    }
    expect(failures).toEqual([]);
  }, 120_000);
});

describe('per-combination assertions', () => {
  test.each(ALL.filter((_, i) => i % 7 === 0 || i < 40).map((c) => [label(c), c] as const))('%s', (_l, c) => {
    const b = build(c);
    const job = signingJob(b);
    const v3 = c.version.startsWith('v3.');
    const digest = c.signer ? '$DIGEST' : '${{ steps.build.outputs.digest }}';
    const images = c.signer ? ['$IMAGE'] : IMAGES;

    // never a pull_request trigger, never github.repository in an image
    expect(Object.keys(b.wf.on)).toEqual(['push']);
    expect(b.text).not.toMatch(/github\.repository/);
    expect(b.wf.on.push.branches).toEqual(['main']);
    expect(b.wf.on.push.tags).toEqual(c.tags ? ['v*'] : undefined);

    // sign: by digest, once per image and format
    const signLines = linesOf(runOf(job, /^cosign sign /m), 'cosign sign ');
    const formats = c.format === 'both' ? ['legacy', 'bundle'] : [c.format];
    expect(signLines).toHaveLength(images.length * formats.length);
    signLines.forEach((l, i) => {
      const image = images[Math.floor(i / formats.length)];
      const format = formats[i % formats.length];
      expect(l.endsWith(` "${image}@${digest}"`)).toBe(true);
      expect(l.startsWith('cosign sign --yes ')).toBe(true);
      expect(l.includes('--key env://COSIGN_PRIVATE_KEY')).toBe(c.mode === 'key');
      if (c.signer) expect(l).toContain(' $recursive ');
      else expect(l.includes('--recursive')).toBe(c.platforms > 1);
      if (format === 'legacy') {
        expect(l.includes('--new-bundle-format=false --use-signing-config=false')).toBe(v3);
        expect(l.includes('--tlog-upload=false')).toBe(!c.tlog);
        expect(l.includes('--fulcio-url https://fulcio.sigstore.internal.example --rekor-url https://rekor.sigstore.internal.example')).toBe(c.privateSigstore);
      } else if (v3) {
        expect(l).not.toContain('--new-bundle-format');
        expect(l).not.toContain('--tlog-upload');
        expect(l).not.toContain('--fulcio-url');
        expect(l.includes('--signing-config "$RUNNER_TEMP/sigstore-signing-config.json"')).toBe(!c.tlog || c.privateSigstore);
      } else {
        expect(l).toContain('--new-bundle-format=true');
        expect(l.includes('--tlog-upload=false')).toBe(!c.tlog);
      }
      expect(l.includes('--trusted-root .sigstore/trusted_root.json')).toBe(c.privateSigstore && v3);
    });
    const create = runOf(job, /^cosign signing-config create/);
    if (v3 && c.format !== 'legacy' && (!c.tlog || c.privateSigstore)) {
      expect(create).toContain('--out "$RUNNER_TEMP/sigstore-signing-config.json"');
      expect(create.includes('--rekor=')).toBe(c.tlog);
      if (c.privateSigstore) {
        expect(create).toContain('--fulcio="url=https://fulcio.sigstore.internal.example,api-version=1,');
        expect(create).toContain('--rekor="url=https://rekor.sigstore.internal.example,api-version=1,');
        expect(create).toContain('--rekor-config=ANY');
      }
    } else {
      expect(create).toBe('');
    }

    // permissions: derived from the features, nothing more (user-needs.md C.9)
    const expected: Record<string, string> = { contents: 'read', packages: 'write' };
    if (c.mode === 'keyless' || c.provenance) expected['id-token'] = 'write';
    if (c.provenance) expected.attestations = 'write';
    expect(job.permissions).toEqual(expected);
    expect(b.wf.permissions).toEqual({});
    if (c.signer) {
      expect(b.wf.jobs['build-sign'].permissions).toEqual({ contents: 'read', packages: 'write' });
      expect(b.wf.jobs.sign.permissions).toEqual(expected);
      expect(b.wf.jobs.sign.uses).toBe('acme/release-tools/.github/workflows/sign.yml@v1.2.0');
      expect(JSON.parse(b.wf.jobs.sign.with.images)).toEqual(IMAGES);
      expect(b.wf.jobs.sign.with.digest).toBe('${{ needs.build-sign.outputs.digest }}');
      expect(b.wf.jobs.sign.with.recursive).toBe(c.platforms > 1);
      expect(b.wf.jobs['build-sign'].steps.some((s: any) => /cosign/.test(s.run ?? ''))).toBe(false);
    }

    // SBOM: generated for the digest, attested with the same key/identity flags
    const sbomStep = job.steps.find((s: any) => String(s.uses).startsWith('anchore/sbom-action@'));
    const attestLines = linesOf(runOf(job, /^cosign attest /m), 'cosign attest ');
    if (c.sbom) {
      const type = c.sbom === 'spdx' ? 'spdxjson' : 'cyclonedx';
      expect(sbomStep.uses).toBe(`anchore/sbom-action@${DEFAULT_PINS.sbom.sha}`);
      expect(sbomStep.with.format).toBe(c.sbom === 'spdx' ? 'spdx-json' : 'cyclonedx-json');
      expect(sbomStep.with.image).toBe(c.signer ? '${{ matrix.image }}@${{ inputs.digest }}' : 'ghcr.io/acme/app@${{ steps.build.outputs.digest }}');
      expect(attestLines).toHaveLength(images.length * formats.length);
      attestLines.forEach((l, i) => {
        expect(l).toContain(`--type ${type} --predicate ${sbomStep.with['output-file']}`);
        expect(l.endsWith(` "${images[Math.floor(i / formats.length)]}@${digest}"`)).toBe(true);
        expect(l.includes('--key env://COSIGN_PRIVATE_KEY')).toBe(c.mode === 'key');
        expect(l).not.toContain('--recursive');
      });
      if (c.mode === 'key') expect(job.steps.find((s: any) => /^cosign attest /m.test(s.run ?? '')).env.COSIGN_PASSWORD).toBe('${{ secrets.COSIGN_PASSWORD }}');
    } else {
      expect(sbomStep).toBeUndefined();
      expect(attestLines).toEqual([]);
    }

    // provenance: one attest-build-provenance per image name, no tag, pushed to the registry
    const prov = job.steps.filter((s: any) => String(s.uses).startsWith('actions/attest-build-provenance@'));
    if (c.provenance) {
      expect(prov.map((s: any) => s.with)).toEqual((c.signer ? ['${{ matrix.image }}'] : IMAGES).map((name) => ({
        'subject-name': name,
        'subject-digest': c.signer ? '${{ inputs.digest }}' : '${{ steps.build.outputs.digest }}',
        'push-to-registry': true,
        'create-storage-record': false, // would need artifact-metadata: write (actions/attest v4 README)
      })));
    } else {
      expect(prov).toEqual([]);
    }

    // verify job: the policy's identity (or key), same trust flags; attestations too
    const verify = b.wf.jobs.verify;
    expect(verify.needs).toEqual(c.signer ? ['build-sign', 'sign'] : 'build-sign');
    const vLines = linesOf(runOf(verify, /^cosign verify /m), 'cosign verify ');
    expect(vLines).toHaveLength(IMAGES.length);
    const f = identityFields(b.repo);
    for (const l of vLines) {
      if (c.mode === 'key') {
        expect(l).toContain('--key cosign.pub');
        expect(l).not.toContain('--certificate-identity');
      } else {
        expect(l).toContain(f.subject !== undefined ? `--certificate-identity ${f.subject} ` : `--certificate-identity-regexp '${f.subjectRegExp}' `);
        expect(l).toContain(`--certificate-oidc-issuer ${f.issuer}`);
        expect(l.includes('--certificate-github-workflow-repository acme/app')).toBe(c.signer);
      }
      expect(l.includes('--insecure-ignore-tlog=true')).toBe(!c.tlog);
      expect(l.includes('--trusted-root .sigstore/trusted_root.json')).toBe(c.privateSigstore);
      expect(l.includes('--new-bundle-format=true')).toBe(!v3 && c.format === 'bundle');
      expect(l).toMatch(/ "(ghcr\.io|registry\.example\.com)\/acme\/app@\$\{\{ needs\.build-sign\.outputs\.digest \}\}"$/);
    }
    const vaLines = linesOf(runOf(verify, /^cosign verify-attestation /m), 'cosign verify-attestation ');
    if (c.sbom) {
      expect(vaLines).toHaveLength(IMAGES.length);
      vaLines.forEach((l, i) => {
        // same trust flags as cosign verify, after the --type
        const trust = vLines[i].replace(/^cosign verify /, '').replace(/ "[^"]+"$/, '');
        expect(l).toBe(`cosign verify-attestation --type ${c.sbom === 'spdx' ? 'spdxjson' : 'cyclonedx'} ${trust} "${IMAGES[i]}@\${{ needs.build-sign.outputs.digest }}" > /dev/null`);
      });
    } else {
      expect(vaLines).toEqual([]);
    }
    const gh = runOf(verify, /^gh attestation verify/m);
    if (c.provenance) {
      const signerWf = c.signer ? 'acme/release-tools/.github/workflows/sign.yml' : 'acme/app/.github/workflows/build.yml';
      expect(gh.split('\n')).toEqual(IMAGES.map((i) =>
        `gh attestation verify "oci://${i}@\${{ needs.build-sign.outputs.digest }}" --repo acme/app --signer-workflow ${signerWf} --bundle-from-oci`));
    } else {
      expect(gh).toBe('');
    }
    // checkout only where a repository file is read (cosign.pub, trusted root)
    const checksOut = verify.steps.some((s: any) => String(s.uses).startsWith('actions/checkout@'));
    expect(checksOut).toBe(c.mode === 'key' || c.privateSigstore);

    // pins: every uses is a full SHA from the pin map (or the reusable signer)
    const jobs = [...Object.values<any>(b.wf.jobs), ...(b.signerWf ? Object.values<any>(b.signerWf.jobs) : [])];
    for (const j of jobs) {
      for (const u of [j.uses, ...(j.steps ?? []).map((s: any) => s.uses)].filter(Boolean)) {
        if (u === 'acme/release-tools/.github/workflows/sign.yml@v1.2.0') continue;
        expect(u.split('@')[1]).toMatch(FULL_SHA_RE);
      }
    }
  });
});

describe('the verify job and the admission policy carry one identity', () => {
  test.each([
    ['one branch', { branches: ['main'] }],
    ['branch and tag pattern', { branches: ['main'], tags: ['v*'] }],
  ])('%s: Kyverno keyless subject/subjectRegExp equals the cosign verify flags', (_n, workflow) => {
    const cfg = { name: 'acme', github: { owner: 'acme' }, repositories: [{ name: 'app', images: ['ghcr.io/acme/app'], workflow }], signing: { mode: 'keyless' } };
    const model = buildModel(validateConfig(cfg), { baseDir: DIR });
    const policy = renderKyvernoClusterPolicy(model, model.clusters[0]);
    const keyless = policy.spec.rules[0].verifyImages[0].attestors[0].entries[0].keyless;
    const verifyRun = parse(workflowToYaml(renderWorkflow(model, model.repositories[0]))).jobs.verify.steps
      .find((s: any) => /^cosign verify /.test(s.run ?? '')).run as string;
    if (keyless.subject) {
      expect(verifyRun).toContain(`--certificate-identity ${keyless.subject} `);
      expect(keyless.subjectRegExp).toBeUndefined();
    } else {
      expect(verifyRun).toContain(`--certificate-identity-regexp '${keyless.subjectRegExp}' `);
    }
    expect(verifyRun).toContain(`--certificate-oidc-issuer ${keyless.issuer}`);
    expect(keyless.issuer).toBe('https://token.actions.githubusercontent.com');
  });
});

describe('pins and config problems', () => {
  const base = {
    name: 'acme',
    github: { owner: 'acme' },
    repositories: [{ name: 'app', images: ['ghcr.io/acme/app'] }],
    signing: { mode: 'key', key: { publicKeyFile: 'cosign.pub' } },
  };
  const problems = (cfg: any) => {
    try {
      buildModel(validateConfig(cfg), { baseDir: DIR });
      return [];
    } catch (e) {
      if (e instanceof ConfigError) return e.problems.map((p) => p.path);
      throw e;
    }
  };

  test('github.actionPins overrides one pin; the version lands in the trailing comment', async () => {
    const sha = 'a'.repeat(40);
    const model = buildModel(validateConfig({ ...base, github: { owner: 'acme', actionPins: { checkout: { sha, version: 'v9.9.9' } } } }), { baseDir: DIR });
    const text = workflowToYaml(renderWorkflow(model, model.repositories[0]));
    expect(text).toContain(`uses: actions/checkout@${sha} # v9.9.9`);
    expect(text).not.toContain(DEFAULT_PINS.checkout.sha);
    expect(await actionlint(text)).toEqual([]);
  });

  test('programmatic overrides (renderWorkflow opts.pins) win over the config', () => {
    const model = buildModel(validateConfig(base), { baseDir: DIR });
    // the default cosign is a v3 release, installed by the v4 installer line
    const pin = { action: 'sigstore/cosign-installer', sha: 'b'.repeat(40), version: 'v4.99.0' };
    const text = workflowToYaml(renderWorkflow(model, model.repositories[0], { pins: { 'cosign-installer-v4': pin } }));
    expect(text).toContain(`uses: sigstore/cosign-installer@${pin.sha} # v4.99.0`);
    expect(() => renderWorkflow(model, model.repositories[0], { pins: { checkout: { ...DEFAULT_PINS.checkout, sha: 'v4' } } })).toThrow(/full commit SHA/);
  });

  test('a tag instead of a SHA, or an unknown pin key, is a config error at its path', () => {
    expect(problems({ ...base, github: { owner: 'acme', actionPins: { checkout: { sha: 'v4.2.2', version: 'v4.2.2' } } } }))
      .toEqual(['github.actionPins.checkout.sha']);
    expect(problems({ ...base, github: { owner: 'acme', actionPins: { chekout: { sha: 'a'.repeat(40), version: 'v1' } } } }))
      .toEqual(['github.actionPins.chekout']);
  });

  test('a trusted root that is not a Sigstore TrustedRoot is refused', () => {
    const cfg = { ...base, signing: { mode: 'keyless', keyless: { trustedRootFile: 'not-a-root.json' } } };
    expect(problems(cfg)).toEqual(['signing.keyless.trustedRootFile']);
  });
});
