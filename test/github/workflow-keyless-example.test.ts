import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { goRegexpMatch } from '../../src/checks/matchers/go-regexp';
import { memoryIo } from '../../src/cli/io';
import { main } from '../../src/cli/main';
import { loadConfigFile, validateConfig } from '../../src/config/load';
import { buildModel } from '../../src/model/build';
import { identityFields } from '../../src/model/identity';
import { actionlint } from '../support/actionlint';
import { tempDir } from '../support/fixtures';
import { expectSchemaValid, SCHEMAS } from '../support/schemas';

/** examples/keyless: one keyless identity across workflow, verify job and both admission engines. */
const EXAMPLE = path.resolve(__dirname, '..', '..', 'examples', 'keyless');
const ISSUER = 'https://token.actions.githubusercontent.com';
// written out from the reference SAN format, not computed: Fulcio's `{{ .url }}/{{ .job_workflow_ref }}`
const SAN_MAIN = 'https://github.com/acme/app/.github/workflows/release.yml@refs/heads/main';
const SAN_TAG = 'https://github.com/acme/app/.github/workflows/release.yml@refs/tags/v1.4.2';

describe('examples/keyless', () => {
  const out = tempDir();
  let code = -1;
  let io: ReturnType<typeof memoryIo>;
  beforeAll(async () => {
    io = memoryIo({ cwd: EXAMPLE });
    code = await main(['synth', '--config', 'blueprint.yaml', '--out', out], io);
  });
  const read = (rel: string) => fs.readFileSync(path.join(out, rel), 'utf8');
  const loaded = () => {
    const l = loadConfigFile(path.join(EXAMPLE, 'blueprint.yaml'));
    return buildModel(validateConfig(l.config), { baseDir: l.baseDir });
  };

  test('synthesizes with the CLI, without secrets or key files', () => {
    // no error findings; warnings from the policy renderers' own patterns are not this example's concern
    expect(io.stderr()).not.toMatch(/^error /m);
    expect(code).toBe(0);
    expect(fs.existsSync(path.join(out, 'github/.github/workflows/release.yml'))).toBe(true);
    expect(fs.existsSync(path.join(out, 'github/cosign.pub'))).toBe(false);
  });

  test('the workflow lints clean, signs keylessly by digest, attests SBOM and provenance', async () => {
    const text = read('github/.github/workflows/release.yml');
    expect(await actionlint(text, '.github/workflows/release.yml')).toEqual([]);
    const wf = parse(text);
    const job = wf.jobs['build-sign'];
    expect(job.permissions).toEqual({ 'contents': 'read', 'packages': 'write', 'id-token': 'write', 'attestations': 'write' });
    const run = (re: RegExp) => job.steps.find((s: any) => re.test(s.run ?? '')).run as string;
    const runs = (re: RegExp) => job.steps.flatMap((s: any) => String(s.run ?? '').split('\n')).filter((l: string) => re.test(l));
    // signatureFormat both: a legacy .sig (for policy-controller, which verifies no bundle image signature) and the bundle
    expect(runs(/^cosign sign /)).toEqual([
      'cosign sign --yes --new-bundle-format=false --use-signing-config=false --recursive "ghcr.io/acme/app@${{ steps.build.outputs.digest }}"',
      'cosign sign --yes --recursive "ghcr.io/acme/app@${{ steps.build.outputs.digest }}"',
    ]);
    expect(run(/cosign attest /)).toContain('cosign attest --yes --type cyclonedx --predicate sbom.json "ghcr.io/acme/app@${{ steps.build.outputs.digest }}"');
    const prov = job.steps.find((s: any) => String(s.uses).startsWith('actions/attest-build-provenance@'));
    // create-storage-record: false: a storage record would need artifact-metadata: write (actions/attest v4)
    expect(prov.with).toEqual({ 'subject-name': 'ghcr.io/acme/app', 'subject-digest': '${{ steps.build.outputs.digest }}', 'push-to-registry': true, 'create-storage-record': false });
    expect(text).not.toContain('COSIGN_PRIVATE_KEY');
  });

  test('one identity: verify job flags == Kyverno IVP identities == policy-controller identities', () => {
    const model = loaded();
    const f = identityFields(model.repositories[0]);
    expect(f.subject).toBeUndefined();
    expect(f.issuer).toBe(ISSUER);
    for (const san of [SAN_MAIN, SAN_TAG]) expect(goRegexpMatch(f.subjectRegExp!, san)).toBe(true);
    for (const bad of [SAN_MAIN.replace('acme/app', 'acme/app-evil'), `${SAN_MAIN}-x`, SAN_MAIN.replace('release.yml', 'other.yml')]) {
      expect(goRegexpMatch(f.subjectRegExp!, bad)).toBe(false);
    }

    const wf = parse(read('github/.github/workflows/release.yml'));
    const verifyRuns = wf.jobs.verify.steps.map((s: any) => s.run ?? '').join('\n');
    const idFlags = `--certificate-identity-regexp '${f.subjectRegExp}' --certificate-oidc-issuer ${ISSUER}`;
    expect(verifyRuns).toContain(`cosign verify ${idFlags} "ghcr.io/acme/app@\${{ needs.build-sign.outputs.digest }}"`);
    expect(verifyRuns).toContain(`cosign verify-attestation --type cyclonedx ${idFlags} "ghcr.io/acme/app@`);
    expect(verifyRuns).toContain('gh attestation verify "oci://ghcr.io/acme/app@${{ needs.build-sign.outputs.digest }}" --repo acme/app');

    const docs = parseAllDocuments(read('kubernetes/default/image-signing.k8s.yaml')).map((d) => d.toJS());
    const ivps = docs.filter((d) => d.kind === 'ImageValidatingPolicy');
    const cips = docs.filter((d) => d.kind === 'ClusterImagePolicy');
    expect(ivps.length).toBeGreaterThan(0);
    expect(cips.length).toBeGreaterThan(0);
    for (const d of ivps) expectSchemaValid(SCHEMAS.imageValidatingPolicy, d);
    for (const d of cips) expectSchemaValid(SCHEMAS.clusterImagePolicy, d);

    // the identities of the signing workflow, wherever a policy names one for acme/app's release.yml
    const identities = (o: any): any[] => {
      const found: any[] = [];
      const walk = (x: any) => {
        if (Array.isArray(x)) {x.forEach(walk);} else if (x && typeof x === 'object') {
          if (Array.isArray(x.identities)) found.push(...x.identities);
          Object.values(x).forEach(walk);
        }
      };
      walk(o);
      return found;
    };
    const ours = [...ivps, ...cips].flatMap(identities).filter((i) => JSON.stringify(i).includes('acme/app/') && JSON.stringify(i).includes('release'));
    expect(ours.length).toBeGreaterThanOrEqual(2);
    for (const i of ours) expect(i).toEqual({ issuer: ISSUER, subjectRegExp: f.subjectRegExp });
  });

  test('the runbook carries the same verify commands, attestations included', () => {
    const rb = read('RUNBOOK.md');
    const f = identityFields(loaded().repositories[0]);
    const idFlags = `--certificate-identity-regexp '${f.subjectRegExp}' --certificate-oidc-issuer ${ISSUER}`;
    expect(rb).toContain(`cosign verify ${idFlags} ghcr.io/acme/app@sha256:`);
    expect(rb).toContain(`cosign verify-attestation --type cyclonedx ${idFlags} ghcr.io/acme/app@sha256:`);
    expect(rb).toContain('gh attestation verify "oci://ghcr.io/acme/app@sha256:');
  });
});
