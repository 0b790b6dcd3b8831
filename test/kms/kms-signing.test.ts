import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { ImageSigningBlueprint } from '../../src';
import { memoryIo } from '../../src/cli/io';
import { main } from '../../src/cli/main';
import { kmsUriForms, KmsProvider, parseKmsUri } from '../../src/config/kms-uri';
import { DEFAULT_PINS } from '../../src/config/pins';
import { findingsFor, editWorkflow } from '../checks/rules/harness';
import { actionlint } from '../support/actionlint';
import { newPublicKeyPem, projectDir, tempDir } from '../support/fixtures';
import { expectSchemaValid, SCHEMAS } from '../support/schemas';

const ROLE = 'arn:aws:iam::111122223333:role/github-image-signing';
const GUID = '0f8fad5b-d9cb-469f-a165-70867728950e';

/** A config signing with a KMS key; `key` is merged over `{ kms }`. */
function kmsConfig(kms: string, kmsAuth: any, key: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): any {
  return {
    name: 'acme-kms',
    github: { owner: 'acme' },
    repositories: [{ name: 'api', images: ['ghcr.io/acme/api'] }],
    signing: { mode: 'key', key: { kms, kmsAuth, ...key } },
    admission: { policyController: { enabled: true } },
    clusters: [
      { name: 'cp', kyverno: { policy: 'ClusterPolicy', version: '1.16' }, policyController: { enabled: true } },
      { name: 'ivp', kyverno: { policy: 'ImageValidatingPolicy', version: '1.16' } },
    ],
    ...extra,
  };
}

const PROVIDERS: { name: string; uri: string; auth: any; login: string; variables: string[] }[] = [
  { name: 'awskms', uri: 'awskms:///alias/acme-image-signing', auth: { aws: { roleArn: ROLE, region: 'eu-west-1' } }, login: 'configure-aws-credentials', variables: ['KMS_AWS_REGION', 'KMS_AWS_ROLE_ARN'] },
  {
    name: 'gcpkms',
    uri: 'gcpkms://projects/acme-prod/locations/europe-west1/keyRings/signing/cryptoKeys/images/cryptoKeyVersions/1',
    auth: { gcp: { workloadIdentityProvider: 'projects/123456789012/locations/global/workloadIdentityPools/github/providers/github', serviceAccount: 'image-signer@acme-prod.iam.gserviceaccount.com' } },
    login: 'gcp-auth',
    variables: ['KMS_GCP_SERVICE_ACCOUNT', 'KMS_GCP_WORKLOAD_IDENTITY_PROVIDER'],
  },
  { name: 'azurekms', uri: 'azurekms://acme-signing.vault.azure.net/images', auth: { azure: { clientId: GUID, tenantId: GUID } }, login: 'azure-login', variables: ['KMS_AZURE_CLIENT_ID', 'KMS_AZURE_TENANT_ID'] },
  { name: 'hashivault', uri: 'hashivault://image-signing', auth: { vault: { address: 'https://vault.acme.example:8200', role: 'image-signing' } }, login: 'vault-action', variables: ['KMS_VAULT_ADDR', 'KMS_VAULT_ROLE'] },
];

describe('KMS key references are parsed as sigstore/sigstore spells them', () => {
  test.each([
    // the examples of sigstore/sigstore pkg/signature/kms/aws/client.go
    'awskms:///1234abcd-12ab-34cd-56ef-1234567890ab',
    'awskms://localhost:4566/1234abcd-12ab-34cd-56ef-1234567890ab',
    'awskms:///arn:aws:kms:us-east-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
    'awskms://localhost:4566/arn:aws:kms:us-east-2:111122223333:alias/ExampleAlias',
    'awskms:///alias/ExampleAlias',
    'awskms:///mrk-1234abcd12ab34cd56ef1234567890ab',
    'gcpkms://projects/p/locations/global/keyRings/r/cryptoKeys/k',
    'gcpkms://projects/p/locations/global/keyRings/r/cryptoKeys/k/versions/3',
    'azurekms://myvault.vault.azure.net/mykey',
    'azurekms://myvault.vault.azure.net/mykey/0123abcd',
    'hashivault://my-key.v2',
  ])('accepts %s', (uri) => {
    expect(typeof parseKmsUri(uri)).toBe('object');
  });

  test.each([
    ['awskms://alias/x', 'awskms'], // the key must follow the (possibly empty) endpoint and a slash
    ['awskms:///not-a-key', 'awskms'],
    ['awskms:///arn:aws:kms:us-east-2:1111:key/1234abcd-12ab-34cd-56ef-1234567890ab', 'awskms'],
    ['gcpkms://projects/p/keyRings/r/cryptoKeys/k', 'gcpkms'],
    ['azurekms://myvault.vault.azure.net/mykey/VERSION', 'azurekms'],
    ['hashivault://transit/keys/k', 'hashivault'],
    ['hashivault://-k', 'hashivault'],
  ])('rejects %s with the forms of %s', (uri, provider) => {
    const r = parseKmsUri(uri);
    expect(typeof r).toBe('string');
    expect(r).toContain(kmsUriForms(provider as KmsProvider));
  });

  test('an ARN carries its region and account', () => {
    expect(parseKmsUri('awskms:///arn:aws:kms:us-east-2:111122223333:alias/x')).toMatchObject({ region: 'us-east-2', account: '111122223333', keyId: 'arn:aws:kms:us-east-2:111122223333:alias/x' });
    expect(parseKmsUri('awskms://127.0.0.1:4566/alias/x')).toMatchObject({ endpoint: '127.0.0.1:4566', keyId: 'alias/x' });
  });
});

describe('KMS config errors name the path, the value and the fix', () => {
  const errorsOf = (config: any) => {
    try {
      new ImageSigningBlueprint({ config, baseDir: projectDir() });
    } catch (e: any) {
      return { code: e.code, text: String(e.message) + JSON.stringify(e.problems ?? []) };
    }
    return undefined;
  };

  test('a malformed URI', () => {
    const e = errorsOf(kmsConfig('gcpkms://projects/p/keyRings/r', { gcp: PROVIDERS[1].auth.gcp }));
    expect(e?.code).toBe('CONFIG_INVALID');
    expect(e?.text).toContain('signing.key.kms');
    expect(e?.text).toContain('cryptoKeys');
  });

  test('the login block of the provider is required, others are refused', () => {
    const e = errorsOf(kmsConfig('awskms:///alias/x', { vault: PROVIDERS[3].auth.vault }));
    expect(e?.text).toContain('signing.key.kmsAuth.aws');
    expect(e?.text).toContain('signing.key.kmsAuth.vault');
  });

  test('an alias without region, a mismatched region, a private key file', () => {
    expect(errorsOf(kmsConfig('awskms:///alias/x', { aws: { roleArn: ROLE } }))?.text).toContain('signing.key.kmsAuth.aws.region');
    expect(errorsOf(kmsConfig('awskms:///arn:aws:kms:us-east-2:111122223333:alias/x', { aws: { roleArn: ROLE, region: 'eu-west-1' } }))?.text).toContain('us-east-2');
    expect(errorsOf(kmsConfig('awskms:///alias/x', { aws: { roleArn: ROLE, region: 'eu-west-1' } }, { privateKeyFile: 'cosign.key' }))?.text).toContain('signing.key.privateKeyFile');
    expect(errorsOf(kmsConfig('awskms:///alias/x', { aws: { roleArn: 'arn:aws:iam::1:role/x', region: 'eu-west-1' } }))?.text).toContain('signing.key.kmsAuth.aws.roleArn');
  });

  test('kmsAuth without kms', () => {
    const e = errorsOf({ ...kmsConfig('x', {}), signing: { mode: 'key', key: { publicKeyFile: 'cosign.pub', kmsAuth: { aws: { roleArn: ROLE } } } } });
    expect(e?.text).toContain('signing.key.kmsAuth');
  });
});

describe.each(PROVIDERS)('$name signer: rendered, schema-checked and linted', (p) => {
  const bp = new ImageSigningBlueprint({ config: kmsConfig(p.uri, p.auth), baseDir: projectDir() });
  const files = bp.renderFiles();
  const wfText = files['github/.github/workflows/build-sign.yml'];
  const wf = parse(wfText);

  test('the workflow logs in with the pinned action and OIDC, then signs by digest with --key <uri>', async () => {
    const steps = wf.jobs['build-sign'].steps;
    let login: number;
    if (p.login === 'vault-action') {
      // Vault: a shell login (hashicorp/vault-action's newest release declares node20): the job's
      // OIDC token, Vault's JWT auth, the masked VAULT_TOKEN exported for cosign
      login = steps.findIndex((s: any) => s.name === 'Log in to Vault (JWT auth with GitHub OIDC)');
      const run = steps[login].run;
      expect(run).toContain('${ACTIONS_ID_TOKEN_REQUEST_URL}');
      expect(run).toMatch(/\/v1\/auth\/jwt\/login/);
      expect(run).toContain('echo "::add-mask::${token}"');
      expect(run).toContain('VAULT_TOKEN=${token}');
      expect(steps.some((s: any) => /vault-action/.test(s.uses ?? ''))).toBe(false);
    } else {
      const pin = DEFAULT_PINS[p.login];
      expect(pin.sha).toMatch(/^[0-9a-f]{40}$/);
      login = steps.findIndex((s: any) => s.uses === `${pin.action}@${pin.sha}`);
    }
    const sign = steps.findIndex((s: any) => /cosign sign/.test(s.run ?? ''));
    expect(login).toBeGreaterThan(-1);
    expect(sign).toBeGreaterThan(login);
    // by digest, with the KMS key (the default cosign v3 adds its format flags between them)
    expect(steps[sign].run).toMatch(/^cosign sign --yes --key (\S+)(?: --\S+)* "ghcr\.io\/acme\/api@\$\{\{ steps\.build\.outputs\.digest \}\}"$/m);
    expect(steps[sign].run).toContain(`--key ${p.uri} `);
    expect(wf.jobs['build-sign'].permissions['id-token']).toBe('write');
    expect(wfText).not.toMatch(/COSIGN_PRIVATE_KEY|COSIGN_PASSWORD/);
    expect(await actionlint(wfText)).toEqual([]);
  });

  test('the stack provisions non-secret Actions variables, no secrets', () => {
    const tf = JSON.parse(files['terraform/stacks/github-api/cdk.tf.json']);
    expect(tf.resource.github_actions_secret).toBeUndefined();
    expect(tf.variable).toBeUndefined();
    const vars = Object.values<any>(tf.resource.github_actions_variable).map((v) => v.variable_name).sort();
    expect(vars).toEqual(p.variables);
    // every vars.* the workflow reads is provisioned
    const read = [...new Set([...wfText.matchAll(/vars\.([A-Z0-9_]+)/g)].map((m) => m[1]))].sort();
    expect(read.every((v) => vars.includes(v))).toBe(true);
  });

  test('the policies name the KMS key and validate against the CRD schemas', () => {
    const cp = parseAllDocuments(files['kubernetes/cp/image-signing.k8s.yaml']).map((d) => d.toJS());
    const policy = cp.find((d) => d.kind === 'ClusterPolicy');
    expect(policy.spec.rules[0].verifyImages[0].attestors[0].entries[0].keys.kms).toBe(p.uri);
    expectSchemaValid(SCHEMAS.clusterPolicy, policy);
    const cip = cp.find((d) => d.kind === 'ClusterImagePolicy');
    expect(cip.spec.authorities[0].key).toEqual({ kms: p.uri, hashAlgorithm: 'sha256' });
    expectSchemaValid(SCHEMAS.clusterImagePolicy, cip);
    const ivp = parseAllDocuments(files['kubernetes/ivp/image-signing.k8s.yaml']).map((d) => d.toJS()).find((d) => d.kind === 'ImageValidatingPolicy');
    expect(ivp.spec.attestors[0].cosign.key).toEqual({ kms: p.uri });
    expectSchemaValid(SCHEMAS.imageValidatingPolicy, ivp);
  });

  test('checks: no error or warning; ISB-KEY-005 says what it could not compare', () => {
    const f = bp._findings();
    expect(f.filter((x) => x.level !== 'info')).toEqual([]);
    const info = f.find((x) => x.id === 'ISB-KEY-005');
    expect(info?.path).toBe('signing.key.kms');
    expect(info?.fix).toContain(`cosign public-key --key ${p.uri}`);
  });

  test('the runbook explains the export and the verifier grant', () => {
    const rb = files['RUNBOOK.md'];
    expect(rb).toContain(`cosign public-key --key ${p.uri} > kms.pub`);
    expect(rb).toMatch(/admission controller|verifiers need/);
  });
});

describe('with the exported public key the policies embed the PEM', () => {
  const pem = newPublicKeyPem();
  const bp = new ImageSigningBlueprint({
    config: kmsConfig(PROVIDERS[0].uri, PROVIDERS[0].auth, { publicKeyFile: 'kms.pub' }),
    baseDir: projectDir({ 'kms.pub': pem }),
  });
  const files = bp.renderFiles();

  test('inline key in all three engines, cosign.pub committed, verify job reads it', () => {
    const cp = parseAllDocuments(files['kubernetes/cp/image-signing.k8s.yaml']).map((d) => d.toJS());
    expect(cp.find((d) => d.kind === 'ClusterPolicy').spec.rules[0].verifyImages[0].attestors[0].entries[0].keys.publicKeys).toBe(pem.trimEnd());
    expect(cp.find((d) => d.kind === 'ClusterImagePolicy').spec.authorities[0].key.data).toBe(pem.trimEnd());
    expect(files['github/cosign.pub']).toBe(pem);
    const wf = parse(files['github/.github/workflows/build-sign.yml']);
    expect(wf.jobs.verify.steps.at(-1).run).toContain('cosign verify --key cosign.pub');
    expect(wf.jobs.verify.permissions['id-token']).toBeUndefined();
    expect(bp._findings().filter((x) => x.level !== 'info')).toEqual([]);
  });

  test('ISB-KEY-001 compares the exported key with the policies', () => {
    const other = newPublicKeyPem().trimEnd();
    const f = findingsFor('ISB-KEY-001', kmsConfig(PROVIDERS[0].uri, PROVIDERS[0].auth, { publicKeyFile: 'kms.pub' }), (a) => {
      const cp = (a.clusterObjects.get('cp') as any[]).find((o) => o.kind === 'ClusterPolicy');
      cp.spec.rules[0].verifyImages[0].attestors[0].entries[0].keys.publicKeys = other;
    }, { files: { 'kms.pub': pem } });
    expect(f.some((x) => x.level === 'error' && /does not accept the current signing key/.test(x.message))).toBe(true);
  });
});

describe('ISB-KEY-005', () => {
  const config = kmsConfig(PROVIDERS[0].uri, PROVIDERS[0].auth);
  test('a policy naming another KMS key is an error', () => {
    const f = findingsFor('ISB-KEY-005', config, (a) => {
      const cip = (a.clusterObjects.get('cp') as any[]).find((o) => o.kind === 'ClusterImagePolicy');
      cip.spec.authorities[0].key.kms = 'awskms:///alias/someone-else';
    });
    expect(f.filter((x) => x.level === 'error').map((x) => x.message)).toEqual([expect.stringContaining('alias/someone-else')]);
  });
  test('a malformed policy reference is an error', () => {
    const f = findingsFor('ISB-KEY-005', config, (a) => {
      const ivp = (a.clusterObjects.get('ivp') as any[]).find((o) => o.kind === 'ImageValidatingPolicy');
      ivp.spec.attestors[0].cosign.key.kms = 'awskms://alias/x';
    });
    expect(f.some((x) => x.level === 'error' && /not a valid awskms/.test(x.message))).toBe(true);
  });
  test('a workflow signing with another key is an error', () => {
    const f = findingsFor('ISB-KEY-005', config, (a) => editWorkflow(a, (t) => t.replace('--key awskms:///alias/acme-image-signing ', '--key env://COSIGN_PRIVATE_KEY ')));
    expect(f.some((x) => x.level === 'error' && /env:\/\/COSIGN_PRIVATE_KEY/.test(x.message))).toBe(true);
  });
});

describe('examples/kms', () => {
  const EXAMPLE = path.resolve(__dirname, '..', '..', 'examples', 'kms');
  test('synthesizes with the CLI: 0 errors, 0 warnings', async () => {
    const out = tempDir();
    const io = memoryIo({ cwd: EXAMPLE });
    expect(await main(['synth', '--config', 'blueprint.yaml', '--out', out], io)).toBe(0);
    const checks = JSON.parse(fs.readFileSync(path.join(out, 'checks.json'), 'utf8'));
    expect(checks.summary).toMatchObject({ errors: 0, warnings: 0 });
    // two repositories: api signs with AWS KMS, worker with a Vault transit key
    const workflows = ['github/api/.github/workflows/build-sign.yml', 'github/worker/.github/workflows/build-sign.yml'];
    const all = [...workflows, 'terraform/stacks/github-api/cdk.tf.json', 'terraform/stacks/github-worker/cdk.tf.json', 'kubernetes/prod/image-signing.k8s.yaml', 'RUNBOOK.md']
      .map((f) => fs.readFileSync(path.join(out, f), 'utf8')).join('\n');
    expect(all).not.toMatch(/COSIGN_PRIVATE_KEY|COSIGN_PASSWORD|PRIVATE KEY/);
    expect(all).toContain('cosign sign --yes --key awskms:///alias/acme-image-signing ');
    expect(all).toContain('cosign sign --yes --key hashivault://acme-image-signing ');
    for (const w of workflows) expect(await actionlint(fs.readFileSync(path.join(out, w), 'utf8'))).toEqual([]);
  });
});
