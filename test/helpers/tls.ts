// Test certificates made with openssl (a test fails when openssl is missing): a self-signed
// CA and a server certificate it signs for 127.0.0.1, plus a small HTTPS client that trusts
// that CA (Node's fetch cannot be given a CA per request).
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { request } from 'node:https';
import path from 'node:path';
import { requireTool } from './require-tool';

export interface TestCa {
  caFile: string;
  certFile: string;
  keyFile: string;
}

/** Makes ca.crt, server.crt and server.key (SAN IP:127.0.0.1) in `dir`. */
export function makeTestCa(dir: string): TestCa {
  const openssl = requireTool('openssl', 'openssl');
  const f = (n: string) => path.join(dir, n);
  const run = (...args: string[]) => execFileSync(openssl, args, { stdio: 'pipe', timeout: 30_000 });
  run(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    f('ca.key'),
    '-out',
    f('ca.crt'),
    '-days',
    '2',
    '-subj',
    '/CN=vmpilot test CA',
  );
  run(
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    f('server.key'),
    '-out',
    f('server.csr'),
    '-subj',
    '/CN=127.0.0.1',
  );
  writeFileSync(f('san.cnf'), 'subjectAltName=IP:127.0.0.1\n');
  run(
    'x509',
    '-req',
    '-in',
    f('server.csr'),
    '-CA',
    f('ca.crt'),
    '-CAkey',
    f('ca.key'),
    '-CAcreateserial',
    '-out',
    f('server.crt'),
    '-days',
    '2',
    '-extfile',
    f('san.cnf'),
  );
  return { caFile: f('ca.crt'), certFile: f('server.crt'), keyFile: f('server.key') };
}

export interface HttpsAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** GET over HTTPS trusting `ca`, with optional basic auth; 5 s deadline. */
export function httpsGet(
  url: string,
  ca: Buffer,
  user?: { name: string; password: string },
): Promise<HttpsAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        ca,
        timeout: 5000,
        headers: user
          ? { Authorization: `Basic ${Buffer.from(`${user.name}:${user.password}`).toString('base64')}` }
          : {},
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${url}: no answer within 5 s`)));
    req.on('error', reject);
    req.end();
  });
}
