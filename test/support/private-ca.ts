import { spawnSync } from 'node:child_process';
import { generateKeyPairSync, KeyObject } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir } from './fixtures';

/*
 * A private "Fulcio" made in the test with the openssl CLI, the way a private Sigstore instance
 * (or an air-gapped one) has its own certificate authority:
 * - a root CA and, by default, an intermediate CA (EC P-256, `openssl req -x509` / `x509 -req`);
 * - short-lived code-signing leaf certificates like Fulcio's for a GitHub Actions workflow: the
 *   workflow identity as URI SAN (`https://github.com/OWNER/REPO/.github/workflows/FILE@REF`), the
 *   OIDC issuer in 1.3.6.1.4.1.57264.1.1 (deprecated: the raw ASCII bytes as the extension value)
 *   and 1.3.6.1.4.1.57264.1.8 (a DER UTF8String), EKU codeSigning (cosign-formats.md §b, Fulcio
 *   docs/oid-info.md);
 * - the Sigstore TrustedRoot JSON (`application/vnd.dev.sigstore.trustedroot+json;version=0.1`)
 *   naming the CA, and optionally a Rekor log and RFC 3161 TSAs, for `verify --trusted-root`,
 *   cosign `--trusted-root`, `@sigstore/verify` and a blueprint's `keyless.trustedRootFile`.
 * The files are plain PEM in the CA's temp folder, so cosign takes them by path:
 * `cosign sign --key leaf.key --certificate leaf.crt --certificate-chain chain.pem`.
 */

export const GITHUB_ISSUER = 'https://token.actions.githubusercontent.com';

/** The Fulcio SAN of a GitHub Actions workflow run: `https://github.com/{job_workflow_ref}`. */
export function githubWorkflowSan(owner: string, repo: string, file: string, ref = 'refs/heads/main'): string {
  return `https://github.com/${owner}/${repo}/.github/workflows/${file}@${ref}`;
}

function openssl(dir: string, args: string[], input?: Buffer): Buffer {
  const r = spawnSync('openssl', args, { cwd: dir, input });
  if (r.error) throw new Error(`openssl could not run (${r.error.message}): install openssl`);
  if (r.status !== 0) throw new Error(`openssl ${args[0]} failed: ${r.stderr.toString()}`);
  return r.stdout;
}

export function pemToDer(pem: string): Buffer {
  return Buffer.from(pem.replace(/-----(BEGIN|END) [A-Z ]+-----/g, '').replace(/\s+/g, ''), 'base64');
}

/** every certificate of a PEM bundle, DER */
export function pemCertificates(pem: string): Buffer[] {
  return (pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? []).map(pemToDer);
}

export interface PrivateCA {
  /** temp folder holding every file below (and the CA private keys: remove it when done) */
  readonly dir: string;
  readonly name: string;
  readonly rootPem: string;
  /** absent with `intermediate: false` (leaves are then issued by the root) */
  readonly intermediatePem?: string;
  /** intermediate (if any) then root, as cosign's `dev.sigstore.cosign/chain` and `--certificate-chain` take it */
  readonly chainPem: string;
  /** root.crt */
  readonly rootFile: string;
  /** chain.pem: {@link chainPem} */
  readonly chainFile: string;
}

export interface PrivateCAOptions {
  /** issue leaves from an intermediate CA (default true), like Fulcio */
  readonly intermediate?: boolean;
  /** validity of the CA certificates in days (default 2) */
  readonly days?: number;
}

const CA_EXT = 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n';

/** A root CA and (by default) an intermediate CA, EC P-256, made with the openssl CLI. */
export function newPrivateCA(name: string, opts: PrivateCAOptions = {}): PrivateCA {
  const dir = tempDir('isb-ca-');
  const days = String(opts.days ?? 2);
  fs.writeFileSync(path.join(dir, 'ca.ext'), CA_EXT);
  openssl(dir, ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'root.key', '-out', 'root.crt',
    '-days', days, '-subj', `/O=${name}/CN=${name} root`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  const rootPem = fs.readFileSync(path.join(dir, 'root.crt'), 'utf8');
  let intermediatePem: string | undefined;
  if (opts.intermediate !== false) {
    openssl(dir, ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'int.key', '-out', 'int.csr',
      '-subj', `/O=${name}/CN=${name} intermediate`]);
    openssl(dir, ['x509', '-req', '-in', 'int.csr', '-CA', 'root.crt', '-CAkey', 'root.key', '-CAcreateserial', '-days', days, '-extfile', 'ca.ext', '-out', 'int.crt']);
    intermediatePem = fs.readFileSync(path.join(dir, 'int.crt'), 'utf8');
  }
  const chainPem = (intermediatePem ?? '') + rootPem;
  fs.writeFileSync(path.join(dir, 'chain.pem'), chainPem);
  return { dir, name, rootPem, intermediatePem, chainPem, rootFile: path.join(dir, 'root.crt'), chainFile: path.join(dir, 'chain.pem') };
}

export interface LeafOptions {
  /** the URI SAN; default {@link githubWorkflowSan}('acme', 'web', 'build.yml') */
  readonly san?: string;
  /** the OIDC issuer written to .1.1 and .1.8; default GitHub's; null leaves both out */
  readonly issuer?: string | null;
  /** write only the deprecated .1.1 issuer extension */
  readonly legacyIssuerOnly?: boolean;
  /** validity in days (default 1; Fulcio's are 10 minutes, which a test run cannot rely on) */
  readonly days?: number;
}

export interface Leaf {
  readonly privateKey: KeyObject;
  /** PKCS#8 PEM of the leaf key (unencrypted: cosign `--key` reads it with an empty COSIGN_PASSWORD), mode 0600 */
  readonly keyFile: string;
  readonly certPem: string;
  readonly certDer: Buffer;
  /** leaf.crt */
  readonly certFile: string;
  /** the issuing CA's chain.pem (intermediate then root) */
  readonly chainFile: string;
  readonly san: string;
  readonly issuer: string | null;
}

let leafSerial = 0;

/** A Fulcio-like code-signing leaf: URI SAN, the issuer extensions, EKU codeSigning. */
export function issueLeaf(ca: PrivateCA, opts: LeafOptions = {}): Leaf {
  leafSerial += 1;
  const dir = fs.mkdtempSync(path.join(ca.dir, `leaf-${leafSerial}-`));
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const keyFile = path.join(dir, 'leaf.key');
  fs.writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  const san = opts.san ?? githubWorkflowSan('acme', 'web', 'build.yml');
  const issuer = opts.issuer === undefined ? GITHUB_ISSUER : opts.issuer;
  const ext = [
    'basicConstraints=critical,CA:FALSE',
    'keyUsage=critical,digitalSignature',
    'extendedKeyUsage=codeSigning',
    'subjectKeyIdentifier=hash',
    'authorityKeyIdentifier=keyid',
    `subjectAltName=critical,URI:${san}`,
  ];
  if (issuer !== null) {
    // .1.1: the raw ASCII bytes as the extension value; .1.8: a DER UTF8String
    ext.push(`1.3.6.1.4.1.57264.1.1=DER:${Buffer.from(issuer).toString('hex')}`);
    if (!opts.legacyIssuerOnly) ext.push(`1.3.6.1.4.1.57264.1.8=ASN1:UTF8String:${issuer}`);
  }
  fs.writeFileSync(path.join(dir, 'leaf.ext'), `${ext.join('\n')}\n`);
  const [caCert, caKey] = ca.intermediatePem !== undefined ? ['int.crt', 'int.key'] : ['root.crt', 'root.key'];
  // Fulcio leaves have an empty subject; openssl needs one field, so use Fulcio's O=sigstore.dev
  openssl(dir, ['req', '-new', '-key', keyFile, '-subj', '/O=sigstore.dev', '-out', 'leaf.csr']);
  openssl(dir, ['x509', '-req', '-in', 'leaf.csr', '-CA', path.join(ca.dir, caCert), '-CAkey', path.join(ca.dir, caKey), '-CAcreateserial',
    '-days', String(opts.days ?? 1), '-extfile', 'leaf.ext', '-out', 'leaf.crt']);
  const certFile = path.join(dir, 'leaf.crt');
  const certPem = fs.readFileSync(certFile, 'utf8');
  return { privateKey, keyFile, certPem, certDer: pemToDer(certPem), certFile, chainFile: ca.chainFile, san, issuer };
}

/** A transparency log (Rekor or CT) as the trusted root names it. */
export interface TrustedLog {
  readonly baseUrl: string;
  /** SPKI DER of the log's public key (ECDSA P-256) */
  readonly spkiDer: Buffer;
  /** hex sha256 of the SPKI (the log ID) */
  readonly logID: string;
}

/** An RFC 3161 TSA as the trusted root names it: its signing certificate first, then its CA(s). */
export interface TrustedTsa {
  readonly chainDer: readonly Buffer[];
}

export interface TrustedRootOptions {
  readonly tlogs?: readonly TrustedLog[];
  readonly ctlogs?: readonly TrustedLog[];
  readonly tsas?: readonly TrustedTsa[];
  /** validFor.start of every entry (default 2020-01-01) */
  readonly start?: string;
}

/**
 * A Sigstore TrustedRoot JSON naming the CA (chain: intermediate then root), and the given logs
 * and TSAs; no CT log unless given (then SCTs are not checked: use `--insecure-ignore-sct` with cosign).
 */
export function trustedRootJson(ca: PrivateCA, opts: TrustedRootOptions = {}): string {
  const start = opts.start ?? '2020-01-01T00:00:00Z';
  const log = (l: TrustedLog) => ({
    baseUrl: l.baseUrl,
    hashAlgorithm: 'SHA2_256',
    publicKey: { rawBytes: l.spkiDer.toString('base64'), keyDetails: 'PKIX_ECDSA_P256_SHA_256', validFor: { start } },
    logId: { keyId: Buffer.from(l.logID, 'hex').toString('base64') },
  });
  return JSON.stringify({
    mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
    tlogs: (opts.tlogs ?? []).map(log),
    certificateAuthorities: [{
      subject: { organization: ca.name, commonName: `${ca.name} fulcio` },
      uri: `https://fulcio.${ca.name}.invalid`,
      certChain: { certificates: pemCertificates(ca.chainPem).map((c) => ({ rawBytes: c.toString('base64') })) },
      validFor: { start },
    }],
    ctlogs: (opts.ctlogs ?? []).map(log),
    timestampAuthorities: (opts.tsas ?? []).map((t, i) => ({
      subject: { organization: ca.name, commonName: `${ca.name} tsa ${i + 1}` },
      uri: `https://tsa${i + 1}.${ca.name}.invalid`,
      certChain: { certificates: t.chainDer.map((c) => ({ rawBytes: c.toString('base64') })) },
      validFor: { start },
    })),
  }, null, 2);
}

/** {@link trustedRootJson} written to `<ca.dir>/<name>` (default trusted_root.json); returns the path */
export function writeTrustedRoot(ca: PrivateCA, opts: TrustedRootOptions = {}, name = 'trusted_root.json'): string {
  const file = path.join(ca.dir, name);
  fs.writeFileSync(file, trustedRootJson(ca, opts));
  return file;
}
