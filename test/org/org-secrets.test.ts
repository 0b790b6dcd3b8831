import * as fs from 'node:fs';
import * as path from 'node:path';
import { ImageSigningBlueprint } from '../../src';
import { sealedBoxReady } from '../../src/github/sealed-box';
import { generateKeyPair } from '../../src/keys/key-pair';
import { KeyProject, keyProject, newActionsKey, openSealed, PASSWORD, withEnv } from '../github/secrets-support';

/*
 * Sealed secrets with several keys: each repository's stack is sealed to its own Actions key and
 * holds its own signer's private key; a keyless repository gets none; a missing team key file is
 * reported at the repository's path.
 */

describe('sealed secrets per repository signer', () => {
  let p: KeyProject;
  let teamPrivatePem: string;
  let teamPublicPem: string;
  const webKey = newActionsKey('101');
  const payKey = newActionsKey('202');
  beforeAll(async () => {
    p = await keyProject();
    const team = await generateKeyPair({ password: PASSWORD, scryptN: 32768 });
    fs.mkdirSync(path.join(p.dir, 'team'));
    fs.writeFileSync(path.join(p.dir, 'team', 'cosign.key'), team.privateKeyPem, { mode: 0o600 });
    fs.writeFileSync(path.join(p.dir, 'team', 'cosign.pub'), team.publicKeyPem);
    teamPrivatePem = team.privateKeyPem;
    teamPublicPem = team.publicKeyPem;
    await sealedBoxReady();
  });

  const config = (payKeyFiles: Record<string, string> = { publicKeyFile: 'team/cosign.pub', privateKeyFile: 'team/cosign.key' }): any => ({
    name: 'acme',
    github: { owner: 'acme' },
    signing: { mode: 'key', key: { publicKeyFile: 'cosign.pub', privateKeyFile: 'cosign.key' }, keyless: {} },
    repositories: [
      { name: 'web', images: ['ghcr.io/acme/web'], actionsPublicKey: { keyId: webKey.keyId, key: webKey.key } },
      { name: 'pay', images: ['ghcr.io/acme/pay'], actionsPublicKey: { keyId: payKey.keyId, key: payKey.key }, signing: { key: payKeyFiles } },
      { name: 'docs', images: ['ghcr.io/acme/docs'], signing: { mode: 'keyless' } },
    ],
  });

  test('each stack holds its own signer\'s key pair, sealed to its own Actions key', () => {
    const files = withEnv({ COSIGN_PASSWORD: PASSWORD }, () => new ImageSigningBlueprint({ config: config(), baseDir: p.dir }).renderFiles());
    const secrets = (repo: string) => Object.fromEntries(Object.values<any>(JSON.parse(files[`terraform/stacks/github-${repo}/cdk.tf.json`]).resource.github_actions_secret ?? {})
      .map((s) => [s.secret_name, s.encrypted_value]));
    const web = secrets('web');
    const pay = secrets('pay');
    expect(openSealed(web.COSIGN_PRIVATE_KEY, webKey)).toBe(p.privateKeyPem);
    expect(openSealed(web.COSIGN_PUBLIC_KEY, webKey)).toBe(p.publicKeyPem);
    expect(openSealed(pay.COSIGN_PRIVATE_KEY, payKey)).toBe(teamPrivatePem);
    expect(openSealed(pay.COSIGN_PUBLIC_KEY, payKey)).toBe(teamPublicPem);
    expect(openSealed(pay.COSIGN_PASSWORD, payKey)).toBe(PASSWORD);
    expect(openSealed(pay.COSIGN_PRIVATE_KEY, webKey)).toBeUndefined();
    expect(JSON.parse(files['terraform/stacks/github-docs/cdk.tf.json']).resource.github_actions_secret).toBeUndefined();
    for (const [rel, content] of Object.entries(files)) {
      expect([rel, content.includes(PASSWORD)]).toEqual([rel, false]);
      expect([rel, content.includes(teamPrivatePem.split('\n')[1])]).toEqual([rel, false]);
    }
  });

  test('a repository with its own public key but no private key file: the sealing error names the repository\'s path', () => {
    let err: any;
    try {
      withEnv({ COSIGN_PASSWORD: PASSWORD }, () => new ImageSigningBlueprint({ config: config({ publicKeyFile: 'team/cosign.pub' }), baseDir: p.dir }).renderFiles());
    } catch (e) {
      err = e;
    }
    expect(err?.code).toBe('SECRET_SOURCE_MISSING');
    expect(err.path).toBe('repositories[1].signing.key.privateKeyFile');
  });
});
