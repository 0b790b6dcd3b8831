import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import * as path from 'node:path';
import { tempDir } from './fixtures';

/*
 * The runner's network, for a public host that cannot be reached here (rekor.sigstore.dev): an
 * HTTP CONNECT proxy on 127.0.0.1 (what HTTPS_PROXY names) that opens a tunnel only to the given
 * host, answers inside it with TLS under a certificate for that host issued by a test CA made with
 * the openssl CLI (what SSL_CERT_FILE names), and forwards each request to a loopback server (the
 * stand-in). Go programs (cosign) read both variables: net/http ProxyFromEnvironment (never for
 * loopback hosts, golang.org/x/net/http/httpproxy `useProxy`) and crypto/x509's SSL_CERT_FILE,
 * which replaces the system roots. A CONNECT to any other host is refused and recorded.
 */
export interface PublicHostProxy {
  /** http://127.0.0.1:PORT, for HTTPS_PROXY */
  readonly url: string;
  /** PEM of the test CA, for SSL_CERT_FILE */
  readonly caFile: string;
  /** CONNECT targets asked for, `host:port` */
  readonly connects: readonly string[];
  /** requests forwarded, `METHOD path` */
  readonly forwarded: readonly string[];
  stop(): Promise<void>;
}

function openssl(dir: string, args: string[]): void {
  const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
  if (r.error) throw new Error(`openssl could not run (${r.error.message}): install openssl`);
  if (r.status !== 0) throw new Error(`openssl ${args[0]} failed: ${r.stderr}`);
}

/** a CA and a serverAuth certificate for `host` (EC P-256, two days) */
function issueServerCertificate(host: string): { dir: string; caFile: string; keyFile: string; certFile: string } {
  const dir = tempDir('isb-proxy-ca-');
  openssl(dir, ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt',
    '-days', '2', '-subj', '/CN=isb test proxy CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign']);
  fs.writeFileSync(path.join(dir, 'leaf.ext'), `subjectAltName=DNS:${host}\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature\n`);
  openssl(dir, ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'leaf.key', '-out', 'leaf.csr', '-subj', `/CN=${host}`]);
  openssl(dir, ['x509', '-req', '-in', 'leaf.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-extfile', 'leaf.ext', '-out', 'leaf.crt']);
  return { dir, caFile: path.join(dir, 'ca.crt'), keyFile: path.join(dir, 'leaf.key'), certFile: path.join(dir, 'leaf.crt') };
}

/** Start the proxy: `https://<host>` is answered by `target` (http://127.0.0.1:PORT). */
export async function startPublicHostProxy(host: string, target: string): Promise<PublicHostProxy> {
  const cert = issueServerCertificate(host);
  const connects: string[] = [];
  const forwarded: string[] = [];
  const upstream = new URL(target);
  const tlsServer = https.createServer({ key: fs.readFileSync(cert.keyFile), cert: fs.readFileSync(cert.certFile) }, (req, res) => {
    forwarded.push(`${req.method} ${req.url}`);
    const fwd = http.request({
      host: upstream.hostname,
      port: upstream.port,
      method: req.method,
      path: req.url,
      headers: { ...req.headers, host: upstream.host },
    }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    fwd.on('error', (e) => res.writeHead(502).end(e.message));
    req.pipe(fwd);
  });
  const proxy = http.createServer((_req, res) => res.writeHead(405).end('CONNECT only'));
  const sockets = new Set<net.Socket>();
  proxy.on('connect', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    connects.push(String(req.url));
    if (req.url !== `${host}:443`) {
      socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    if (head.length > 0) socket.unshift(head);
    tlsServer.emit('connection', socket);
  });
  await new Promise<void>((resolve, reject) => {
    proxy.once('error', reject);
    proxy.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    url: `http://127.0.0.1:${(proxy.address() as net.AddressInfo).port}`,
    caFile: cert.caFile,
    connects,
    forwarded,
    stop: async () => {
      for (const s of sockets) s.destroy();
      tlsServer.closeAllConnections();
      proxy.closeAllConnections();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
      fs.rmSync(cert.dir, { recursive: true, force: true });
    },
  };
}
