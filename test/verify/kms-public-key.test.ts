import { spawn, ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { policyKmsKeys } from '../../src/verify/admission';
import { fetchKmsPublicKey } from '../../src/verify/kms-public-key';
import { signingKey, signRequest } from '../../src/verify/sigv4';

describe('SigV4 (the AWS documentation vector: IAM ListUsers, 2015-08-30T12:36:00Z)', () => {
  const creds = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
  test('signing key and Authorization header match the published values', () => {
    expect(signingKey(creds.secretAccessKey, '20150830', 'us-east-1', 'iam').toString('hex'))
      .toBe('c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9');
    const h = signRequest({
      method: 'GET',
      host: 'iam.amazonaws.com',
      path: '/',
      query: 'Action=ListUsers&Version=2010-05-08',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8' },
    }, creds, { region: 'us-east-1', service: 'iam', now: new Date('2015-08-30T12:36:00Z') });
    expect(h.authorization).toBe('AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, '
      + 'SignedHeaders=content-type;host;x-amz-date, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7');
  });
  test('a session token is signed', () => {
    const h = signRequest({ method: 'POST', host: 'kms.eu-west-1.amazonaws.com', path: '/', body: '{}' }, { ...creds, sessionToken: 'tok' }, { region: 'eu-west-1', service: 'kms' });
    expect(h['x-amz-security-token']).toBe('tok');
    expect(h.authorization).toContain('SignedHeaders=host;x-amz-date;x-amz-security-token');
  });
});

describe('verify --key <kms-uri>: the CA bundle variables of the provider clients', () => {
  test.each([
    ['awskms://127.0.0.1:9/alias/x', { AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 'b', AWS_REGION: 'eu-west-1', AWS_CA_BUNDLE: '/nonexistent/ca.pem' }, 'AWS_CA_BUNDLE'],
    ['hashivault://k', { VAULT_ADDR: 'https://127.0.0.1:9', VAULT_TOKEN: 't', VAULT_CACERT: '/nonexistent/ca.pem' }, 'VAULT_CACERT'],
  ])('%s: an unreadable CA bundle (its variable) is named, before any connection', async (uri, env, variable) => {
    await expect(fetchKmsPublicKey(uri, env)).rejects.toMatchObject({
      code: 'VERIFY_OPTIONS_INVALID', message: expect.stringContaining(`${variable}=/nonexistent/ca.pem cannot be read (ENOENT)`),
    });
  });
});

describe('verify --key <kms-uri>: what it needs is named', () => {
  test.each([
    ['awskms:///alias/x', {}, /AWS_ACCESS_KEY_ID.*AWS_REGION/],
    ['hashivault://k', {}, /VAULT_ADDR and VAULT_TOKEN/],
    ['gcpkms://projects/p/locations/l/keyRings/r/cryptoKeys/k', { GOOGLE_APPLICATION_CREDENTIALS: '/x' }, /cosign public-key --key gcpkms:/],
    ['azurekms://v.vault.azure.net/k', {}, /cosign public-key --key azurekms:/],
  ])('%s', async (uri, env, fix) => {
    await expect(fetchKmsPublicKey(uri, env)).rejects.toMatchObject({ code: 'VERIFY_OPTIONS_INVALID', fix: expect.stringMatching(fix) });
  });
});

/*
 * A stand-in for Vault's transit read endpoint only (GET /v1/<mount>/keys/<name>, the JSON shape of
 * Vault's API docs), to pin the mount, version and token handling in a fast test; the same read
 * against a real OpenBao server is in test/kms/kms-vault-live.test.ts. It checks the token header.
 */
describe('Vault transit read (stand-in for the one endpoint)', () => {
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  let server: http.Server;
  let addr = '';
  const seen: string[] = [];
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      seen.push(`${req.method} ${req.url} ${req.headers['x-vault-token']}`);
      if (req.headers['x-vault-token'] !== 's.test') { res.writeHead(403); res.end('{"errors":["permission denied"]}'); return; }
      if (req.url !== '/v1/signing/keys/image-signing') { res.writeHead(404); res.end('{"errors":[]}'); return; }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ data: { type: 'ecdsa-p256', latest_version: 2, keys: { 1: { public_key: 'old' }, 2: { public_key: pem } } } }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    addr = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => server.close());

  test('reads the latest version of the key from the configured mount', async () => {
    const got = await fetchKmsPublicKey('hashivault://image-signing', { VAULT_ADDR: addr, VAULT_TOKEN: 's.test', TRANSIT_SECRET_ENGINE_PATH: 'signing' });
    expect(got).toBe(pem);
    expect(seen.at(-1)).toBe('GET /v1/signing/keys/image-signing s.test');
  });
  test('a refused token is an error with the HTTP status', async () => {
    await expect(fetchKmsPublicKey('hashivault://image-signing', { VAULT_ADDR: addr, VAULT_TOKEN: 'wrong', TRANSIT_SECRET_ENGINE_PATH: 'signing' }))
      .rejects.toThrow(/HTTP 403/);
  });
});

/* AWS KMS GetPublicKey against moto in server mode (PyPI moto[server] 5.x) on 127.0.0.1. */
// ISB_MOTO_SERVER: where .ci/run installed it (a venv in the machine cache)
const MOTO = process.env.ISB_MOTO_SERVER ?? path.resolve(__dirname, '..', '..', 'interop', '.venv-kms', 'bin', 'moto_server');
const haveMoto = fs.existsSync(MOTO);
if (!haveMoto) {
  if (process.env.CI === 'true') throw new Error(`moto_server missing at ${MOTO}: python3 -m venv interop/.venv-kms && interop/.venv-kms/bin/pip install 'moto[server]>=5,<6'`);
  // eslint-disable-next-line no-console
  console.warn(`SKIPPED: AWS KMS GetPublicKey against moto (no ${MOTO}; install moto[server] 5.x into interop/.venv-kms)`);
}
(haveMoto ? describe : describe.skip)('AWS KMS GetPublicKey against moto', () => {
  let moto: ChildProcess;
  let endpoint = '';
  const env = { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_REGION: 'eu-west-1' };
  beforeAll(async () => {
    const port = 20000 + Math.floor(Math.random() * 20000);
    moto = spawn(MOTO, ['-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
    endpoint = `http://127.0.0.1:${port}`;
    for (let i = 0; i < 100; i++) {
      try { await fetch(`${endpoint}/moto-api/`); return; } catch { await new Promise((r) => setTimeout(r, 200)); }
    }
    throw new Error('moto did not start');
  }, 30_000);
  afterAll(() => { moto?.kill(); });

  test('the public key of an alias equals the one moto created', async () => {
    // create the key and alias through the same signed JSON API
    const callKms = async (target: string, body: any) => {
      const u = new URL(endpoint);
      const text = JSON.stringify(body);
      const headers = signRequest({ method: 'POST', host: u.host, path: '/', headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `TrentService.${target}` }, body: text },
        { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY }, { region: env.AWS_REGION, service: 'kms' });
      delete headers.host;
      const res = await fetch(endpoint, { method: 'POST', headers, body: text });
      expect(res.status).toBe(200);
      return res.json() as Promise<any>;
    };
    const created = await callKms('CreateKey', { KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' });
    await callKms('CreateAlias', { AliasName: 'alias/isb-test', TargetKeyId: created.KeyMetadata.KeyId });
    const direct = await callKms('GetPublicKey', { KeyId: created.KeyMetadata.KeyId });
    const pem = await fetchKmsPublicKey('awskms:///alias/isb-test', { ...env, AWS_ENDPOINT_URL_KMS: endpoint });
    expect(pem).toContain('BEGIN PUBLIC KEY');
    expect(pem.replace(/-----[^-]+-----|\s/g, '')).toBe(direct.PublicKey);
  }, 30_000);
});

describe('verify --config: the KMS keys policies name', () => {
  test('Kyverno keys.kms, ImageValidatingPolicy cosign.key.kms and CIP key.kms are found, once each; PEM keys are not', () => {
    const objects = [
      { kind: 'ClusterPolicy', spec: { rules: [{ verifyImages: [{ attestors: [{ entries: [{ keys: { kms: 'awskms:///alias/a' } }, { keys: { publicKeys: 'PEM' } }] }] }] }] } },
      { kind: 'ImageValidatingPolicy', spec: { attestors: [{ name: 'k', cosign: { key: { kms: 'hashivault://b' } } }] } },
      { kind: 'ClusterImagePolicy', spec: { authorities: [{ key: { kms: 'awskms:///alias/a' } }, { key: { data: 'PEM' } }] } },
    ];
    expect(policyKmsKeys(objects)).toEqual(['awskms:///alias/a', 'hashivault://b']);
  });
});
