import { KeyObject } from 'node:crypto';
import { bundleToJSON } from '@sigstore/bundle';
import { DSSEBundleBuilder } from '@sigstore/sign';
import { decryptPrivateKey, generateKeyPair, signWith } from '../../src/keys/key-pair';
import { pushBlob, pushManifest, sha256, TestRegistry } from '../support/registry';

/*
 * Test-side signers, independent of src/verify: cosign's legacy `.sig` layout written by hand
 * after cosign-formats.md §b, v0.3 bundles from @sigstore/sign pushed as referrers (§c).
 */

export interface TestKey {
  readonly privateKey: KeyObject;
  readonly publicKeyPem: string;
}

/** a cosign key pair from src/keys (encrypted, then decrypted as `cosign sign` would) */
export async function newCosignKey(): Promise<TestKey> {
  const pair = await generateKeyPair({ password: 'test-password', scryptN: 32768 });
  return { privateKey: await decryptPrivateKey(pair.privateKeyPem, 'test-password'), publicKeyPem: pair.publicKeyPem };
}

/** cosign's simple-signing payload, byte-exact Go json.Marshal output (key order, compact, optional null) */
export function simpleSigningPayload(dockerReference: string, digest: string): Buffer {
  return Buffer.from(`{"critical":{"identity":{"docker-reference":"${dockerReference}"},"image":{"docker-manifest-digest":"${digest}"},`
    + '"type":"cosign container image signature"},"optional":null}');
}

export interface SigLayer {
  readonly payload: Buffer;
  /** base64 of the DER signature, as in dev.cosignproject.cosign/signature */
  readonly signature: string;
  readonly annotations?: Record<string, string>;
}

export function signLayer(key: TestKey, payload: Buffer): SigLayer {
  return { payload, signature: signWith(key.privateKey, payload).toString('base64') };
}

/** pushes `<repo>:sha256-<hex>.sig` with one simplesigning layer per signature */
export async function pushLegacySignature(reg: TestRegistry, repo: string, imageDigest: string, layers: SigLayer[]): Promise<string> {
  return pushCosignLayers(reg, repo, imageDigest, 'sig', layers.map((l) => ({
    blob: l.payload,
    mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json',
    annotations: { 'dev.cosignproject.cosign/signature': l.signature, ...(l.annotations ?? {}) },
  })));
}

export interface AttLayer {
  /** the DSSE envelope JSON */
  readonly envelope: Buffer;
  readonly predicateType: string;
  readonly annotations?: Record<string, string>;
}

/** pushes `<repo>:sha256-<hex>.att` with one DSSE layer per attestation (cosign attest --new-bundle-format=false, cosign-formats.md §c) */
export async function pushLegacyAttestation(reg: TestRegistry, repo: string, imageDigest: string, layers: AttLayer[]): Promise<string> {
  return pushCosignLayers(reg, repo, imageDigest, 'att', layers.map((l) => ({
    blob: l.envelope,
    mediaType: 'application/vnd.dsse.envelope.v1+json',
    annotations: { 'predicateType': l.predicateType, 'dev.cosignproject.cosign/signature': '', ...(l.annotations ?? {}) },
  })));
}

async function pushCosignLayers(reg: TestRegistry, repo: string, imageDigest: string, suffix: string,
  layers: { blob: Buffer; mediaType: string; annotations: Record<string, string> }[]): Promise<string> {
  const descs = [];
  for (const l of layers) {
    const b = await pushBlob(reg, repo, l.blob);
    descs.push({ mediaType: l.mediaType, size: b.size, digest: b.digest, annotations: l.annotations });
  }
  const config = Buffer.from(JSON.stringify({
    architecture: '',
    created: '0001-01-01T00:00:00Z',
    history: descs.map(() => ({ created: '0001-01-01T00:00:00Z' })),
    os: '',
    rootfs: { type: 'layers', diff_ids: descs.map((d) => d.digest) },
    config: {},
  }));
  const c = await pushBlob(reg, repo, config);
  const manifest = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', size: c.size, digest: c.digest },
    layers: descs,
  };
  return pushManifest(reg, repo, `${imageDigest.replace(':', '-')}.${suffix}`, manifest);
}

/** an in-toto statement about the image, signed as a DSSE v0.3 bundle with a plain key (no witnesses) */
export async function keyBundle(key: TestKey, imageDigest: string, imageName: string, predicateType = 'https://sigstore.dev/cosign/sign/v1'): Promise<any> {
  const statement = {
    _type: 'https://in-toto.io/Statement/v1',
    subject: [{ name: imageName, digest: { sha256: imageDigest.replace(/^sha256:/, '') } }],
    predicateType,
    predicate: {},
  };
  const builder = new DSSEBundleBuilder({
    signer: {
      sign: async (data: Buffer) => ({
        signature: signWith(key.privateKey, data),
        key: { $case: 'publicKey', publicKey: key.publicKeyPem, hint: 'test-key' },
      }),
    },
    witnesses: [],
  });
  const bundle = await builder.create({ data: Buffer.from(JSON.stringify(statement)), type: 'application/vnd.in-toto+json' });
  return bundleToJSON(bundle);
}

/**
 * pushes the bundle as an OCI 1.1 referrer manifest (artifactType, subject, empty config) and
 * maintains the referrers fallback tag `sha256-<hex>` index, as @sigstore/oci / cosign v3 do
 * against a registry without the referrers API.
 */
export async function pushBundleReferrer(reg: TestRegistry, repo: string, subject: { digest: string; size: number; mediaType: string },
  bundleJson: unknown, predicateType = 'https://sigstore.dev/cosign/sign/v1'): Promise<string> {
  const artifactType = 'application/vnd.dev.sigstore.bundle.v0.3+json';
  const bundleBytes = Buffer.from(JSON.stringify(bundleJson));
  const empty = await pushBlob(reg, repo, Buffer.from('{}'));
  const layer = await pushBlob(reg, repo, bundleBytes);
  const annotations = { 'dev.sigstore.bundle.content': 'dsse-envelope', 'dev.sigstore.bundle.predicateType': predicateType };
  const manifest = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    artifactType,
    config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: empty.digest, size: empty.size },
    layers: [{ mediaType: artifactType, digest: layer.digest, size: layer.size }],
    subject,
    annotations,
  };
  const bytes = Buffer.from(JSON.stringify(manifest));
  const digest = await pushManifest(reg, repo, sha256(bytes), manifest);
  const fallbackTag = subject.digest.replace(':', '-');
  const existing = await fetch(`${reg.baseUrl}/v2/${repo}/manifests/${fallbackTag}`, {
    headers: { Accept: 'application/vnd.oci.image.index.v1+json', ...(reg.auth ? { Authorization: `Basic ${Buffer.from(`${reg.auth.username}:${reg.auth.password}`).toString('base64')}` } : {}) },
  });
  const index = existing.status === 200 ? await existing.json() as any : { schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [] };
  index.manifests.push({ mediaType: manifest.mediaType, digest, size: bytes.length, artifactType, annotations });
  await pushManifest(reg, repo, fallbackTag, index);
  return digest;
}
