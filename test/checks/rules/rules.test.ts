import { clusterPolicy, editWorkflow, findingsFor } from './harness';
import { RULES } from '../../../src/checks/rules';
import { Artifacts } from '../../../src/synth/artifacts';
import { keyConfig, newPublicKeyPem } from '../../support/fixtures';

const keyless = (over: Record<string, unknown> = {}) => ({
  name: 'acme',
  github: { owner: 'acme' },
  repositories: [{ name: 'app', images: ['ghcr.io/acme/app'], workflow: { file: 'build.yml', branches: ['main'] } }],
  signing: { mode: 'keyless' },
  ...over,
});
const errorsOf = <T extends { level: string }>(fs: T[]): T[] => fs.filter((f) => f.level === 'error');

describe('the catalogue', () => {
  test('every rule of DESIGN.md exists once, with explanation and fix', () => {
    const ids = RULES.map((r) => r.id);
    expect(ids).toEqual([
      'ISB-IMG-001', 'ISB-IMG-002', 'ISB-IMG-003', 'ISB-IMG-004',
      'ISB-ID-001', 'ISB-ID-002', 'ISB-ID-003', 'ISB-ID-004', 'ISB-ID-005',
      'ISB-KEY-001', 'ISB-KEY-002', 'ISB-KEY-003', 'ISB-KEY-004',
      'ISB-KEY-005', // beyond DESIGN.md: KMS key references (issue 17)
      'ISB-POL-001', 'ISB-POL-002', 'ISB-POL-003', 'ISB-POL-004', 'ISB-POL-005', 'ISB-POL-006',
      'ISB-POL-007', // beyond DESIGN.md: policy-controller's attestation-only authorities
      'ISB-POL-008', // beyond DESIGN.md: the policies' trust root knows the workflow's Fulcio/Rekor (issue 17)
      'ISB-WF-001', 'ISB-WF-002', 'ISB-WF-003', 'ISB-WF-004',
      'ISB-WF-005', // beyond DESIGN.md: action runtimes the hosted runners dropped (issue 22)
      'ISB-WF-006', // beyond DESIGN.md: a reusable signer workflow the blueprint writes serves its callers alike (issue 21)
      'ISB-REG-001', 'ISB-NET-001',
      'ISB-NET-002', // beyond DESIGN.md: verifiers that need the public TUF repository in an air-gapped cluster (issue 16)
      'ISB-CFG-001', // beyond DESIGN.md: the loader's refusals without a more specific rule (issue 14)
    ]);
    for (const r of RULES) {
      expect(r.explanation.length).toBeGreaterThan(80);
      expect(r.fix.length).toBeGreaterThan(10);
      expect(r.title.length).toBeGreaterThan(10);
    }
  });

  test.each(RULES.map((r) => r.id))('%s: the blueprint\'s own key-based artifacts pass it', (id) => {
    expect(errorsOf(findingsFor(id, keyConfig()))).toEqual([]);
  });

  test.each(RULES.map((r) => r.id))('%s: the blueprint\'s own keyless artifacts pass it', (id) => {
    expect(errorsOf(findingsFor(id, keyless({
      repositories: [
        { name: 'app', images: ['ghcr.io/acme/app'], workflow: { file: 'build.yml', branches: ['main'], tags: ['v*'] } },
        { name: 'api', images: ['ghcr.io/acme/api'] },
      ],
    })))).toEqual([]);
  });
});

describe('ISB-IMG-001 image references', () => {
  test('fires: the tutorial\'s ghcr.io/${{ github.repository }} cannot be checked (and keeps uppercase)', () => {
    const f = findingsFor('ISB-IMG-001', keyConfig(), (a) => editWorkflow(a, (t) => t.replace('tags: ghcr.io/acme/web:', 'tags: ghcr.io/${{ github.repository }}:')));
    expect(f).toHaveLength(1);
    expect(f[0].message).toMatch(/only known at run time/);
  });
  test('fires: an uppercase pushed image', () => {
    const f = findingsFor('ISB-IMG-001', keyConfig(), (a) => editWorkflow(a, (t) => t.replace('tags: ghcr.io/acme/web:', 'tags: ghcr.io/Acme/web:')));
    expect(errorsOf(f)).toHaveLength(1);
    expect(f[0].message).toMatch(/lowercase/);
  });
  test('neighbour: the lowercase literal name passes', () => {
    expect(findingsFor('ISB-IMG-001', keyConfig())).toEqual([]);
  });
});

describe('ISB-IMG-002 unprotected images', () => {
  test('fires: a pattern that misses the tag form (Kyverno normalizes to name:tag)', () => {
    const f = findingsFor('ISB-IMG-002', keyConfig({ admission: { imageReferences: ['ghcr.io/acme/web@*'] } }));
    expect(errorsOf(f)).toHaveLength(1);
    expect(f[0].message).toMatch(/"ghcr\.io\/acme\/web(:v1\.2\.3)?"/);
  });
  test('fires: a Docker-Hub style pattern for a GHCR image', () => {
    expect(errorsOf(findingsFor('ISB-IMG-002', keyConfig({ admission: { imageReferences: ['docker.io/acme/web*'] } })))).toHaveLength(1);
  });
  test('neighbour: ghcr.io/acme/web* covers every form', () => {
    expect(errorsOf(findingsFor('ISB-IMG-002', keyConfig({ admission: { imageReferences: ['ghcr.io/acme/web*'] } })))).toEqual([]);
  });
  test('fires: a skipImageReferences entry that skips the image', () => {
    const f = findingsFor('ISB-IMG-002', keyConfig(), (a) => {
      clusterPolicy(a).spec.rules[0].verifyImages[0].skipImageReferences = ['ghcr.io/acme/*'];
    });
    expect(errorsOf(f).length).toBeGreaterThanOrEqual(1);
  });
});

describe('ISB-IMG-003 broad or dead patterns', () => {
  test('fires: the tutorial\'s imageReferences ["*"]', () => {
    const f = findingsFor('ISB-IMG-003', keyConfig({ admission: { imageReferences: ['*'] } }));
    expect(f).toHaveLength(1);
    expect(f[0].message).toMatch(/broad/);
  });
  test('fires: a pattern matching none of the images', () => {
    const f = findingsFor('ISB-IMG-003', keyConfig({ admission: { imageReferences: ['ghcr.io/acme/web*', 'ghcr.io/acme/old-name*'] } }));
    expect(f.map((x) => x.message)).toEqual([expect.stringMatching(/old-name\*" matches none/)]);
  });
  test('fires: ghcr.io/* covers other owners', () => {
    expect(findingsFor('ISB-IMG-003', keyConfig({ admission: { imageReferences: ['ghcr.io/*'] } }))).toHaveLength(1);
  });
  test('neighbour: ghcr.io/acme/web* is narrow enough', () => {
    expect(findingsFor('ISB-IMG-003', keyConfig({ admission: { imageReferences: ['ghcr.io/acme/web*'] } }))).toEqual([]);
  });
});

describe('ISB-IMG-004 one pattern, two signers', () => {
  const two = keyless({ repositories: [{ name: 'app', images: ['ghcr.io/acme/app'] }, { name: 'api', images: ['ghcr.io/acme/api'] }] });
  test('fires: keyless with a shared ghcr.io/acme/* pattern', () => {
    expect(errorsOf(findingsFor('ISB-IMG-004', { ...two, admission: { imageReferences: ['ghcr.io/acme/*'] } })).length).toBeGreaterThanOrEqual(1);
  });
  test('neighbour: the same pattern with one key for all repositories', () => {
    expect(findingsFor('ISB-IMG-004', keyConfig({
      repositories: [{ name: 'app', images: ['ghcr.io/acme/app'] }, { name: 'api', images: ['ghcr.io/acme/api'] }],
      admission: { imageReferences: ['ghcr.io/acme/*'] },
    }))).toEqual([]);
  });
});

describe('ISB-ID-001 anchored identity regexps', () => {
  test('fires: the tutorial\'s --certificate-identity-regexp=https://github.com/yourorg/yourrepo', () => {
    const f = findingsFor('ISB-ID-001', keyless(), (a) => editWorkflow(a, (t) => t.replace(
      /--certificate-identity \S+/, '--certificate-identity-regexp=https://github.com/acme/app')));
    expect(errorsOf(f)).toHaveLength(1);
    expect(f[0].message).toMatch(/not anchored.*unescaped/);
  });
  test('fires: an unanchored subjectRegExp in the policy', () => {
    const f = findingsFor('ISB-ID-001', keyless(), (a) => {
      const k = clusterPolicy(a).spec.rules[0].verifyImages[0].attestors[0].entries[0].keyless;
      delete k.subject;
      k.subjectRegExp = 'https://github\\.com/acme/app/.*';
    });
    expect(errorsOf(f)).toHaveLength(1);
  });
  test('neighbour: the derived anchored, escaped regexp passes', () => {
    expect(findingsFor('ISB-ID-001', keyless({ repositories: [{ name: 'app', images: ['ghcr.io/acme/app'], workflow: { tags: ['v*'] } }] }))).toEqual([]);
  });
});

describe('ISB-ID-002 subject vs the SAN the workflow gets', () => {
  test('fires: a subject naming another workflow file', () => {
    const f = findingsFor('ISB-ID-002', keyless(), (a) => {
      clusterPolicy(a).spec.rules[0].verifyImages[0].attestors[0].entries[0].keyless.subject = 'https://github.com/acme/app/.github/workflows/release.yml@refs/heads/main';
    });
    expect(errorsOf(f)).toHaveLength(1);
  });
  test('neighbour: the derived subject passes', () => {
    expect(findingsFor('ISB-ID-002', keyless())).toEqual([]);
  });
});

describe('ISB-ID-003 issuer', () => {
  test('fires: no issuer', () => {
    const f = findingsFor('ISB-ID-003', keyless(), (a) => {
      delete clusterPolicy(a).spec.rules[0].verifyImages[0].attestors[0].entries[0].keyless.issuer;
    });
    expect(f[0].message).toMatch(/no issuer/);
  });
  test('fires: another issuer', () => {
    const f = findingsFor('ISB-ID-003', keyless(), (a) => {
      clusterPolicy(a).spec.rules[0].verifyImages[0].attestors[0].entries[0].keyless.issuer = 'https://accounts.google.com';
    });
    expect(errorsOf(f)).toHaveLength(1);
  });
  test('neighbour: the GitHub issuer passes', () => {
    expect(findingsFor('ISB-ID-003', keyless())).toEqual([]);
  });
});

describe('ISB-ID-004 accepted refs vs triggers', () => {
  test('fires: a regexp accepting any ref', () => {
    const f = findingsFor('ISB-ID-004', keyless(), (a) => {
      const k = clusterPolicy(a).spec.rules[0].verifyImages[0].attestors[0].entries[0].keyless;
      delete k.subject;
      k.subjectRegExp = '^https://github\\.com/acme/app/\\.github/workflows/build\\.yml@refs/.+$';
    });
    expect(errorsOf(f).map((x) => x.message).join('\n')).toMatch(/isb-untriggered|pull/);
  });
  test('fires: a tag trigger the policy does not accept', () => {
    const f = findingsFor('ISB-ID-004', keyless({ repositories: [{ name: 'app', images: ['ghcr.io/acme/app'], workflow: { file: 'build.yml', branches: ['main'], tags: ['v*'] } }] }), (a) => {
      const k = clusterPolicy(a).spec.rules[0].verifyImages[0].attestors[0].entries[0].keyless;
      k.subjectRegExp = '^https://github\\.com/acme/app/\\.github/workflows/build\\.yml@refs/heads/main$';
    });
    expect(errorsOf(f).map((x) => x.message).join('\n')).toMatch(/rejects .*refs\/tags\/v1\.0\.0/);
  });
  test('neighbour: the derived identity accepts exactly the triggers', () => {
    expect(findingsFor('ISB-ID-004', keyless({ repositories: [{ name: 'app', images: ['ghcr.io/acme/app'], workflow: { file: 'build.yml', branches: ['main'], tags: ['v*'] } }] }))).toEqual([]);
  });
});

describe('ISB-ID-005 keyless on pull_request', () => {
  test('fires', () => {
    const f = findingsFor('ISB-ID-005', keyless(), (a) => editWorkflow(a, (t) => t.replace('on:\n  push:', 'on:\n  pull_request: {}\n  push:')));
    expect(errorsOf(f)).toHaveLength(1);
  });
  test('neighbour: key-based signing on pull_request is not this rule', () => {
    expect(findingsFor('ISB-ID-005', keyConfig(), (a) => editWorkflow(a, (t) => t.replace('on:\n  push:', 'on:\n  pull_request: {}\n  push:')))).toEqual([]);
  });
});

describe('ISB-KEY-001 policy key = key pair', () => {
  test('fires: a policy holding another key', () => {
    const other = newPublicKeyPem();
    const f = findingsFor('ISB-KEY-001', keyConfig(), (a) => {
      clusterPolicy(a).spec.rules[0].verifyImages[0].attestors[0].entries[0].keys.publicKeys = other.trim();
    });
    expect(errorsOf(f).map((x) => x.message).join('\n')).toMatch(/neither the blueprint's key[\s\S]*does not accept the current/);
  });
  test('neighbour: the same key re-encoded (different PEM text, same SPKI) passes', () => {
    const f = findingsFor('ISB-KEY-001', keyConfig(), (a) => {
      const k = clusterPolicy(a).spec.rules[0].verifyImages[0].attestors[0].entries[0].keys;
      k.publicKeys = k.publicKeys.replace(/\n/g, '\r\n');
    });
    expect(f).toEqual([]);
  });
});

describe('ISB-KEY-002 secret names', () => {
  test('fires: the workflow reads a secret no stack provisions', () => {
    const f = findingsFor('ISB-KEY-002', keyConfig(), (a) => editWorkflow(a, (t) => t.replace('secrets.COSIGN_PASSWORD', 'secrets.COSIGN_KEY_PASSWORD')));
    expect(errorsOf(f)[0].message).toMatch(/COSIGN_KEY_PASSWORD/);
  });
  test('neighbour: GITHUB_TOKEN and the provisioned names pass', () => {
    expect(findingsFor('ISB-KEY-002', keyConfig())).toEqual([]);
  });
});

describe('ISB-KEY-003 secret material in artifacts', () => {
  test('fires: a private key PEM and the password in an output file', () => {
    const f = findingsFor('ISB-KEY-003', keyConfig(), (a) => {
      (a.files as Map<string, string>).set('RUNBOOK.md', 'x -----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY----- y hunter2-secret');
    }, { env: { COSIGN_PASSWORD: 'hunter2-secret' } });
    expect(f.map((x) => x.message).sort()).toEqual(['contains a PEM private key block', 'contains the COSIGN_PASSWORD value']);
    expect(JSON.stringify(f)).not.toContain('hunter2-secret');
  });
  test('neighbour: clean artifacts with a password set', () => {
    expect(findingsFor('ISB-KEY-003', keyConfig(), undefined, { env: { COSIGN_PASSWORD: 'hunter2-secret' } })).toEqual([]);
  });
});

describe('ISB-POL-001 enforcement', () => {
  test('fires: failureAction removed on Kyverno 1.16 (defaults to Audit) while the blueprint enforces', () => {
    const f = findingsFor('ISB-POL-001', keyConfig(), (a) => { delete clusterPolicy(a).spec.rules[0].verifyImages[0].failureAction; });
    expect(errorsOf(f).map((x) => x.message).join('\n')).toMatch(/resolves this rule's action to Audit[\s\S]*mutateDigest/);
  });
  test('fires: Audit with mutateDigest true', () => {
    const f = findingsFor('ISB-POL-001', keyConfig({ admission: { failureAction: 'Audit' } }), (a) => {
      clusterPolicy(a).spec.rules[0].verifyImages[0].mutateDigest = true;
    });
    expect(errorsOf(f)).toHaveLength(1);
  });
  test('neighbour: the audit stage as rendered passes', () => {
    expect(findingsFor('ISB-POL-001', keyConfig({ admission: { failureAction: 'Audit' } }))).toEqual([]);
  });
});

describe('ISB-POL-002 background', () => {
  test('fires: background left to its default', () => {
    expect(errorsOf(findingsFor('ISB-POL-002', keyConfig(), (a) => { delete clusterPolicy(a).spec.background; }))).toHaveLength(1);
  });
  test('neighbour: background false', () => {
    expect(findingsFor('ISB-POL-002', keyConfig())).toEqual([]);
  });
});

describe('ISB-POL-003 signature format vs engine', () => {
  test('fires: bundle signatures with a type Cosign ClusterPolicy', () => {
    // Kyverno 1.19 reads key-signed bundles (below it the loader refuses the config as ISB-POL-003)
    const f = findingsFor('ISB-POL-003', keyConfig({ signing: { mode: 'key', cosign: { version: 'v3.0.2', signatureFormat: 'bundle' }, key: { publicKeyFile: 'cosign.pub' } }, admission: { kyverno: { policy: 'ClusterPolicy', version: '1.19' } } }),
      (a) => { clusterPolicy(a).spec.rules[0].verifyImages[0].type = 'Cosign'; });
    expect(errorsOf(f).map((x) => x.message).join('\n')).toMatch(/type Cosign reads legacy/);
  });
  test('fires: SigstoreBundle with a key below Kyverno 1.19', () => {
    // a patched policy: the loader refuses key + bundle below 1.19 itself, the rule still reads the final objects
    const f = findingsFor('ISB-POL-003', keyConfig({ signing: { mode: 'key', cosign: { version: 'v3.0.2', signatureFormat: 'legacy' }, key: { publicKeyFile: 'cosign.pub' } } }),
      (a) => { clusterPolicy(a).spec.rules[0].verifyImages[0].type = 'SigstoreBundle'; });
    expect(errorsOf(f).map((x) => x.message).join('\n')).toMatch(/needs Kyverno >= 1\.19/);
  });
  test('neighbour: legacy signatures with type Cosign', () => {
    expect(findingsFor('ISB-POL-003', keyConfig())).toEqual([]);
  });

  // a private instance: one CA (the bytes need not parse; the renderer re-encodes them as PEM)
  const PRIVATE_ROOT = JSON.stringify({
    mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
    tlogs: [],
    certificateAuthorities: [{ subject: {}, uri: 'https://fulcio.acme.internal', certChain: { certificates: [{ rawBytes: Buffer.from('a private CA').toString('base64') }] }, validFor: { start: '2020-01-01T00:00:00Z' } }],
    ctlogs: [],
  });
  const privateKeyless = (format: string, policy: string, version = '1.19') => keyConfig({
    signing: {
      mode: 'keyless',
      cosign: { version: 'v3.0.6', signatureFormat: format },
      keyless: { fulcioUrl: 'https://fulcio.acme.internal', rekorUrl: 'https://rekor.acme.internal', trustedRootFile: 'trusted_root.json' },
    },
    admission: { kyverno: { policy, version } },
  });
  test('fires: keyless bundles of a private instance with a ClusterPolicy (SigstoreBundle reads the trusted root only from TUF)', () => {
    const f = findingsFor('ISB-POL-003', privateKeyless('bundle', 'ClusterPolicy'), undefined, { files: { 'trusted_root.json': PRIVATE_ROOT } });
    expect(errorsOf(f).map((x) => x.message).join('\n')).toMatch(/type SigstoreBundle takes the trusted root only from Kyverno's TUF repository and ignores the entry's roots/);
  });
  test('fires: the private trusted root in an ImageValidatingPolicy for Kyverno 1.16 (cosign.trustedRoot exists from 1.19)', () => {
    const f = findingsFor('ISB-POL-003', privateKeyless('legacy', 'ImageValidatingPolicy', '1.16'), undefined, { files: { 'trusted_root.json': PRIVATE_ROOT } });
    expect(errorsOf(f).map((x) => [x.path, x.message])).toEqual([['admission.kyverno.version', expect.stringMatching(/cosign\.trustedRoot, a field Kyverno has only from 1\.19 \(targeted: 1\.16\)/)]]);
  });
  test('neighbour: the same instance signing legacy signatures (type Cosign reads roots), or verified by an ImageValidatingPolicy', () => {
    expect(findingsFor('ISB-POL-003', privateKeyless('legacy', 'ClusterPolicy'), undefined, { files: { 'trusted_root.json': PRIVATE_ROOT } })).toEqual([]);
    expect(findingsFor('ISB-POL-003', privateKeyless('bundle', 'ImageValidatingPolicy'), undefined, { files: { 'trusted_root.json': PRIVATE_ROOT } })).toEqual([]);
  });
});

describe('ISB-POL-004 transparency log agreement', () => {
  test('fires: signer uploads nothing, policy requires Rekor', () => {
    const f = findingsFor('ISB-POL-004', keyConfig({ signing: { mode: 'key', transparencyLog: false, key: { publicKeyFile: 'cosign.pub' } } }),
      (a) => { delete clusterPolicy(a).spec.rules[0].verifyImages[0].attestors[0].entries[0].keys.rekor.ignoreTlog; });
    expect(errorsOf(f)[0].message).toMatch(/requires a transparency-log entry/);
  });
  test('fires: the verify job ignores the tlog the signer uploads to', () => {
    const f = findingsFor('ISB-POL-004', keyConfig(), (a) => editWorkflow(a, (t) => t.replace('cosign verify --key', 'cosign verify --insecure-ignore-tlog=true --key')));
    expect(errorsOf(f)).toHaveLength(1);
  });
  test('neighbour: tlog off rendered on both sides', () => {
    expect(findingsFor('ISB-POL-004', keyConfig({ signing: { mode: 'key', transparencyLog: false, key: { publicKeyFile: 'cosign.pub' } } }))).toEqual([]);
  });
  const ivpSbom = (transparencyLog: boolean) => keyConfig({
    signing: { mode: 'key', transparencyLog, key: { publicKeyFile: 'cosign.pub' } },
    attestations: { sbom: { format: 'cyclonedx' } },
    admission: { kyverno: { policy: 'ImageValidatingPolicy', version: '1.19' } },
  });
  test('fires: an IVP checks SBOM attestations made without Rekor (verifyAttestationSignatures ignores insecureIgnoreTlog, kyverno#17109)', () => {
    const f = errorsOf(findingsFor('ISB-POL-004', ivpSbom(false)));
    expect(f).toHaveLength(1);
    expect(f[0].message).toMatch(/verifyAttestationSignatures\(attestations\.sbom\) with attestors\.key needs a verified transparency-log entry.*kyverno#17109/);
  });
  test('neighbour: the same IVP with the attestations in Rekor', () => {
    expect(findingsFor('ISB-POL-004', ivpSbom(true))).toEqual([]);
  });
});

describe('ISB-POL-005 Kyverno versions', () => {
  test('warns: ClusterPolicy on 1.17', () => {
    const f = findingsFor('ISB-POL-005', keyConfig({ admission: { kyverno: { version: '1.17' } } }));
    expect(f.map((x) => x.level)).toEqual(['warning']);
  });
  test('errors: regexp identities on 1.13', () => {
    const f = findingsFor('ISB-POL-005', keyless({ admission: { kyverno: { version: '1.13' } }, repositories: [{ name: 'app', images: ['ghcr.io/acme/app'], workflow: { tags: ['v*'] } }] }));
    expect(errorsOf(f)[0].message).toMatch(/CVE-2025-29778/);
  });
  test('neighbour: ClusterPolicy on 1.16 with an exact subject', () => {
    expect(findingsFor('ISB-POL-005', keyless())).toEqual([]);
  });
});

describe('ISB-POL-006 required attestations', () => {
  test('fires: a policy requiring an SBOM the workflow never attests', () => {
    const f = findingsFor('ISB-POL-006', keyConfig(), (a) => {
      clusterPolicy(a).spec.rules[0].verifyImages[0].attestations = [{ type: 'https://cyclonedx.org/bom', conditions: [] }];
    });
    expect(errorsOf(f)[0].message).toMatch(/cyclonedx/);
  });
  test('neighbour: no attestation required, none produced', () => {
    expect(findingsFor('ISB-POL-006', keyConfig())).toEqual([]);
  });
});

describe('ISB-WF-001 sign by digest', () => {
  test('fires: the tutorial signs a tag', () => {
    const f = findingsFor('ISB-WF-001', keyConfig(), (a) => editWorkflow(a, (t) => t.replace('"ghcr.io/acme/web@${{ steps.build.outputs.digest }}"', 'ghcr.io/acme/web:latest')));
    expect(errorsOf(f)[0].message).toMatch(/signs a tag/);
  });
  test('could not check: a run-time variable is reported, not passed', () => {
    const f = findingsFor('ISB-WF-001', keyConfig(), (a) => editWorkflow(a, (t) => t.replace('"ghcr.io/acme/web@${{ steps.build.outputs.digest }}"', '"${IMAGE}"')));
    expect(f.map((x) => x.level)).toEqual(['warning']);
    expect(f[0].message).toMatch(/could not check/);
  });
  test('neighbour: image@${{ steps.build.outputs.digest }}', () => {
    expect(findingsFor('ISB-WF-001', keyConfig())).toEqual([]);
  });
  const SIGNED = '"ghcr.io/acme/web@${{ steps.build.outputs.digest }}"';
  test('neighbour: "$IMAGE@$DIGEST" (cosign reads anything after @ as a digest or fails)', () => {
    expect(findingsFor('ISB-WF-001', keyConfig(), (a) => editWorkflow(a, (t) => t.replace(SIGNED, '"$IMAGE@$DIGEST"')))).toEqual([]);
  });
  test('could not check: "$IMAGE:$TAG" is a tag or a digest only at run time', () => {
    const f = findingsFor('ISB-WF-001', keyConfig(), (a) => editWorkflow(a, (t) => t.replace(SIGNED, '"$IMAGE:$TAG"')));
    expect(f.map((x) => x.level)).toEqual(['warning']);
  });
  test('neighbour: a variable the script sets only to a flag or nothing ($recursive)', () => {
    const f = findingsFor('ISB-WF-001', keyConfig(), (a) => editWorkflow(a, (t) => t.replace(SIGNED, '$recursive ' + SIGNED)
      .replace('cosign sign ', 'recursive=""; [ -n "$R" ] && recursive=--recursive; cosign sign ')));
    expect(f).toEqual([]);
  });
  test('could not check: a variable the script sets to an image reference', () => {
    const f = findingsFor('ISB-WF-001', keyConfig(), (a) => editWorkflow(a, (t) => t.replace(SIGNED, '$ref')
      .replace('cosign sign ', 'ref=ghcr.io/acme/web:latest; cosign sign ')));
    expect(f.map((x) => x.level)).toEqual(['warning']);
  });
});

describe('ISB-WF-002 pinned actions', () => {
  test('fires: the tutorial\'s actions/checkout@v4', () => {
    const f = findingsFor('ISB-WF-002', keyConfig(), (a) => editWorkflow(a, (t) => t.replace(/actions\/checkout@[0-9a-f]{40}/g, 'actions/checkout@v4')));
    expect(errorsOf(f).length).toBe(2); // build job and verify job
    expect(f[0].message).toMatch(/mutable ref "v4"/);
  });
  test('neighbour: full SHAs', () => {
    expect(findingsFor('ISB-WF-002', keyConfig())).toEqual([]);
  });
});

describe('ISB-WF-003 permissions', () => {
  test('fires: keyless without id-token', () => {
    const f = findingsFor('ISB-WF-003', keyless(), (a) => editWorkflow(a, (t) => t.replace(/\n\s+id-token: write/, '')));
    expect(errorsOf(f)[0].message).toMatch(/lacks id-token: write/);
  });
  test('fires: key mode with id-token write', () => {
    const f = findingsFor('ISB-WF-003', keyConfig(), (a) => editWorkflow(a, (t) => t.replace('packages: write', 'packages: write\n      id-token: write')));
    expect(errorsOf(f)[0].message).toMatch(/signs with a key/);
  });
  test('fires: GHCR push without packages write', () => {
    const f = findingsFor('ISB-WF-003', keyConfig(), (a) => editWorkflow(a, (t) => t.replace('packages: write', 'packages: read')));
    expect(errorsOf(f)[0].message).toMatch(/packages: write/);
  });
  test('neighbour: derived permissions', () => {
    expect(findingsFor('ISB-WF-003', keyConfig())).toEqual([]);
    expect(findingsFor('ISB-WF-003', keyless())).toEqual([]);
  });
});

describe('ISB-WF-004 recursive signing', () => {
  const multi = keyConfig({ repositories: [{ name: 'web', images: ['ghcr.io/acme/web'], workflow: { platforms: ['linux/amd64', 'linux/arm64'] } }] });
  test('warns: multi-platform without --recursive', () => {
    const f = findingsFor('ISB-WF-004', multi, (a) => editWorkflow(a, (t) => t.replace(' --recursive', '')));
    expect(f.map((x) => x.level)).toEqual(['warning']);
  });
  test('neighbour: --recursive present', () => {
    expect(findingsFor('ISB-WF-004', multi)).toEqual([]);
  });
});

describe('ISB-REG-001 registry support', () => {
  test('warns: an unknown registry', () => {
    expect(findingsFor('ISB-REG-001', keyConfig({ repositories: [{ name: 'web', images: ['registry.example.com/acme/web'] }] })).map((x) => x.level)).toEqual(['warning']);
  });
  test('neighbour: ghcr.io', () => {
    expect(findingsFor('ISB-REG-001', keyConfig())).toEqual([]);
  });
});

describe('ISB-NET-001 air-gapped keyless', () => {
  const TRUSTED_ROOT = JSON.stringify({ mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1', tlogs: [], certificateAuthorities: [], ctlogs: [] });
  const keylessCfg = (over: Record<string, unknown> = {}, kl: Record<string, unknown> = {}) => keyConfig({
    signing: { mode: 'keyless', keyless: kl },
    clusters: [{ name: 'edge', airGapped: true }, { name: 'cloud' }],
    ...over,
  });

  test('fires: an air-gapped cluster and keyless signing on the public instance, at the cluster\'s path', () => {
    const f = findingsFor('ISB-NET-001', keylessCfg());
    expect(f.map((x) => [x.level, x.path])).toEqual([['error', 'clusters[0].airGapped']]);
    expect(f[0].message).toMatch(/"edge" is air-gapped.*"web".*public Sigstore instance/);
  });
  test('fires: admission.airGapped applies to every cluster', () => {
    const f = findingsFor('ISB-NET-001', keyConfig({ signing: { mode: 'keyless' }, admission: { airGapped: true } }));
    expect(f.map((x) => x.path)).toEqual(['admission.airGapped']);
  });
  test('neighbour: the same cluster with a private trusted root', () => {
    const cfg = keylessCfg({}, { fulcioUrl: 'https://fulcio.acme.internal', rekorUrl: 'https://rekor.acme.internal', trustedRootFile: 'trusted_root.json' });
    expect(findingsFor('ISB-NET-001', cfg, undefined, { files: { 'trusted_root.json': TRUSTED_ROOT } })).toEqual([]);
  });
  test('neighbour: key-based signing in the air-gapped cluster', () => {
    expect(findingsFor('ISB-NET-001', keyConfig({ clusters: [{ name: 'edge', airGapped: true }] }))).toEqual([]);
  });
  test('neighbour: keyless, no cluster air-gapped', () => {
    expect(findingsFor('ISB-NET-001', keyConfig({ signing: { mode: 'keyless' } }))).toEqual([]);
  });
});

describe('ISB-NET-002 air-gapped verifiers and the public TUF repository', () => {
  const ivp = (version: string, over: Record<string, unknown> = {}, signing: Record<string, unknown> = { mode: 'key', transparencyLog: false, key: { publicKeyFile: 'cosign.pub' } }) => keyConfig({
    signing,
    clusters: [{ name: 'edge', airGapped: true, kyverno: { policy: 'ImageValidatingPolicy', version } }, { name: 'cloud', kyverno: { policy: 'ImageValidatingPolicy', version } }],
    checks: { suppress: [{ id: 'ISB-POL-005', reason: 'the test targets old Kyverno versions on purpose' }] },
    ...over,
  });

  test('fires: Kyverno 1.16, key + insecureIgnoreTlog (TUF is initialized for every attestor before 1.19), at the air-gapped cluster only', () => {
    const f = findingsFor('ISB-NET-002', ivp('1.16'));
    expect(f.map((x) => [x.level, x.path])).toEqual([['error', 'clusters[0].airGapped']]);
    expect(f[0].message).toMatch(/ImageValidatingPolicy\/.*"edge" is air-gapped.*attestor "key" on Kyverno 1\.16.*public Sigstore TUF/);
  });
  test('fires: Kyverno 1.19 with the tlog checked (the key attestor then initializes TUF)', () => {
    expect(findingsFor('ISB-NET-002', ivp('1.19', {}, { mode: 'key', transparencyLog: true, key: { publicKeyFile: 'cosign.pub' } }))).toHaveLength(1);
  });
  test('neighbour: Kyverno 1.19, key + insecureIgnoreTlog skips the Sigstore infrastructure', () => {
    expect(findingsFor('ISB-NET-002', ivp('1.19'))).toEqual([]);
  });
  test('neighbour: a private TUF mirror on the attestor (a customization)', () => {
    const f = findingsFor('ISB-NET-002', ivp('1.16'), (a) => {
      for (const o of a.clusterObjects.get('edge') as any[]) {
        for (const at of o.spec?.attestors ?? []) at.cosign.tuf = { mirror: 'http://tuf.acme.internal', root: { data: 'e30=' } };
      }
    });
    expect(f).toEqual([]);
  });
  test('neighbour: a ClusterPolicy (key, tlog off) in the same air-gapped cluster', () => {
    expect(findingsFor('ISB-NET-002', keyConfig({
      signing: { mode: 'key', transparencyLog: false, key: { publicKeyFile: 'cosign.pub' } },
      clusters: [{ name: 'edge', airGapped: true, kyverno: { policy: 'ClusterPolicy', version: '1.16' } }],
    }))).toEqual([]);
  });
  const cpPc = (transparencyLog: boolean) => keyConfig({
    signing: { mode: 'key', transparencyLog, key: { publicKeyFile: 'cosign.pub' } },
    clusters: [{ name: 'edge', airGapped: true, kyverno: { policy: 'ClusterPolicy', version: '1.16' }, policyController: { enabled: true } }],
  });
  test('fires: a ClusterPolicy and a ClusterImagePolicy checking the Rekor entry of a key signature, air-gapped (keys from TUF)', () => {
    const f = findingsFor('ISB-NET-002', cpPc(true));
    expect(f.map((x) => x.path)).toEqual(['clusters[0].airGapped', 'clusters[0].airGapped']);
    expect(f[0].message).toMatch(/ClusterPolicy\/.*1 attestor entry fetch Rekor\/CT log keys/);
    expect(f[1].message).toMatch(/ClusterImagePolicy\/.*authority "key" fetch Rekor keys/);
  });
  test('neighbour: the same with the transparency log off (nothing to fetch)', () => {
    expect(findingsFor('ISB-NET-002', cpPc(false))).toEqual([]);
  });
});

describe('ISB-POL-007 policy-controller verifies the signature', () => {
  const withSbom = () => keyConfig({ admission: { policyController: { enabled: true } }, attestations: { sbom: { format: 'cyclonedx' } } });
  const cips = (a: Artifacts) => (a.clusterObjects.get('default') as any[]).filter((o) => o.kind === 'ClusterImagePolicy');

  test('neighbour: as rendered, the signature CIP has no attestations and the SBOM CIP its own', () => {
    expect(findingsFor('ISB-POL-007', withSbom())).toEqual([]);
  });
  test('fires: the SBOM attestation moved onto the signature authority (the only CIP then checks only the attestation)', () => {
    const f = findingsFor('ISB-POL-007', withSbom(), (a) => {
      const [sig, sbom] = cips(a);
      sig.spec.authorities[0].attestations = sbom.spec.authorities[0].attestations;
      const list = a.clusterObjects.get('default') as any[];
      list.splice(list.indexOf(sbom), 1);
    });
    expect(f.map((x) => [x.level, x.path])).toEqual([['error', 'admission']]);
    expect(f[0].message).toMatch(/"ghcr\.io\/acme\/web" is matched only by ClusterImagePolicies that can pass without its signature \(ClusterImagePolicy\/acme-web-signed/);
  });
  test('fires: a static pass authority beside the key in the signature CIP', () => {
    const f = findingsFor('ISB-POL-007', withSbom(), (a) => {
      cips(a)[0].spec.authorities.push({ name: 'anything', static: { action: 'pass' } });
    });
    expect(f).toHaveLength(1);
  });
  test('neighbour: no policy-controller, nothing to check', () => {
    expect(findingsFor('ISB-POL-007', keyConfig({ attestations: { sbom: { format: 'cyclonedx' } } }))).toEqual([]);
  });
});
