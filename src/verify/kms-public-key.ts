import { createPublicKey } from 'node:crypto';
import { kmsHttp, readCaBundle } from './kms-http';
import { signRequest } from './sigv4';
import { KmsProvider, parseKmsUri } from '../config/kms-uri';
import { BlueprintError } from '../errors';

/*
 * `verify --key <kms-uri>`: the public key of a KMS key, read with the provider's own API where
 * credentials are in the environment (the variables cosign's clients read), else a clear error.
 * - AWS KMS GetPublicKey (JSON 1.1 protocol, SigV4): AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
 *   [AWS_SESSION_TOKEN], region from the key ARN or AWS_REGION / AWS_DEFAULT_REGION; endpoint from
 *   the URI (`awskms://HOST:PORT/…`, https as cosign), AWS_ENDPOINT_URL_KMS / AWS_ENDPOINT_URL, or
 *   `kms.<region>.amazonaws.com`; AWS_CA_BUNDLE: the CA certificates to trust (as the AWS SDK).
 * - Vault transit `GET /v1/<mount>/keys/<name>`: VAULT_ADDR, VAULT_TOKEN, [TRANSIT_SECRET_ENGINE_PATH,
 *   VAULT_NAMESPACE, VAULT_CACERT]; the latest version's `public_key` PEM.
 * - gcpkms/azurekms: not fetched here (their APIs need OAuth token flows); export the key.
 */

type Env = Readonly<Record<string, string | undefined>>;

function fail(message: string, fix: string): never {
  throw new BlueprintError('VERIFY_OPTIONS_INVALID', message, { fix });
}

function exportHint(uri: string): string {
  return `or export it once with \`cosign public-key --key ${uri} > kms.pub\` and pass --key kms.pub`;
}

/** The PEM public key of a cosign KMS key reference. */
export async function fetchKmsPublicKey(uri: string, env: Env): Promise<string> {
  const parsed = parseKmsUri(uri);
  if (typeof parsed === 'string') fail(`--key ${uri} ${parsed}`, 'pass a cosign KMS URI or a PEM public key file');
  switch (parsed.provider) {
    case KmsProvider.AWS: {
      const id = env.AWS_ACCESS_KEY_ID;
      const secret = env.AWS_SECRET_ACCESS_KEY;
      const region = parsed.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
      if (!id || !secret || !region) {
        fail(`--key ${uri}: reading the public key from AWS KMS needs credentials and a region`,
          `set AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN) and AWS_REGION, ${exportHint(uri)}`);
      }
      const base = parsed.endpoint ? `https://${parsed.endpoint}` : env.AWS_ENDPOINT_URL_KMS ?? env.AWS_ENDPOINT_URL ?? `https://kms.${region}.amazonaws.com`;
      const url = new URL(base);
      const body = JSON.stringify({ KeyId: parsed.keyId });
      const headers = signRequest({
        method: 'POST',
        host: url.host,
        path: url.pathname || '/',
        headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'TrentService.GetPublicKey' },
        body,
      }, { accessKeyId: id, secretAccessKey: secret, sessionToken: env.AWS_SESSION_TOKEN }, { region, service: 'kms' });
      delete headers.host;
      const res = await call({ method: 'POST', url, headers, body }, uri, ['AWS_CA_BUNDLE', env.AWS_CA_BUNDLE]);
      const der = typeof res.PublicKey === 'string' ? Buffer.from(res.PublicKey, 'base64') : undefined;
      if (!der) fail(`--key ${uri}: AWS KMS answered without a PublicKey`, exportHint(uri));
      return toPem(der, uri);
    }
    case KmsProvider.HASHIVAULT: {
      const addr = env.VAULT_ADDR ?? env.BAO_ADDR;
      const token = env.VAULT_TOKEN ?? env.BAO_TOKEN;
      if (!addr || !token) {
        fail(`--key ${uri}: reading the public key from Vault needs its address and a token`,
          `set VAULT_ADDR and VAULT_TOKEN (and TRANSIT_SECRET_ENGINE_PATH when the mount is not "transit"), ${exportHint(uri)}`);
      }
      const mount = (env.TRANSIT_SECRET_ENGINE_PATH ?? 'transit').replace(/^\/+|\/+$/g, '');
      const headers: Record<string, string> = { 'x-vault-token': token };
      if (env.VAULT_NAMESPACE) headers['x-vault-namespace'] = env.VAULT_NAMESPACE;
      const url = new URL(`${addr.replace(/\/+$/, '')}/v1/${mount}/keys/${encodeURIComponent(parsed.keyId)}`);
      const res = await call({ method: 'GET', url, headers }, uri, env.VAULT_CACERT !== undefined ? ['VAULT_CACERT', env.VAULT_CACERT] : ['BAO_CACERT', env.BAO_CACERT]);
      const data = res.data ?? {};
      const latest = String(data.latest_version ?? '');
      const pem = data.keys?.[latest]?.public_key;
      if (typeof pem !== 'string' || !pem.includes('PUBLIC KEY')) {
        fail(`--key ${uri}: Vault key ${mount}/keys/${parsed.keyId} has no public key (is it an asymmetric signing key, e.g. ecdsa-p256?)`, exportHint(uri));
      }
      return toPem(createPublicKey(pem).export({ type: 'spki', format: 'der' }), uri);
    }
    default:
      return fail(`--key ${uri}: verify does not read ${parsed.provider} keys itself`, `export the public key once with \`cosign public-key --key ${uri} > kms.pub\` and pass --key kms.pub`);
  }
}

async function call(req: { method: 'GET' | 'POST'; url: URL; headers: Record<string, string>; body?: string }, uri: string,
  caVariable: [string, string | undefined]): Promise<any> {
  const host = req.url.host;
  let ca: string | undefined;
  try {
    ca = readCaBundle(caVariable[0], caVariable[1]);
  } catch (e) {
    return fail(`--key ${uri}: ${(e as Error).message}`, `point ${caVariable[0]} at a PEM file of CA certificates, or unset it`);
  }
  let res: { status: number; text: string };
  try {
    res = await kmsHttp({ ...req, ca, timeoutMs: 15_000 });
  } catch (e) {
    return fail(`--key ${uri}: cannot reach ${host}: ${(e as Error).message}`, exportHint(uri));
  }
  if (res.status < 200 || res.status > 299) {
    const detail = res.text.replace(/\s+/g, ' ').slice(0, 300);
    return fail(`--key ${uri}: ${host} answered HTTP ${res.status}: ${detail}`, `check the credentials' access to the key, ${exportHint(uri)}`);
  }
  try {
    return JSON.parse(res.text);
  } catch {
    return fail(`--key ${uri}: ${host} answered with something that is not JSON`, exportHint(uri));
  }
}

function toPem(der: Buffer, uri: string): string {
  try {
    return createPublicKey({ key: der, format: 'der', type: 'spki' }).export({ type: 'spki', format: 'pem' }).toString();
  } catch {
    return fail(`--key ${uri}: the KMS returned a public key that does not parse`, exportHint(uri));
  }
}
