import * as fs from 'node:fs';
import { Op, TerraformVariable } from 'cdktf';
import { Construct } from 'constructs';
import type { SealedSigningSecrets } from './sealed-secrets';
import { SECRET_NAMES, TF_VARIABLES } from './secrets';
import { SecretScope, SigningMode } from '../config/types';
import { BlueprintError } from '../errors';
import { ActionsPublicKeyModel, BlueprintModel, KeyModel, RepositoryModel } from '../model/model';
import { modelForRepository } from '../model/signers';

/*
 * GitHub Actions secret values sealed at synth: a libsodium sealed box (`crypto_box_seal`:
 * ephemeral X25519 key + XSalsa20-Poly1305, nonce = BLAKE2b(epk || pk)) to the Actions secrets
 * public key of the repository, environment or organization, base64 (standard, padded), which is
 * what the GitHub API's and the Terraform provider's `encrypted_value` take. Only GitHub can open it.
 * Internal: not part of the jsii API.
 */

/** Environment variable holding the private key's password (cosign's own name). */
export const PASSWORD_ENV = 'COSIGN_PASSWORD';

/** Largest cosign.key read: a cosign key is well under 2 KB. */
const MAX_PRIVATE_KEY_BYTES = 64 * 1024;

type Sodium = typeof import('libsodium-wrappers');
let sodium: Sodium | undefined;
let loading: Promise<Sodium> | undefined;

/**
 * Loads and initialises libsodium (WebAssembly, asynchronous). Synth seals synchronously, so
 * callers that may seal (the CLI's synth, tests) await this once before rendering.
 */
export function sealedBoxReady(): Promise<void> {
  if (!loading) {
    loading = (async () => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const lib: Sodium = require('libsodium-wrappers');
      await lib.ready;
      sodium = lib;
      return lib;
    })();
  }
  return loading.then(() => undefined);
}

/** True once sealedBoxReady() has resolved. */
export function isSealedBoxReady(): boolean {
  return sodium !== undefined;
}

/** Decodes a GitHub Actions public key (base64 of 32 bytes); `SEALED_BOX_BAD_KEY` otherwise. */
export function decodeActionsPublicKey(keyB64: string, where = 'Actions public key'): Uint8Array {
  const bytes = /^[A-Za-z0-9+/]{43}=$/.test(keyB64) ? Buffer.from(keyB64, 'base64') : Buffer.alloc(0);
  if (bytes.length !== 32) {
    throw new BlueprintError('SEALED_BOX_BAD_KEY', `${where} is not base64 of a 32-byte X25519 public key`,
      { path: where, fix: 'copy "key" from `gh api repos/OWNER/REPO/actions/secrets/public-key`' });
  }
  return new Uint8Array(bytes);
}

/**
 * Seals `plaintext` to a GitHub Actions public key (`crypto_box_seal`); returns standard base64.
 * Synchronous: throws `SEALED_BOX_NOT_READY` unless sealedBoxReady() has resolved.
 */
export function sealForGitHub(plaintext: string | Uint8Array, actionsPublicKeyB64: string, where?: string): string {
  if (!sodium) {
    throw new BlueprintError('SEALED_BOX_NOT_READY',
      'libsodium is not initialised, so the secrets cannot be sealed to the Actions public key',
      { fix: 'await sealedBoxReady() (src/github/sealed-box) before rendering or synthesizing' });
  }
  const key = decodeActionsPublicKey(actionsPublicKeyB64, where);
  const message = typeof plaintext === 'string' ? new Uint8Array(Buffer.from(plaintext, 'utf8')) : plaintext;
  return Buffer.from(sodium.crypto_box_seal(message, key)).toString('base64');
}

/** The plaintext inputs of the sealed secrets; read at synth, never kept in the model. */
export interface SecretSources {
  readonly privateKeyPem: string;
  readonly password: string;
}

/**
 * Reads the private key (the encrypted PEM file as-is: what cosign reads from COSIGN_PRIVATE_KEY)
 * and COSIGN_PASSWORD. Sealing was asked for (an Actions public key is configured), so a missing
 * input is an error rather than a silent fallback to plaintext Terraform variables:
 * `SECRET_SOURCE_MISSING` naming the config path or the environment variable.
 */
export function readSecretSources(model: BlueprintModel, env: Record<string, string | undefined>, sealedFor: string): SecretSources {
  const key = model.signing.key;
  if (!key) throw new BlueprintError('SECRET_SOURCE_MISSING', 'key-based signing is not configured; there are no secrets to seal');
  if (key.privateKeyFile === undefined) {
    throw new BlueprintError('SECRET_SOURCE_MISSING',
      `${key.configPath}.privateKeyFile is not set, but ${sealedFor} asks synth to seal the signing secrets`,
      { path: `${key.configPath}.privateKeyFile`, fix: `name cosign.key in signing.key.privateKeyFile, or remove ${sealedFor} to provide the secrets as sensitive Terraform variables at apply time` });
  }
  const rel = key.privateKeyFileRel ?? 'cosign.key';
  let privateKeyPem: string;
  try {
    const st = fs.statSync(key.privateKeyFile);
    if (!st.isFile() || st.size > MAX_PRIVATE_KEY_BYTES) throw new Error('not a key file');
    privateKeyPem = fs.readFileSync(key.privateKeyFile, 'utf8');
  } catch {
    throw new BlueprintError('SECRET_SOURCE_MISSING', `${key.configPath}.privateKeyFile (${rel}) cannot be read as a cosign private key file`,
      { path: `${key.configPath}.privateKeyFile`, fix: 'point it at the cosign.key written by `image-signing-blueprint keygen` or `cosign generate-key-pair`' });
  }
  if (!/-----BEGIN ENCRYPTED (SIGSTORE|COSIGN) PRIVATE KEY-----/.test(privateKeyPem)) {
    throw new BlueprintError('SECRET_SOURCE_MISSING',
      `${key.configPath}.privateKeyFile (${rel}) is not an encrypted cosign private key (ENCRYPTED SIGSTORE/COSIGN PRIVATE KEY PEM)`,
      { path: `${key.configPath}.privateKeyFile`, fix: 'import a plain key with `cosign import-key-pair` first; never store an unencrypted key in a secret' });
  }
  const password = env[PASSWORD_ENV];
  if (password === undefined) {
    throw new BlueprintError('SECRET_SOURCE_MISSING',
      `${PASSWORD_ENV} is not set, but ${sealedFor} asks synth to seal the signing secrets`,
      { path: PASSWORD_ENV, fix: `export ${PASSWORD_ENV} (the password of cosign.key) for the synth, or remove ${sealedFor}` });
  }
  return { privateKeyPem, password };
}

/** Seals the three signing secrets to one Actions public key. */
export function sealSigningSecrets(sources: SecretSources, publicKeyPem: string, to: ActionsPublicKeyModel): SealedSigningSecrets {
  return {
    keyId: to.keyId,
    key: to.key,
    privateKey: sealForGitHub(sources.privateKeyPem, to.key, to.path),
    password: sealForGitHub(sources.password, to.key, to.path),
    publicKey: sealForGitHub(publicKeyPem, to.key, to.path),
  };
}

/** Where each stack's secrets are sealed to, or undefined when they stay Terraform variables. */
export interface SealingPlan {
  /** secretScope organization: the organization stack's sealed secrets */
  readonly organization?: SealedSigningSecrets;
  /** repository/environment scope: sealed secrets by repository name */
  readonly repositories: ReadonlyMap<string, SealedSigningSecrets>;
}

/**
 * Seals the secrets wherever the config gives an Actions public key (reads cosign.key and
 * COSIGN_PASSWORD once). Nothing is read when no key is given.
 */
export function planSealing(model: BlueprintModel, env: Readonly<Record<string, string | undefined>>): SealingPlan {
  const repositories = new Map<string, SealedSigningSecrets>();
  // cosign.key and COSIGN_PASSWORD are read once per key (repositories may have their own keys)
  const sources = new Map<KeyModel, SecretSources>();
  const sourcesFor = (r: RepositoryModel, key: KeyModel, path: string) => {
    let s = sources.get(key);
    if (!s) {
      s = readSecretSources(modelForRepository(model, r), env, path);
      sources.set(key, s);
    }
    return s;
  };
  let organization: SealedSigningSecrets | undefined;
  for (const r of model.repositories) {
    const key = r.signing.key;
    if (r.signing.mode !== SigningMode.KEY || !key || key.kms) continue;
    if (key.secretScope === SecretScope.ORGANIZATION) {
      const org = key.organizationActionsPublicKey;
      if (org && !organization) organization = sealSigningSecrets(sourcesFor(r, key, org.path), key.publicKey!.pem, org);
      continue;
    }
    const to = key.repositoryActionsPublicKeys.get(r.name);
    if (to) repositories.set(r.name, sealSigningSecrets(sourcesFor(r, key, to.path), key.publicKey!.pem, to));
  }
  return { organization, repositories };
}

/** Whether synth will seal anything for this model (a key signer with an Actions public key): only then is libsodium needed. */
export function sealingNeeded(model: BlueprintModel): boolean {
  return model.repositories.some((r) => {
    const key = r.signing.key;
    if (r.signing.mode !== SigningMode.KEY || !key || key.kms) return false;
    return key.secretScope === SecretScope.ORGANIZATION
      ? key.organizationActionsPublicKey !== undefined
      : key.repositoryActionsPublicKeys.has(r.name);
  });
}

/** One Actions secret's value: exactly one of plaintextValue (a variable or the public key) and encryptedValue. */
export interface SecretValue {
  readonly name: string;
  readonly plaintextValue?: string;
  readonly encryptedValue?: string;
}

/**
 * The values of COSIGN_PRIVATE_KEY, COSIGN_PASSWORD and COSIGN_PUBLIC_KEY for a stack: sealed
 * ciphertexts when given, otherwise sensitive Terraform variables (created in `scope`) for the
 * private key and password and the public key PEM as-is.
 */
export function signingSecretValues(
  scope: Construct, publicKeyPem: string, sealed?: SealedSigningSecrets,
): { values: SecretValue[]; variables: string[] } {
  if (sealed) {
    return {
      values: [
        { name: SECRET_NAMES.privateKey, encryptedValue: sealed.privateKey },
        { name: SECRET_NAMES.password, encryptedValue: sealed.password },
        { name: SECRET_NAMES.publicKey, encryptedValue: sealed.publicKey },
      ],
      variables: [],
    };
  }
  const privateKey = new TerraformVariable(scope, TF_VARIABLES.privateKey, {
    type: 'string',
    sensitive: true,
    nullable: false,
    description: 'cosign.key (ENCRYPTED SIGSTORE PRIVATE KEY PEM). Set TF_VAR_cosign_private_key="$(cat cosign.key)" at apply time.',
  });
  const password = new TerraformVariable(scope, TF_VARIABLES.password, {
    type: 'string',
    sensitive: true,
    nullable: false,
    description: 'Password of cosign.key. Set TF_VAR_cosign_password at apply time.',
  });
  return {
    values: [
      { name: SECRET_NAMES.privateKey, plaintextValue: privateKey.stringValue },
      { name: SECRET_NAMES.password, plaintextValue: password.stringValue },
      { name: SECRET_NAMES.publicKey, plaintextValue: publicKeyPem },
    ],
    variables: [TF_VARIABLES.privateKey, TF_VARIABLES.password],
  };
}

/**
 * A lifecycle precondition: the Actions public key GitHub reports at apply time is the one the
 * values were sealed to. The provider pairs `encrypted_value` with the key id it fetches itself,
 * so after a key change at GitHub the apply stops here instead of storing secrets GitHub cannot open.
 */
export function sealedKeyPrecondition(current: { keyId: string; key: string }, sealed: SealedSigningSecrets, where: string): any {
  return {
    precondition: [{
      condition: Op.and(Op.eq(current.keyId, sealed.keyId), Op.eq(current.key, sealed.key)),
      errorMessage: `The Actions secrets public key of ${where} is no longer key_id ${sealed.keyId}, the key the secrets were sealed to at synth. `
        + 'Fetch the current key with gh api, update actionsPublicKey in the blueprint and synthesize again.',
    }],
  };
}
