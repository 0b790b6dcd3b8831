import * as fs from 'node:fs';
import * as path from 'node:path';
import YAML from 'yaml';
import { newCosignKey, pushLegacySignature, signLayer, simpleSigningPayload, TestKey } from './signing';
import { memoryIo } from '../../src/cli/io';
import { main } from '../../src/cli/main';
import { ImageVerifier } from '../../src/verify/image-verifier';
import { tempDir } from '../support/fixtures';
import { pushTinyImage, startRegistry, TestRegistry } from '../support/registry';
import { describeWithTool } from '../support/tools';

describeWithTool('docker-registry', 'verify --config: would the blueprint\'s policies admit the image?', () => {
  let reg: TestRegistry;
  let key: TestKey;
  let otherKey: TestKey;
  let dir: string;

  beforeAll(async () => {
    [reg, key, otherKey] = await Promise.all([startRegistry(), newCosignKey(), newCosignKey()]);
    dir = tempDir();
    fs.writeFileSync(path.join(dir, 'cosign.pub'), key.publicKeyPem);
    fs.writeFileSync(path.join(dir, 'blueprint.yaml'), YAML.stringify({
      name: 'acme-images',
      github: { owner: 'acme' },
      repositories: [{ name: 'web', images: [`${reg.host}/acme/web`] }],
      signing: { mode: 'key', transparencyLog: false, key: { publicKeyFile: 'cosign.pub' } },
      clusters: [
        { name: 'prod', kyverno: { policy: 'ClusterPolicy', version: '1.16' }, policyController: { enabled: true } },
        { name: 'edge', kyverno: { policy: 'ImageValidatingPolicy', version: '1.19' } },
      ],
    }));
  });
  afterAll(async () => {
    await reg?.stop();
  });

  const evaluate = async (image: string) => {
    const v = new ImageVerifier({ environment: { HOME: dir }, retries: 0 });
    try {
      return await v.evaluateBlueprint(image, path.join(dir, 'blueprint.yaml'));
    } finally {
      v.close();
    }
  };

  test('a correctly signed image is admitted by every engine, each saying which pattern matched and which key verified', async () => {
    const img = await pushTinyImage(reg, 'acme/web', 'v1');
    await pushLegacySignature(reg, 'acme/web', img.digest, [signLayer(key, simpleSigningPayload(`${reg.host}/acme/web`, img.digest))]);
    const r = await evaluate(`${reg.host}/acme/web:v1`);
    expect(r.admitted).toBe(true);
    const byEngine = (c: string, e: string) => r.verdicts.filter((v) => v.cluster === c && v.engine === e);
    for (const [c, e] of [['prod', 'kyverno'], ['prod', 'policy-controller'], ['edge', 'kyverno-ivpol']]) {
      const vs = byEngine(c, e);
      expect(vs.length).toBeGreaterThan(0);
      expect(vs.every((v) => v.matched && v.admitted && v.satisfied)).toBe(true);
      expect(vs[0].reasons.join('\n')).toMatch(/verified .*\.sig layer 0/);
    }
    // policy-controller matches the digest-resolved name at admission
    expect(byEngine('prod', 'policy-controller')[0].match).toContain(`${reg.host}/acme/web@${img.digest}`);
    expect(byEngine('edge', 'kyverno')).toEqual([]);
  });

  test('signed with another key: rejected by every engine with BAD_SIGNATURE; unsigned: NO_SIGNATURES', async () => {
    const img = await pushTinyImage(reg, 'acme/web', 'v2', 'v2\n');
    await pushLegacySignature(reg, 'acme/web', img.digest, [signLayer(otherKey, simpleSigningPayload(`${reg.host}/acme/web`, img.digest))]);
    const r = await evaluate(`${reg.host}/acme/web@${img.digest}`);
    expect(r.admitted).toBe(false);
    const matched = r.verdicts.filter((v) => v.matched);
    expect(matched.map((v) => [v.cluster, v.engine, v.admitted, v.code])).toEqual([
      ['prod', 'kyverno', false, 'BAD_SIGNATURE'],
      ['prod', 'policy-controller', false, 'BAD_SIGNATURE'],
      ['edge', 'kyverno-ivpol', false, 'BAD_SIGNATURE'],
    ]);

    const unsigned = await pushTinyImage(reg, 'acme/web', 'v3', 'v3\n');
    const u = await evaluate(`${reg.host}/acme/web@${unsigned.digest}`);
    expect(u.verdicts.filter((v) => v.matched).every((v) => !v.admitted && v.code === 'NO_SIGNATURES')).toBe(true);
  });

  test('an image outside the blueprint: Kyverno does not select it, policy-controller denies it (no-match-policy)', async () => {
    const img = await pushTinyImage(reg, 'other/app', 'v1');
    const r = await evaluate(`${reg.host}/other/app@${img.digest}`);
    const kyverno = r.verdicts.filter((v) => v.engine !== 'policy-controller');
    expect(kyverno.every((v) => !v.matched && v.admitted)).toBe(true);
    expect(r.verdicts.find((v) => v.policy === 'policy-controller/no-match-policy')).toMatchObject({ admitted: false, code: 'NO_MATCHING_POLICY' });
  });

  test('CLI: verify --config prints a verdict per cluster/engine and exits 0 only when admitted', async () => {
    const img = await pushTinyImage(reg, 'acme/web', 'cli');
    await pushLegacySignature(reg, 'acme/web', img.digest, [signLayer(key, simpleSigningPayload(`${reg.host}/acme/web`, img.digest))]);
    let io = memoryIo({ cwd: dir, env: { HOME: dir } });
    expect(await main(['verify', '--config', 'blueprint.yaml', `${reg.host}/acme/web@${img.digest}`], io)).toBe(0);
    expect(io.stdout()).toMatch(/^admitted: /);
    expect(io.stdout()).toMatch(/prod kyverno ClusterPolicy\/acme-images-verify-images .*: admitted/);
    expect(io.stdout()).toMatch(/edge kyverno-ivpol ImageValidatingPolicy\/.*: admitted/);

    const unsigned = await pushTinyImage(reg, 'acme/web', 'cli2', 'cli2\n');
    io = memoryIo({ cwd: dir, env: { HOME: dir } });
    expect(await main(['verify', '--config', 'blueprint.yaml', `${reg.host}/acme/web@${unsigned.digest}`, '--output', 'json'], io)).toBe(1);
    const out = JSON.parse(io.stdout());
    expect(out.admitted).toBe(false);
    expect(out.verdicts.some((v: any) => v.code === 'NO_SIGNATURES')).toBe(true);
  });
});

describeWithTool('docker-registry', 'verify against an htpasswd-protected docker-registry', () => {
  let reg: TestRegistry;
  let key: TestKey;
  let digest: string;
  const auth = { username: 'ci-bot', password: 'pw-0123456789' };

  beforeAll(async () => {
    [reg, key] = await Promise.all([startRegistry({ htpasswd: auth }), newCosignKey()]);
    const img = await pushTinyImage(reg, 'acme/private', 'v1');
    digest = img.digest;
    await pushLegacySignature(reg, 'acme/private', digest, [signLayer(key, simpleSigningPayload(`${reg.host}/acme/private`, digest))]);
  });
  afterAll(async () => {
    await reg?.stop();
  });

  const verify = async (env: Record<string, string>) => {
    const v = new ImageVerifier({ environment: env, publicKeyPems: [key.publicKeyPem], insecureIgnoreTlog: true, retries: 0 });
    try {
      return await v.verify(`${reg.host}/acme/private@${digest}`);
    } catch (e) {
      return e as any;
    } finally {
      v.close();
    }
  };

  test('anonymous: REGISTRY_UNAUTHORIZED (fails closed, never verified)', async () => {
    const r = await verify({ HOME: tempDir() });
    expect(r.code).toBe('REGISTRY_UNAUTHORIZED');
    expect(String(r.message)).not.toContain(auth.password);
  });

  test('Basic credentials from ~/.docker/config.json', async () => {
    const home = tempDir();
    fs.mkdirSync(path.join(home, '.docker'));
    fs.writeFileSync(path.join(home, '.docker', 'config.json'), JSON.stringify({
      auths: { [reg.host]: { auth: Buffer.from(`${auth.username}:${auth.password}`).toString('base64') } },
    }));
    const r = await verify({ HOME: home });
    expect(r.verified).toBe(true);
  });

  test('Basic credentials from ISB_REGISTRY_USERNAME/ISB_REGISTRY_PASSWORD; wrong ones are REGISTRY_UNAUTHORIZED', async () => {
    expect((await verify({ HOME: tempDir(), ISB_REGISTRY_USERNAME: auth.username, ISB_REGISTRY_PASSWORD: auth.password })).verified).toBe(true);
    const bad = await verify({ HOME: tempDir(), ISB_REGISTRY_USERNAME: auth.username, ISB_REGISTRY_PASSWORD: 'wrong' });
    expect(bad.code).toBe('REGISTRY_UNAUTHORIZED');
  });
});
