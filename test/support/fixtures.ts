import { generateKeyPairSync } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** A fresh ECDSA P-256 public key PEM (SPKI), as cosign.pub holds. */
export function newPublicKeyPem(): string {
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return publicKey.export({ type: 'spki', format: 'pem' }).toString();
}

export function tempDir(prefix = 'isb-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A folder with cosign.pub (and optionally more files) for config-relative paths. */
export function projectDir(files: Record<string, string> = {}): string {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, 'cosign.pub'), newPublicKeyPem());
  for (const [name, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), content);
  }
  return dir;
}

/** A minimal valid key-based config. */
export function keyConfig(overrides: Record<string, unknown> = {}): any {
  return {
    name: 'acme-web',
    github: { owner: 'acme' },
    repositories: [{ name: 'web', images: ['ghcr.io/acme/web'] }],
    signing: { mode: 'key', key: { publicKeyFile: 'cosign.pub' } },
    ...overrides,
  };
}
