import { createHash, generateKeyPairSync, KeyObject, sign as cryptoSign } from 'node:crypto';
import * as http from 'node:http';
import * as net from 'node:net';

/*
 * A STAND-IN for a private Rekor (transparency log), on 127.0.0.1 only. The real rekor-server
 * needs Trillian and a database, which do not run here; cosign only needs the log's HTTP API to
 * upload an entry and get back what a real Rekor v1 answers, and verifiers only need the log's
 * public key. What it emulates (rekor v1.4.3, pkg/generated/restapi + pkg/types):
 * - POST /api/v1/log/entries with a proposed `hashedrekord` 0.0.1 or `dsse` 0.0.1 entry → 201
 *   `{<uuid>: LogEntryAnon}`: the canonical body (hashedrekord: signature + public key + data hash,
 *   as `Canonicalize` writes it; dsse: envelopeHash, payloadHash, signatures[{signature, verifier}]),
 *   JSON-canonicalized (JCS: sorted keys, compact), base64; integratedTime; logID = hex sha256 of
 *   the log key's SPKI; logIndex; verification.signedEntryTimestamp = ECDSA-P256/SHA-256 over the
 *   canonical `{body, integratedTime, logID, logIndex}`; verification.inclusionProof = an RFC 6962
 *   inclusion proof of the entry in the tree of every entry so far, with a signed checkpoint
 *   (signed note: `<hostname> - <treeID>\n<size>\n<b64 root>\n\n— <hostname> <b64(keyhint[4] || sig)>\n`; the
 *   ` - <treeID>` origin suffix is what makes sigstore-go read it as a Rekor v1 checkpoint,
 *   sigstore-go pkg/verify/tlog.go hasRekorV1STH).
 * - GET /api/v1/log/publicKey (PEM), GET /api/v1/log (tree size, root hash, signed tree head),
 *   GET /api/v1/log/entries/<uuid>.
 * What it does NOT do: it does not verify the proposed signature (Rekor does; here the verifiers
 * downstream check it against the same body), and it keeps nothing beyond the test process.
 */

export interface TestRekorLog {
  /** http://127.0.0.1:PORT */
  readonly url: string;
  /** the checkpoint signer name: `127.0.0.1:PORT` (Rekor's hostname; sigstore-js matches it against the log's base URL) */
  readonly hostname: string;
  readonly publicKeyPem: string;
  readonly spkiDer: Buffer;
  /** hex sha256 of the SPKI */
  readonly logID: string;
  /** for a trusted root's `tlogs` (private-ca.ts TrustedLog) */
  readonly baseUrl: string;
  /** requests seen, `METHOD path` */
  readonly requests: readonly string[];
  readonly entries: number;
  stop(): Promise<void>;
}

/** RFC 8785 JSON canonicalization for the values Rekor bodies hold (objects, arrays, strings, integers) */
export function jcs(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(jcs).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o).filter((k) => o[k] !== undefined).sort().map((k) => `${JSON.stringify(k)}:${jcs(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

const sha256 = (...parts: Buffer[]) => {
  const h = createHash('sha256');
  parts.forEach((p) => h.update(p));
  return h.digest();
};
const leafHash = (d: Buffer) => sha256(Buffer.from([0]), d);
const nodeHash = (l: Buffer, r: Buffer) => sha256(Buffer.from([1]), l, r);

/** largest power of two smaller than n (n > 1) */
function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** RFC 6962 §2.1 Merkle tree hash of leaf hashes */
function mth(leaves: Buffer[]): Buffer {
  if (leaves.length === 1) return leaves[0];
  const k = split(leaves.length);
  return nodeHash(mth(leaves.slice(0, k)), mth(leaves.slice(k)));
}

/** RFC 6962 §2.1.1 audit path of leaf m */
function auditPath(m: number, leaves: Buffer[]): Buffer[] {
  if (leaves.length <= 1) return [];
  const k = split(leaves.length);
  return m < k
    ? [...auditPath(m, leaves.slice(0, k)), mth(leaves.slice(k))]
    : [...auditPath(m - k, leaves.slice(k)), mth(leaves.slice(0, k))];
}

/** the canonical body Rekor stores for a proposed entry */
function canonicalBody(proposed: any): any {
  const kind = proposed?.kind;
  const apiVersion = proposed?.apiVersion;
  if (kind === 'hashedrekord' && apiVersion === '0.0.1') {
    const s = proposed.spec;
    return {
      apiVersion,
      kind,
      spec: {
        data: { hash: { algorithm: s?.data?.hash?.algorithm, value: s?.data?.hash?.value } },
        signature: { content: s?.signature?.content, publicKey: { content: s?.signature?.publicKey?.content } },
      },
    };
  }
  if (kind === 'dsse' && apiVersion === '0.0.1') {
    const envText: string = proposed?.spec?.proposedContent?.envelope;
    const verifiers: string[] = proposed?.spec?.proposedContent?.verifiers ?? [];
    const env = JSON.parse(envText);
    const sigs: string[] = (env.signatures ?? []).map((x: any) => String(x.sig)).sort();
    if (sigs.length !== 1 || verifiers.length !== 1) throw new Error('the stand-in takes one DSSE signature and one verifier');
    return {
      apiVersion,
      kind,
      spec: {
        envelopeHash: { algorithm: 'sha256', value: sha256(Buffer.from(envText)).toString('hex') },
        payloadHash: { algorithm: 'sha256', value: sha256(Buffer.from(env.payload, 'base64')).toString('hex') },
        signatures: [{ signature: sigs[0], verifier: verifiers[0] }],
      },
    };
  }
  throw new Error(`entry kind ${JSON.stringify(kind)} version ${JSON.stringify(apiVersion)} is not emulated (hashedrekord/dsse 0.0.1)`);
}

/** Start the stand-in on a free loopback port. */
export async function startTestRekor(): Promise<TestRekorLog> {
  const { privateKey, publicKey }: { privateKey: KeyObject; publicKey: KeyObject } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const spkiDer = publicKey.export({ type: 'spki', format: 'der' });
  const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const logID = sha256(spkiDer).toString('hex');
  const leaves: Buffer[] = [];
  const stored = new Map<string, any>();
  const requests: string[] = [];
  let hostname = '';
  const TREE_ID = '1';

  const checkpoint = (size: number, root: Buffer): string => {
    const note = `${hostname} - ${TREE_ID}\n${size}\n${root.toString('base64')}\n`;
    const sig = cryptoSign('sha256', Buffer.from(note), privateKey);
    return `${note}\n\u2014 ${hostname} ${Buffer.concat([Buffer.from(logID, 'hex').subarray(0, 4), sig]).toString('base64')}\n`;
  };

  const append = (proposed: any): { uuid: string; entry: any } => {
    const body = Buffer.from(jcs(canonicalBody(proposed)));
    const leaf = leafHash(body);
    const uuid = leaf.toString('hex');
    const existing = stored.get(uuid);
    if (existing) return { uuid, entry: existing };
    const logIndex = leaves.length;
    leaves.push(leaf);
    const integratedTime = Math.floor(Date.now() / 1000);
    const set = cryptoSign('sha256', Buffer.from(jcs({ body: body.toString('base64'), integratedTime, logID, logIndex })), privateKey);
    const root = mth(leaves);
    const entry = {
      body: body.toString('base64'),
      integratedTime,
      logID,
      logIndex,
      verification: {
        signedEntryTimestamp: set.toString('base64'),
        inclusionProof: {
          checkpoint: checkpoint(leaves.length, root),
          hashes: auditPath(logIndex, leaves).map((h) => h.toString('hex')),
          logIndex,
          rootHash: root.toString('hex'),
          treeSize: leaves.length,
        },
      },
    };
    stored.set(uuid, entry);
    return { uuid, entry };
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = (req.url ?? '').split('?')[0];
      requests.push(`${req.method} ${path}`);
      const send = (status: number, body: unknown, type = 'application/json', headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'Content-Type': type, ...headers });
        res.end(typeof body === 'string' ? body : JSON.stringify(body));
      };
      try {
        if (req.method === 'POST' && path === '/api/v1/log/entries') {
          const { uuid, entry } = append(JSON.parse(Buffer.concat(chunks).toString('utf8')));
          send(201, { [uuid]: entry }, 'application/json', { Location: `/api/v1/log/entries/${uuid}`, ETag: uuid });
        } else if (req.method === 'GET' && path === '/api/v1/log/publicKey') {
          send(200, publicKeyPem, 'application/x-pem-file');
        } else if (req.method === 'GET' && path === '/api/v1/log') {
          const root = leaves.length > 0 ? mth(leaves) : sha256();
          send(200, { rootHash: root.toString('hex'), treeSize: leaves.length, signedTreeHead: checkpoint(leaves.length, root), treeID: TREE_ID });
        } else if (req.method === 'GET' && path.startsWith('/api/v1/log/entries/')) {
          const uuid = path.slice('/api/v1/log/entries/'.length);
          const entry = stored.get(uuid.slice(-64));
          if (entry) send(200, { [uuid.slice(-64)]: entry });
          else send(404, { code: 404, message: 'entry not found' });
        } else {
          send(404, { code: 404, message: `not emulated: ${req.method} ${path}` });
        }
      } catch (e) {
        send(400, { code: 400, message: (e as Error).message });
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  hostname = `127.0.0.1:${port}`;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    hostname,
    publicKeyPem,
    spkiDer,
    logID,
    baseUrl: url,
    requests,
    get entries() { return leaves.length; },
    stop: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
