import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';

/** One small JSON exchange with a KMS API (AWS KMS, Vault transit). */
export interface KmsHttpRequest {
  readonly method: 'GET' | 'POST';
  readonly url: URL;
  readonly headers: Record<string, string>;
  readonly body?: string;
  /** PEM certificates to trust instead of the system roots (the provider's CA-bundle variable) */
  readonly ca?: string;
  readonly timeoutMs: number;
}

export interface KmsHttpResponse {
  readonly status: number;
  readonly text: string;
}

/** a KMS answer larger than this is not a public key */
const MAX_BYTES = 1024 * 1024;

export function kmsHttp(req: KmsHttpRequest): Promise<KmsHttpResponse> {
  const secure = req.url.protocol === 'https:';
  const lib = secure ? https : http;
  return new Promise((resolve, reject) => {
    const r = lib.request(req.url, {
      method: req.method,
      agent: false, // one connection per lookup: nothing left open
      headers: req.body === undefined ? req.headers : { ...req.headers, 'content-length': String(Buffer.byteLength(req.body)) },
      ...(secure && req.ca !== undefined ? { ca: req.ca } : {}),
      timeout: req.timeoutMs,
    }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_BYTES) r.destroy(new Error(`answer larger than ${MAX_BYTES} bytes`));
        else chunks.push(c);
      });
      res.on('error', reject);
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
    });
    r.on('timeout', () => r.destroy(new Error(`no answer within ${req.timeoutMs} ms`)));
    r.on('error', reject);
    r.end(req.body);
  });
}

/**
 * The CA bundle a provider's own client would trust, named by its variable (cosign's AWS client:
 * AWS_CA_BUNDLE; Vault's API client: VAULT_CACERT), like the docker config this layer reads for
 * registry credentials. Undefined when the variable is unset; an error naming it when unreadable.
 */
export function readCaBundle(variable: string, file: string | undefined): string | undefined {
  if (file === undefined || file === '') return undefined;
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`${variable}=${file} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}
