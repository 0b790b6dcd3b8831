import { createHash, createHmac } from 'node:crypto';

/*
 * AWS Signature Version 4 for one HTTP request (docs.aws.amazon.com "Create a signed AWS API
 * request"): canonical request → string to sign → HMAC chain over date/region/service. Small on
 * purpose: `verify --key awskms://…` needs exactly one call (KMS GetPublicKey).
 */

export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export interface SigV4Request {
  readonly method: string;
  /** `host[:port]` as sent in the Host header */
  readonly host: string;
  readonly path: string;
  /** already-encoded query string without `?` ('' for none) */
  readonly query?: string;
  /** extra headers to sign (names any case) */
  readonly headers?: Record<string, string>;
  readonly body?: string;
}

const sha256Hex = (s: string | Buffer) => createHash('sha256').update(s).digest('hex');
const hmac = (key: Buffer | string, s: string) => createHmac('sha256', key).update(s).digest();

/** `YYYYMMDD'T'HHMMSS'Z'` */
export function amzDate(now: Date): string {
  return now.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

/** The signing key of a day, region and service. */
export function signingKey(secret: string, day: string, region: string, service: string): Buffer {
  return hmac(hmac(hmac(hmac(`AWS4${secret}`, day), region), service), 'aws4_request');
}

/** The headers to send (lowercase names): the request's own, host, x-amz-date, [x-amz-security-token], authorization. */
export function signRequest(
  req: SigV4Request, creds: AwsCredentials, opts: { region: string; service: string; now?: Date },
): Record<string, string> {
  const date = amzDate(opts.now ?? new Date());
  const day = date.slice(0, 8);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers ?? {})) headers[k.toLowerCase()] = v;
  headers.host = req.host;
  headers['x-amz-date'] = date;
  if (creds.sessionToken) headers['x-amz-security-token'] = creds.sessionToken;
  const names = Object.keys(headers).sort();
  const canonicalHeaders = names.map((n) => `${n}:${headers[n].trim().replace(/\s+/g, ' ')}\n`).join('');
  const signedHeaders = names.join(';');
  const query = (req.query ?? '').split('&').filter((p) => p !== '').sort().join('&');
  const canonical = [req.method, req.path, query, canonicalHeaders, signedHeaders, sha256Hex(req.body ?? '')].join('\n');
  const scope = `${day}/${opts.region}/${opts.service}/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', date, scope, sha256Hex(canonical)].join('\n');
  const signature = hmac(signingKey(creds.secretAccessKey, day, opts.region, opts.service), toSign).toString('hex');
  headers.authorization = `AWS4-HMAC-SHA256 Credential=${creds.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
  return headers;
}
