import { spawnSync } from 'node:child_process';
import { createHash, generateKeyPairSync, KeyObject, sign as cryptoSign } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir } from '../support/fixtures';
import { githubWorkflowSan, newPrivateCA, pemToDer, PrivateCA, trustedRootJson as privateTrustedRootJson } from '../support/private-ca';

export { GITHUB_ISSUER, issueLeaf } from '../support/private-ca';
export type { Leaf } from '../support/private-ca';

/*
 * Test-side keyless signing, independent of src/verify: the private "Fulcio" of test/support/private-ca.ts (root + intermediate
 * CA) issued with the openssl CLI, leaf certificates carrying a GitHub Actions URI SAN and the
 * Fulcio OIDC issuer extensions (cosign-formats.md §b: 1.3.6.1.4.1.57264.1.1 raw ASCII, .1.8 a DER
 * UTF8String), signatures and DSSE signatures made by `openssl dgst -sha256 -sign`, and a test
 * "Rekor" key signing SignedEntryTimestamps and checkpoints.
 */

export const WEB_SAN = githubWorkflowSan('acme', 'web', 'build.yml');
export const IN_TOTO = 'application/vnd.in-toto+json';

function openssl(dir: string, args: string[], input?: Buffer): Buffer {
  const r = spawnSync('openssl', args, { cwd: dir, input });
  if (r.status !== 0) throw new Error(`openssl ${args[0]} failed: ${r.stderr.toString()}`);
  return r.stdout;
}

/** the private CA of test/support/private-ca.ts (root + intermediate) */
export type TestCA = PrivateCA;
export const newCA = (name: string): TestCA => newPrivateCA(name);

/** `openssl dgst -sha256 -sign KEY` over the bytes: an ASN.1 DER ECDSA signature */
export function opensslSign(keyFile: string, data: Buffer): Buffer {
  return openssl(path.dirname(keyFile), ['dgst', '-sha256', '-sign', keyFile], data);
}

/** DSSE PAE (cosign-formats.md §c), written out here independently of src/verify */
export function pae(payloadType: string, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`DSSEv1 ${Buffer.byteLength(payloadType)} ${payloadType} ${body.length} `), body]);
}

/** an in-toto statement about the image */
export function statement(imageName: string, digest: string, predicateType: string, predicate: unknown, type = 'https://in-toto.io/Statement/v0.1'): Buffer {
  return Buffer.from(JSON.stringify({
    _type: type,
    predicateType,
    subject: [{ name: imageName, digest: { sha256: digest.replace(/^sha256:/, '') } }],
    predicate,
  }));
}

/** a DSSE envelope over the statement, signed with openssl over the PAE */
export function dsseEnvelope(keyFile: string, body: Buffer): { json: Buffer; sig: Buffer } {
  const sig = opensslSign(keyFile, pae(IN_TOTO, body));
  const env = { payloadType: IN_TOTO, payload: body.toString('base64'), signatures: [{ keyid: '', sig: sig.toString('base64') }] };
  return { json: Buffer.from(JSON.stringify(env)), sig };
}

export interface TestRekor {
  readonly privateKey: KeyObject;
  readonly spkiDer: Buffer;
  readonly publicKeyPem: string;
  /** hex sha256 of the SPKI */
  readonly logID: string;
  readonly baseUrl: string;
}

export function newRekor(): TestRekor {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const spkiDer = publicKey.export({ type: 'spki', format: 'der' });
  return {
    privateKey,
    spkiDer,
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    logID: createHash('sha256').update(spkiDer).digest('hex'),
    baseUrl: 'https://rekor.isb-test.invalid',
  };
}

const sha256hex = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** Rekor entry bodies (hashedrekord 0.0.1 for signatures, intoto 0.0.2 for legacy attestations, dsse 0.0.1 for bundles) */
export function hashedrekordBody(sig: Buffer, payload: Buffer, verifierPem: string): Buffer {
  return Buffer.from(JSON.stringify({
    apiVersion: '0.0.1',
    kind: 'hashedrekord',
    spec: {
      data: { hash: { algorithm: 'sha256', value: sha256hex(payload) } },
      signature: { content: sig.toString('base64'), publicKey: { content: Buffer.from(verifierPem).toString('base64') } },
    },
  }));
}

export function intotoBody(sig: Buffer, envelopeJson: Buffer, statementBytes: Buffer, verifierPem: string): Buffer {
  return Buffer.from(JSON.stringify({
    apiVersion: '0.0.2',
    kind: 'intoto',
    spec: {
      content: {
        envelope: {
          payloadType: IN_TOTO,
          signatures: [{ sig: Buffer.from(sig.toString('base64')).toString('base64'), publicKey: Buffer.from(verifierPem).toString('base64') }],
        },
        hash: { algorithm: 'sha256', value: sha256hex(envelopeJson) },
        payloadHash: { algorithm: 'sha256', value: sha256hex(statementBytes) },
      },
    },
  }));
}

export function dsseBody(sig: Buffer, envelopeJson: Buffer, statementBytes: Buffer, verifierPem: string): Buffer {
  return Buffer.from(JSON.stringify({
    apiVersion: '0.0.1',
    kind: 'dsse',
    spec: {
      envelopeHash: { algorithm: 'sha256', value: sha256hex(envelopeJson) },
      payloadHash: { algorithm: 'sha256', value: sha256hex(statementBytes) },
      signatures: [{ signature: sig.toString('base64'), verifier: Buffer.from(verifierPem).toString('base64') }],
    },
  }));
}

/** the dev.sigstore.cosign/bundle annotation: the SET signs the sorted, compact {body, integratedTime, logID, logIndex} */
export function rekorBundleAnnotation(
  rekor: TestRekor, body: Buffer, integratedTime = Math.floor(Date.now() / 1000), signer = rekor.privateKey, logIndex = 7,
): string {
  const p = { body: body.toString('base64'), integratedTime, logID: rekor.logID, logIndex };
  const canonical = `{"body":${JSON.stringify(p.body)},"integratedTime":${p.integratedTime},"logID":"${p.logID}","logIndex":${p.logIndex}}`;
  const set = cryptoSign('sha256', Buffer.from(canonical), signer).toString('base64');
  return JSON.stringify({ SignedEntryTimestamp: set, Payload: p });
}

/**
 * a v0.3 bundle tlog entry: an inclusion promise (SET) and an inclusion proof in a one-leaf tree
 * (root = sha256(0x00 || body), RFC 6962) with a checkpoint signed by the test Rekor key
 */
export function bundleTlogEntry(
  rekor: TestRekor, body: Buffer, kind: string, version: string, integratedTime = Math.floor(Date.now() / 1000),
): unknown {
  const ann = JSON.parse(rekorBundleAnnotation(rekor, body, integratedTime, rekor.privateKey, 0));
  const root = createHash('sha256').update(Buffer.from([0])).update(body).digest();
  const origin = 'rekor.isb-test.invalid';
  const note = `${origin} - 1\n1\n${root.toString('base64')}\n`;
  const noteSig = cryptoSign('sha256', Buffer.from(note), rekor.privateKey);
  const keyHint = Buffer.from(rekor.logID, 'hex').subarray(0, 4);
  const envelope = `${note}\n\u2014 ${origin} ${Buffer.concat([keyHint, noteSig]).toString('base64')}\n`;
  return {
    logIndex: '0',
    logId: { keyId: Buffer.from(rekor.logID, 'hex').toString('base64') },
    kindVersion: { kind, version },
    integratedTime: String(integratedTime),
    inclusionPromise: { signedEntryTimestamp: ann.SignedEntryTimestamp.replace(/\s/g, '') },
    inclusionProof: { logIndex: '0', rootHash: root.toString('base64'), treeSize: '1', hashes: [], checkpoint: { envelope } },
    canonicalizedBody: body.toString('base64'),
  };
}

export interface TestTSA {
  readonly dir: string;
  /** the TSA signing certificate, then its CA */
  readonly chainDer: readonly Buffer[];
}

/** an RFC 3161 TSA made with openssl: a CA and a signing certificate with the critical timeStamping EKU */
export function newTSA(): TestTSA {
  const dir = tempDir('isb-tsa-');
  openssl(dir, ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'tsaca.key', '-out', 'tsaca.crt',
    '-days', '2', '-subj', '/O=isb-test/CN=isb-test tsa root', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  openssl(dir, ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'tsa.key', '-out', 'tsa.csr',
    '-subj', '/O=isb-test/CN=isb-test tsa']);
  fs.writeFileSync(path.join(dir, 'tsa.ext'), 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=critical,timeStamping\n');
  openssl(dir, ['x509', '-req', '-in', 'tsa.csr', '-CA', 'tsaca.crt', '-CAkey', 'tsaca.key', '-CAcreateserial', '-days', '2', '-extfile', 'tsa.ext', '-out', 'tsa.crt']);
  fs.writeFileSync(path.join(dir, 'tsa.cnf'), [
    '[ tsa ]', 'default_tsa = tsa1', '[ tsa1 ]', `serial = ${path.join(dir, 'serial')}`, `signer_cert = ${path.join(dir, 'tsa.crt')}`,
    `signer_key = ${path.join(dir, 'tsa.key')}`, 'signer_digest = sha256', 'default_policy = 1.2.3.4.1', 'digests = sha256', 'ess_cert_id_alg = sha256', '',
  ].join('\n'));
  fs.writeFileSync(path.join(dir, 'serial'), '01\n');
  const der = (f: string) => pemToDer(fs.readFileSync(path.join(dir, f), 'utf8'));
  return { dir, chainDer: [der('tsa.crt'), der('tsaca.crt')] };
}

/** `openssl ts -query` + `openssl ts -reply` over the bytes: a DER TimeStampResp */
export function tsaTimestamp(tsa: TestTSA, data: Buffer): Buffer {
  const dataFile = path.join(tsa.dir, `data-${Date.now()}-${Math.random().toString(36).slice(2)}`);
  fs.writeFileSync(dataFile, data);
  openssl(tsa.dir, ['ts', '-query', '-data', dataFile, '-sha256', '-cert', '-out', `${dataFile}.tsq`]);
  openssl(tsa.dir, ['ts', '-reply', '-config', 'tsa.cnf', '-queryfile', `${dataFile}.tsq`, '-out', `${dataFile}.tsr`]);
  return fs.readFileSync(`${dataFile}.tsr`);
}

/** a Sigstore TrustedRoot JSON with the test CA, the test Rekor and TSA (no CT logs) */
export function trustedRootJson(ca: TestCA, rekor?: TestRekor, tsa?: TestTSA): string {
  return privateTrustedRootJson(ca, { tlogs: rekor ? [rekor] : [], tsas: tsa ? [tsa] : [] });
}
