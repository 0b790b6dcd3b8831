import * as fs from 'node:fs';
import * as path from 'node:path';
import { ImageSigningBlueprint } from '../../src';
import { checkKeyPair } from '../../src/checks/key-pair-check';
import { parsePublicKeyPem } from '../../src/keys/public-key';
import { BlueprintModel } from '../../src/model/model';
import { keyProject, KeyProject, PASSWORD, secretNeedles } from '../github/secrets-support';
import { keyConfig, newPublicKeyPem } from '../support/fixtures';

const FIXTURES = path.resolve(__dirname, '..', 'fixtures', 'keys');

function model(dir: string, key: Record<string, unknown>): BlueprintModel {
  return new ImageSigningBlueprint({
    config: keyConfig({ signing: { mode: 'key', key: { publicKeyFile: 'cosign.pub', ...key } } }),
    baseDir: dir,
  })._model();
}

describe('checkKeyPair (ISB-KEY-001)', () => {
  let p: KeyProject;
  beforeAll(async () => {
    p = await keyProject();
  });
  const noSecretsIn = (text: string) => {
    for (const n of secretNeedles(p.privateKeyPem, PASSWORD)) expect(text).not.toContain(n);
  };

  test('match: cosign.key decrypts with COSIGN_PASSWORD to the key of cosign.pub (SPKI compared)', async () => {
    const r = await checkKeyPair(model(p.dir, { privateKeyFile: 'cosign.key' }), { COSIGN_PASSWORD: PASSWORD });
    expect(r.status).toBe('match');
    expect(r.path).toBe('signing.key.privateKeyFile');
    expect(r.message).toContain(parsePublicKeyPem(p.publicKeyPem).fingerprint);
    noSecretsIn(JSON.stringify(r));
  });

  test('match does not depend on the PEM text: an inline public key with other line breaks still matches', async () => {
    const reflowed = p.publicKeyPem.replace(/\n(?!-)/g, '\r\n');
    const r = await checkKeyPair(model(p.dir, { publicKeyFile: undefined, publicKey: reflowed, privateKeyFile: 'cosign.key' }), { COSIGN_PASSWORD: PASSWORD });
    expect(r.status).toBe('match');
  });

  test('mismatch: cosign.pub is another key', async () => {
    fs.writeFileSync(path.join(p.dir, 'other.pub'), newPublicKeyPem());
    const r = await checkKeyPair(model(p.dir, { publicKeyFile: 'other.pub', privateKeyFile: 'cosign.key' }), { COSIGN_PASSWORD: PASSWORD });
    expect(r.status).toBe('mismatch');
    expect(r.message).toContain(parsePublicKeyPem(p.publicKeyPem).fingerprint); // the key cosign.key really belongs to
    expect(r.message).toContain('other.pub');
    expect(r.matchesPreviousKey).toBeUndefined();
    noSecretsIn(JSON.stringify(r));
  });

  test('mismatch after a half-done rotation: the private key is still the previous key', async () => {
    const dir = (await keyProject()).dir; // fresh pair: cosign.pub is the new key
    fs.copyFileSync(path.join(p.dir, 'cosign.key'), path.join(dir, 'old.key'));
    fs.copyFileSync(path.join(p.dir, 'cosign.pub'), path.join(dir, 'old.pub'));
    const r = await checkKeyPair(model(dir, { privateKeyFile: 'old.key', previousKeys: [{ publicKeyFile: 'old.pub', notAfter: '2030-01-31' }] }),
      { COSIGN_PASSWORD: PASSWORD });
    expect(r).toMatchObject({ status: 'mismatch', matchesPreviousKey: 'old.pub' });
    expect(r.message).toContain('previous key old.pub');
  });

  test('unchecked without COSIGN_PASSWORD (an empty password is a password, as in cosign)', async () => {
    const m = model(p.dir, { privateKeyFile: 'cosign.key' });
    const r = await checkKeyPair(m, {});
    expect(r).toMatchObject({ status: 'unchecked', reason: 'no-password' });
    expect(r.message).toMatch(/could not be checked/);
    expect(r.message).toContain('COSIGN_PASSWORD');
    const empty = await checkKeyPair(m, { COSIGN_PASSWORD: '' });
    expect(empty).toMatchObject({ status: 'unchecked', reason: 'decrypt-failed' });
  });

  test('unchecked without privateKeyFile; unchecked (not mismatch) with a wrong password', async () => {
    expect(await checkKeyPair(model(p.dir, {}), { COSIGN_PASSWORD: PASSWORD })).toMatchObject({ status: 'unchecked', reason: 'no-private-key-file' });
    const wrong = 'not-the-password';
    const r = await checkKeyPair(model(p.dir, { privateKeyFile: 'cosign.key' }), { COSIGN_PASSWORD: wrong });
    expect(r).toMatchObject({ status: 'unchecked', reason: 'decrypt-failed' });
    expect(r.message).not.toContain(wrong);
  });

  test('a cosign-written key (published vector, label COSIGN) decrypts; it is not the key of a random cosign.pub', async () => {
    const dir = (await keyProject()).dir;
    fs.copyFileSync(path.join(FIXTURES, 'cosign-keys-test-pemcosignkey.n32768.key'), path.join(dir, 'vector.key'));
    const r = await checkKeyPair(model(dir, { privateKeyFile: 'vector.key' }), { COSIGN_PASSWORD: 'hello' });
    expect(r.status).toBe('mismatch');
  });

  test('a file that is not a cosign key: unchecked with the format error, no key material', async () => {
    fs.copyFileSync(path.join(FIXTURES, 'cosign-label-n65536-sec1-inner.NEGATIVE.key'), path.join(p.dir, 'sec1.key'));
    const r = await checkKeyPair(model(p.dir, { privateKeyFile: 'sec1.key' }), { COSIGN_PASSWORD: 'hello' });
    expect(r).toMatchObject({ status: 'unchecked', reason: 'malformed' });
    expect(r.message).toContain('KEY_NOT_PKCS8');
    const missing = await checkKeyPair(model(p.dir, { privateKeyFile: 'nope.key' }), { COSIGN_PASSWORD: 'hello' });
    expect(missing).toMatchObject({ status: 'unchecked', reason: 'unreadable' });
  });

  test('keyless: nothing to check', async () => {
    const m = new ImageSigningBlueprint({
      config: { name: 'x', github: { owner: 'acme' }, repositories: [{ name: 'web', images: ['ghcr.io/acme/web'] }], signing: { mode: 'keyless' as any } },
    })._model();
    expect(await checkKeyPair(m, { COSIGN_PASSWORD: PASSWORD })).toMatchObject({ status: 'unchecked', reason: 'keyless' });
  });
});
