import * as http from 'node:http';
import * as https from 'node:https';
import { VerifyError } from './errors';

/** One HTTP exchange, body fully read (bounded). */
export interface HttpResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
  readonly url: URL;
}

export interface HttpRequest {
  readonly method: 'GET' | 'HEAD';
  readonly url: URL;
  readonly headers: Record<string, string>;
  /** abort with RESPONSE_TOO_LARGE above this many body bytes */
  readonly maxBytes: number;
}

export interface TransportOptions {
  /** per request: connect + headers + body must finish within this (ms) */
  readonly timeoutMs: number;
  /** concurrent requests (and keep-alive sockets per host) */
  readonly concurrency: number;
}

/**
 * Keep-alive HTTP(S) with bounded concurrency, a deadline per request and a cap on body sizes.
 * It never follows redirects (the registry client does, deciding which headers may travel).
 */
export class HttpTransport {
  private readonly httpAgent: http.Agent;
  private readonly httpsAgent: https.Agent;
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly opts: TransportOptions) {
    this.httpAgent = new http.Agent({ keepAlive: true, maxSockets: opts.concurrency });
    this.httpsAgent = new https.Agent({ keepAlive: true, maxSockets: opts.concurrency });
  }

  public async request(req: HttpRequest): Promise<HttpResponse> {
    await this.acquire();
    try {
      return await this.once(req);
    } finally {
      this.release();
    }
  }

  /** closes idle keep-alive sockets */
  public close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  private acquire(): Promise<void> {
    if (this.active < this.opts.concurrency) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(() => { this.active++; resolve(); }));
  }

  private release(): void {
    this.active--;
    const next = this.waiting.shift();
    if (next) next();
  }

  private once(req: HttpRequest): Promise<HttpResponse> {
    const { url } = req;
    const secure = url.protocol === 'https:';
    const lib = secure ? https : http;
    return new Promise<HttpResponse>((resolve, reject) => {
      let settled = false;
      const fail = (e: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        r.destroy();
        reject(e);
      };
      const r = lib.request(url, { method: req.method, headers: req.headers, agent: secure ? this.httpsAgent : this.httpAgent }, (res) => {
        const declared = Number(res.headers['content-length'] ?? NaN);
        if (Number.isFinite(declared) && declared > req.maxBytes) {
          res.destroy();
          fail(tooLarge(url, req.maxBytes, `declared ${declared} bytes`));
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > req.maxBytes) {
            res.destroy();
            fail(tooLarge(url, req.maxBytes, `more than ${req.maxBytes} bytes received`));
            return;
          }
          chunks.push(c);
        });
        res.on('error', (e) => fail(networkError(url, e)));
        res.on('end', () => {
          if (settled) return;
          settled = true;
          clearTimeout(deadline);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), url });
        });
      });
      const deadline = setTimeout(() => fail(new VerifyError('REGISTRY_TIMEOUT',
        `${req.method} ${redact(url)} did not complete within ${this.opts.timeoutMs} ms`)), this.opts.timeoutMs);
      r.on('error', (e) => fail(networkError(url, e)));
      r.end();
    });
  }
}

function tooLarge(url: URL, max: number, what: string): VerifyError {
  return new VerifyError('RESPONSE_TOO_LARGE', `response of ${redact(url)} exceeds the limit of ${max} bytes (${what}); aborted`);
}

function networkError(url: URL, e: Error): VerifyError {
  return new VerifyError('REGISTRY_ERROR', `request to ${redact(url)} failed: ${e.message}`, { cause: e });
}

/** the URL without query (token endpoints may carry secrets in queries) and without userinfo */
export function redact(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}
