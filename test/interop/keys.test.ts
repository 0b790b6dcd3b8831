import * as fs from 'node:fs';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { ImageSigningBlueprint } from '../../src';
import { checkKeyPair } from '../../src/checks/key-pair-check';
import { memoryIo } from '../../src/cli/io';
import { main } from '../../src/cli/main';
import { generateKeyPair, publicKeyFromPrivate } from '../../src/keys/key-pair';
import { parsePublicKeyPem } from '../../src/keys/public-key';
import {
  cosignGenerateKeyPair, cosignPublicKey, cosignSign, cosignVerify, COSIGN_VERSIONS, CosignVersion, ok,
} from '../support/cosign';
import { keyConfig, tempDir } from '../support/fixtures';
import { describeWithInterop } from '../support/interop';
import { pushTinyImage, startRegistry, TestRegistry } from '../support/registry';
import { describeWithTool } from '../support/tools';

const PASSWORD = 'interop-pw-7';

/** SPKI DER of a PEM public key, hex: the key itself, independent of PEM line wrapping. */
const spki = (pem: string) => parsePublicKeyPem(pem).keyObject.export({ type: 'spki', format: 'der' }).toString('hex');

async function ourKeygen(dir: string): Promise<void> {
  const io = memoryIo({ cwd: dir, env: { COSIGN_PASSWORD: PASSWORD } });
  const code = await main(['keygen'], io);
  if (code !== 0) throw new Error(`keygen exited ${code}: ${io.stderr()}`);
}

async function checkFindings(dir: string, env: Record<string, string>): Promise<{ code: number; findings: any[] }> {
  const io = memoryIo({ cwd: dir, env });
  const code = await main(['check', '--format', 'json'], io);
  return { code, findings: JSON.parse(io.stdout()).findings };
}

describeWithTool('docker-registry', 'interop: keys both ways', () => {
  describeWithInterop([...COSIGN_VERSIONS], 'our keys sign with real cosign; cosign keys load in our checks', () => {
    let reg: TestRegistry;
    beforeAll(async () => { reg = await startRegistry(); });
    afterAll(async () => { await reg?.stop(); });

    const sources: Record<string, (dir: string) => Promise<void>> = {
      'CLI keygen': ourKeygen,
      'generateKeyPair (library)': async (dir) => {
        const pair = await generateKeyPair({ password: PASSWORD });
        fs.writeFileSync(path.join(dir, 'cosign.key'), pair.privateKeyPem, { mode: 0o600 });
        fs.writeFileSync(path.join(dir, 'cosign.pub'), pair.publicKeyPem);
      },
    };

    describe.each(COSIGN_VERSIONS.map((v) => [v]))('%s', (version: CosignVersion) => {
      test.each(Object.keys(sources))('a key pair from our %s: cosign public-key prints exactly our cosign.pub, cosign sign --key signs, cosign verify accepts it', async (source) => {
        const dir = tempDir('isb-ourkeys-');
        await sources[source](dir);
        const ourPub = fs.readFileSync(path.join(dir, 'cosign.pub'), 'utf8');
        const theirPub = await cosignPublicKey(version, path.join(dir, 'cosign.key'), PASSWORD);
        expect(theirPub).toBe(ourPub); // byte for byte, not just the same key
        expect(spki(theirPub)).toBe(spki(ourPub));

        const img = await pushTinyImage(reg, `keys/${version.replace('.', '')}`, `ours-${source.length}`, `${version} ${source}\n`);
        const ref = `${reg.host}/keys/${version.replace('.', '')}@${img.digest}`;
        ok(await cosignSign(version, ref, { key: path.join(dir, 'cosign.key'), password: PASSWORD }));
        ok(await cosignVerify(version, ref, { key: path.join(dir, 'cosign.pub') }));
        // a wrong password is refused by cosign (the key really is encrypted with ours)
        const wrong = await cosignSign(version, ref, { key: path.join(dir, 'cosign.key'), password: 'not-it' });
        expect(wrong.code).not.toBe(0);
        expect(wrong.stderr).toMatch(/decrypt/i);
      });

      test('a key pair from cosign generate-key-pair: our loader reads it, same public key, our checks accept it as the repository key', async () => {
        const { dir, key, pub } = await cosignGenerateKeyPair(version, PASSWORD);
        const theirPub = fs.readFileSync(pub, 'utf8');
        const ours = await publicKeyFromPrivate(fs.readFileSync(key, 'utf8'), PASSWORD);
        expect(spki(ours)).toBe(spki(theirPub));
        expect(ours).toBe(theirPub);

        const cfg = keyConfig({ signing: { mode: 'key', key: { publicKeyFile: 'cosign.pub', privateKeyFile: 'cosign.key' } } });
        const model = () => new ImageSigningBlueprint({ config: cfg, baseDir: dir })._model();
        const good = await checkKeyPair(model(), { COSIGN_PASSWORD: PASSWORD });
        expect(good.status).toBe('match');
        fs.writeFileSync(path.join(dir, 'blueprint.yaml'), stringify(cfg));
        fs.writeFileSync(path.join(dir, '.gitignore'), 'cosign.key\n');
        const checked = await checkFindings(dir, { COSIGN_PASSWORD: PASSWORD });
        expect(checked.findings.filter((f) => f.id === 'ISB-KEY-001')).toEqual([]);

        // the check can fail: another cosign.pub next to cosign's cosign.key is a mismatch
        const other = await cosignGenerateKeyPair(version, PASSWORD);
        fs.copyFileSync(other.pub, path.join(dir, 'cosign.pub'));
        const bad = await checkKeyPair(model(), { COSIGN_PASSWORD: PASSWORD });
        expect(bad.status).toBe('mismatch');
      });
    });
  });
});
