import * as fs from 'node:fs';
import * as path from 'node:path';
import { memoryIo } from '../../src/cli/io';
import { main } from '../../src/cli/main';
import { loadConfigFile } from '../../src/config/load';
import { DEFAULT_COSIGN_VERSION, INSTALLER_DEFAULT_COSIGN } from '../../src/config/pins';
import { buildModel } from '../../src/model/build';
import { newPublicKeyPem, tempDir } from '../support/fixtures';

describe('init writes the cosign defaults synth would choose', () => {
  test.each([
    // the starter targets Kyverno 1.16 ClusterPolicy: key-signed bundles need 1.19, keyless ones 1.13
    ['key', 'legacy'],
    ['keyless', 'bundle'],
  ])('--mode %s: the installer pin\'s cosign release, signatureFormat %s', async (mode, format) => {
    const dir = tempDir();
    expect(await main(['init', '--mode', mode], memoryIo({ cwd: dir }))).toBe(0);
    const file = path.join(dir, 'blueprint.yaml');
    const loaded = loadConfigFile(file);
    const cosign = loaded.config.signing!.cosign!;
    expect(cosign.version).toBe(INSTALLER_DEFAULT_COSIGN['cosign-installer-v4']);
    expect(cosign.version).toBe(DEFAULT_COSIGN_VERSION);
    expect(cosign.signatureFormat).toBe(format);
    expect(loaded.config.github.dependabot).toBe(true);
    // the same as leaving both out
    const { cosign: _, ...signing } = loaded.config.signing as any;
    fs.writeFileSync(path.join(dir, 'cosign.pub'), newPublicKeyPem());
    const model = buildModel({ ...loaded.config, signing } as any, { baseDir: dir }, undefined);
    expect(model.signing.signatureFormat).toBe(format);
    expect(model.signing.cosignVersion.text).toBe(DEFAULT_COSIGN_VERSION);
  });
});
