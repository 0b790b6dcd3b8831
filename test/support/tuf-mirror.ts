import { createHash, generateKeyPairSync, KeyObject, sign } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir } from './fixtures';
import { jcs } from './test-rekor';

/**
 * A private TUF repository on disk, as an air-gapped cluster would mirror one: one ed25519 key for
 * all four roles, `consistent_snapshot: false`, and the Rekor and CT log public keys as targets
 * with the custom metadata cosign reads (`{"sigstore": {"usage": "Rekor"|"CTFE", "status":
 * "Active"}}`, cosign pkg/cosign/tlog.go `GetRekorPubs`). The metadata follow TUF 1.0 as the
 * go-tuf v0.7 client reads it (client/client.go `Update`: timestamp → snapshot → targets; keys
 * identified by the sha256 of their canonical JSON; signatures over the canonical JSON of
 * `signed`). sigstore's pkg/tuf takes a `file://` mirror as a local remote store
 * (pkg/tuf/client.go `remoteFromMirror`), so no server is needed: Kyverno's IVP attestor
 * `tuf: {mirror: file://…, root: {data: base64(root.json)}}` initializes from it offline.
 */
export interface TufMirror {
  /** `file:///…` */
  readonly mirror: string;
  /** root.json, base64 (the attestor's `tuf.root.data`) */
  readonly rootBase64: string;
  readonly dir: string;
}

/** canonical JSON (securesystemslib cjson): sorted keys, no whitespace; for TUF metadata (no undefined values) the same as JCS */
const cjson = jcs;

function signed(body: unknown, keyId: string, key: KeyObject): Buffer {
  const sig = sign(null, Buffer.from(cjson(body)), key).toString('hex');
  return Buffer.from(JSON.stringify({ signed: body, signatures: [{ keyid: keyId, sig }] }));
}

const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
const sha512 = (b: Buffer | string) => createHash('sha512').update(b).digest('hex');

/** Writes the repository; `rekorPubPem`/`ctfePubPem` become its targets. */
export function writeTufMirror(rekorPubPem: string, ctfePubPem: string, expires = '2030-01-01T00:00:00Z'): TufMirror {
  const dir = tempDir('isb-tuf-');
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32).toString('hex');
  const pub = { keytype: 'ed25519', scheme: 'ed25519', keyid_hash_algorithms: ['sha256', 'sha512'], keyval: { public: raw } };
  const keyId = sha256(cjson(pub));
  const role = { keyids: [keyId], threshold: 1 };
  const root = {
    _type: 'root',
    spec_version: '1.0',
    version: 1,
    expires,
    consistent_snapshot: false,
    keys: { [keyId]: pub },
    roles: { root: role, targets: role, snapshot: role, timestamp: role },
  };
  const targetFiles: Record<string, { content: string; usage: string }> = {
    'rekor.pub': { content: rekorPubPem, usage: 'Rekor' },
    'ctfe.pub': { content: ctfePubPem, usage: 'CTFE' },
  };
  fs.mkdirSync(path.join(dir, 'targets'));
  const targets: Record<string, unknown> = {};
  for (const [name, t] of Object.entries(targetFiles)) {
    fs.writeFileSync(path.join(dir, 'targets', name), t.content);
    targets[name] = {
      length: Buffer.byteLength(t.content),
      hashes: { sha256: sha256(t.content), sha512: sha512(t.content) },
      custom: { sigstore: { usage: t.usage, status: 'Active' } },
    };
  }
  const targetsJson = signed({ _type: 'targets', spec_version: '1.0', version: 1, expires, targets }, keyId, privateKey);
  const snapshotJson = signed({
    _type: 'snapshot',
    spec_version: '1.0',
    version: 1,
    expires,
    meta: { 'targets.json': { version: 1, length: targetsJson.length, hashes: { sha256: sha256(targetsJson) } } },
  }, keyId, privateKey);
  const timestampJson = signed({
    _type: 'timestamp',
    spec_version: '1.0',
    version: 1,
    expires,
    meta: { 'snapshot.json': { version: 1, length: snapshotJson.length, hashes: { sha256: sha256(snapshotJson) } } },
  }, keyId, privateKey);
  const rootJson = signed(root, keyId, privateKey);
  fs.writeFileSync(path.join(dir, 'root.json'), rootJson);
  fs.writeFileSync(path.join(dir, '1.root.json'), rootJson);
  fs.writeFileSync(path.join(dir, 'targets.json'), targetsJson);
  fs.writeFileSync(path.join(dir, 'snapshot.json'), snapshotJson);
  fs.writeFileSync(path.join(dir, 'timestamp.json'), timestampJson);
  return { mirror: `file://${dir}`, rootBase64: rootJson.toString('base64'), dir };
}
