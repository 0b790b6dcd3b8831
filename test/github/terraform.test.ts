import * as fs from 'node:fs';
import * as path from 'node:path';
import { ImageSigningBlueprint } from '../../src';
import { keyConfig, projectDir, tempDir } from '../support/fixtures';
import { filesContaining, listFilesRecursive } from '../support/secrets-scan';

// A real-looking private key and password, as a user would have them in the environment.
const PRIVATE_KEY_MARKER = '-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----';
const PASSWORD = 'correct horse battery staple 7f3a';

describe('Terraform (cdktf) stack for GitHub secrets', () => {
  const dir = projectDir();
  fs.writeFileSync(path.join(dir, 'cosign.key'), `${PRIVATE_KEY_MARKER}\nZmFrZQ==\n-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n`);
  const prevPw = process.env.COSIGN_PASSWORD;
  process.env.COSIGN_PASSWORD = PASSWORD;
  process.env.TF_VAR_cosign_password = PASSWORD;
  const bp = new ImageSigningBlueprint({ config: keyConfig({ signing: { mode: 'key', key: { publicKeyFile: 'cosign.pub', privateKeyFile: 'cosign.key' } } }), baseDir: dir });
  const out = tempDir();
  bp.synth(out);
  afterAll(() => {
    if (prevPw === undefined) delete process.env.COSIGN_PASSWORD;
    else process.env.COSIGN_PASSWORD = prevPw;
    delete process.env.TF_VAR_cosign_password;
  });
  const tf = JSON.parse(fs.readFileSync(path.join(out, 'terraform/stacks/github-web/cdk.tf.json'), 'utf8'));

  test('provisions the three secrets cosign\'s own github:// provider uses', () => {
    const secrets = tf.resource.github_actions_secret;
    const byName = Object.fromEntries(Object.values<any>(secrets).map((s) => [s.secret_name, s]));
    expect(Object.keys(byName).sort()).toEqual(['COSIGN_PASSWORD', 'COSIGN_PRIVATE_KEY', 'COSIGN_PUBLIC_KEY']);
    expect(byName.COSIGN_PRIVATE_KEY.plaintext_value).toBe('${var.cosign_private_key}');
    expect(byName.COSIGN_PASSWORD.plaintext_value).toBe('${var.cosign_password}');
    expect(byName.COSIGN_PUBLIC_KEY.plaintext_value).toContain('-----BEGIN PUBLIC KEY-----');
    for (const s of Object.values<any>(secrets)) expect(s.repository).toBe('web');
  });

  test('the private key and password are sensitive variables', () => {
    expect(tf.variable.cosign_private_key).toMatchObject({ type: 'string', sensitive: true, nullable: false });
    expect(tf.variable.cosign_password).toMatchObject({ type: 'string', sensitive: true, nullable: false });
  });

  test('commits the workflow, cosign.pub and dependabot.yml to the repository', () => {
    const files = Object.values<any>(tf.resource.github_repository_file);
    expect(files.map((f) => f.file).sort()).toEqual(['.github/dependabot.yml', '.github/workflows/build-sign.yml', 'cosign.pub']);
    const wf = files.find((f) => f.file === '.github/workflows/build-sign.yml');
    // Terraform reads `${` as a template: the content is the workflow with `${`/`%{` escaped as `$${`/`%%{`
    const workflow = fs.readFileSync(path.join(out, 'github/.github/workflows/build-sign.yml'), 'utf8');
    expect(workflow).toContain('${{ steps.build.outputs.digest }}');
    expect(wf.content).not.toMatch(/(^|[^$])\$\{\{/);
    expect(wf.content.replace(/\$\$\{/g, '${').replace(/%%\{/g, '%{')).toBe(workflow);
  });

  test('provider integrations/github, owner from the config, relative local state', () => {
    expect(tf.terraform.required_providers.github.source).toBe('integrations/github');
    expect(tf.provider.github[0].owner).toBe('acme');
    expect(tf.terraform.backend.local.path).toBe('terraform.tfstate');
  });

  test('no output file holds private key material or the password', () => {
    expect(listFilesRecursive(out).length).toBeGreaterThanOrEqual(6);
    expect(filesContaining(out, [PRIVATE_KEY_MARKER, 'PRIVATE KEY-----', PASSWORD, 'ZmFrZQ=='])).toEqual([]);
  });

  test('the scan can fail: it finds a planted password', () => {
    fs.writeFileSync(path.join(out, 'planted.txt'), `x ${PASSWORD} y`);
    expect(filesContaining(out, [PASSWORD]).map((f) => path.basename(f))).toEqual(['planted.txt']);
    fs.rmSync(path.join(out, 'planted.txt'));
  });

  test('environment scope: environment secrets in a created environment', () => {
    const bp2 = new ImageSigningBlueprint({ config: keyConfig({ signing: { mode: 'key', key: { publicKeyFile: 'cosign.pub', secretScope: 'environment', environment: 'signing' } } }), baseDir: dir });
    const tf2 = JSON.parse(bp2.renderFiles()['terraform/stacks/github-web/cdk.tf.json']);
    expect(tf2.resource.github_actions_secret).toBeUndefined();
    const envSecrets = Object.values<any>(tf2.resource.github_actions_environment_secret);
    expect(envSecrets.map((s) => s.secret_name).sort()).toEqual(['COSIGN_PASSWORD', 'COSIGN_PRIVATE_KEY', 'COSIGN_PUBLIC_KEY']);
    expect(Object.values<any>(tf2.resource.github_repository_environment)[0].environment).toBe('signing');
  });
});
