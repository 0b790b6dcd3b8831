import * as fs from 'node:fs';
import * as path from 'node:path';
import { ImageSigningBlueprint } from '../../src';
import { expiredPreviousKeys, previousKeyExpiresAt } from '../../src/checks/key-pair-check';
import { ConfigError } from '../../src/config/problems';
import { parsePublicKeyPem } from '../../src/keys/public-key';
import { keyConfig, newPublicKeyPem, projectDir } from '../support/fixtures';
import { expectSchemaValid, schemaErrors, schemaTest, SCHEMAS } from '../support/schemas';

function blueprint(dir: string, key: Record<string, unknown>): ImageSigningBlueprint {
  return new ImageSigningBlueprint({
    config: keyConfig({ signing: { mode: 'key', key: { publicKeyFile: 'cosign.pub', ...key } } }),
    baseDir: dir,
  });
}

function problems(dir: string, key: Record<string, unknown>): string[] {
  try {
    blueprint(dir, key);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems.map((p) => `${p.path}: ${p.message}`);
    throw e;
  }
  return [];
}

describe('key rotation: previous keys with an end date', () => {
  const old1 = newPublicKeyPem();
  const old2 = newPublicKeyPem();
  const old3 = newPublicKeyPem();
  const dir = projectDir({ 'keys/old1.pub': old1, 'keys/old2.pub': old2, 'keys/old3.pub': old3 });
  const current = fs.readFileSync(path.join(dir, 'cosign.pub'), 'utf8');
  const key = {
    previousPublicKeyFiles: ['keys/old3.pub'],
    previousKeys: [{ publicKeyFile: 'keys/old1.pub', notAfter: '2027-01-31' }, { publicKeyFile: 'keys/old2.pub' }],
  };

  test('the model carries every previous key with its config path and end date; previousPublicKeyFiles still works', () => {
    const prev = blueprint(dir, key)._model().signing.key!.previousPublicKeys;
    expect(prev.map((p) => [p.file, p.path, p.notAfter])).toEqual([
      ['keys/old3.pub', 'signing.key.previousPublicKeyFiles[0]', undefined],
      ['keys/old1.pub', 'signing.key.previousKeys[0]', '2027-01-31'],
      ['keys/old2.pub', 'signing.key.previousKeys[1]', undefined],
    ]);
    expect(prev[1].key.spkiDer.equals(parsePublicKeyPem(old1).spkiDer)).toBe(true);
  });

  test('ISB-KEY-004: expired only after the last day (UTC) has ended; keys without an end date never expire', () => {
    const m = blueprint(dir, key)._model();
    expect(previousKeyExpiresAt('2027-01-31').toISOString()).toBe('2027-02-01T00:00:00.000Z');
    expect(expiredPreviousKeys(m, new Date('2027-01-31T23:59:59.999Z'))).toEqual([]);
    const expired = expiredPreviousKeys(m, new Date('2027-02-01T00:00:00Z'));
    expect(expired).toEqual([expect.objectContaining({
      file: 'keys/old1.pub',
      path: 'signing.key.previousKeys[0]',
      notAfter: '2027-01-31',
      fingerprint: parsePublicKeyPem(old1).fingerprint,
    })]);
    expect(expired[0].message).toContain('2027-01-31');
    expect(expiredPreviousKeys(m, new Date('2100-01-01T00:00:00Z')).map((e) => e.file)).toEqual(['keys/old1.pub']);
    expect(expiredPreviousKeys(blueprint(dir, {})._model(), new Date('2100-01-01'))).toEqual([]);
  });

  test('policies accept the current and every previous key; the workflow and cosign.pub carry only the current key', () => {
    const bp = blueprint(dir, key);
    const files = bp.renderFiles();
    const policy = bp._render().clusterObjects.get('default')!.find((o: any) => o.kind === 'ClusterPolicy');
    expectSchemaValid(SCHEMAS.clusterPolicy, policy);
    const keys = policy.spec.rules[0].verifyImages[0].attestors[0].entries.map((e: any) => parsePublicKeyPem(e.keys.publicKeys).fingerprint);
    expect(keys.sort()).toEqual([current, old1, old2, old3].map((k) => parsePublicKeyPem(k).fingerprint).sort());
    expect(files['github/cosign.pub']).toBe(parsePublicKeyPem(current).pem);
    const workflow = files['github/.github/workflows/build-sign.yml'];
    for (const old of [old1, old2, old3]) {
      const body = old.split('\n')[1];
      expect(workflow).not.toContain(body);
      for (const [name, text] of Object.entries(files)) {
        if (name.startsWith('terraform/')) expect(text).not.toContain(body);
      }
    }
  });

  schemaTest('a broken policy fails the schema: the check can fail', () => {
    const policy = JSON.parse(JSON.stringify(blueprint(dir, key)._render().clusterObjects.get('default')!.find((o: any) => o.kind === 'ClusterPolicy')));
    policy.spec.rules[0].verifyImages[0].attestors[0].entries[0].keys.publicKeys = 42;
    expect(schemaErrors(SCHEMAS.clusterPolicy, policy)).not.toEqual([]);
  });

  test('config errors name the path, the value and the fix', () => {
    expect(problems(dir, { previousKeys: [{ publicKeyFile: 'keys/old1.pub', notAfter: '2027-02-30' }] }))
      .toEqual(['signing.key.previousKeys[0].notAfter: must be a calendar date YYYY-MM-DD']);
    expect(problems(dir, { previousKeys: [{ publicKeyFile: 'keys/old1.pub', notAfter: '31.01.2027' }] }))
      .toEqual(['signing.key.previousKeys[0].notAfter: must be a calendar date YYYY-MM-DD']);
    expect(problems(dir, { previousKeys: [{ notAfter: '2027-01-31' }] })).toEqual(['signing.key.previousKeys[0].publicKeyFile: is required']);
    expect(problems(dir, { previousPublicKeyFiles: ['keys/old1.pub'], previousKeys: [{ publicKeyFile: 'keys/old1.pub' }] }))
      .toEqual(['signing.key.previousKeys[0].publicKeyFile: is also listed at signing.key.previousPublicKeyFiles[0]']);
    expect(problems(dir, { previousKeys: [{ publicKeyFile: 'cosign.pub' }] })).toEqual(['signing.key.previousKeys[0]: is the current public key']);
    expect(problems(dir, { previousKeys: [{ publicKeyFile: 'keys/missing.pub' }] })).toEqual(['signing.key.previousKeys[0].publicKeyFile: file not found']);
  });
});
