import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadWebConfig, parseWebConfig } from './web-config';

const HASH = '$2b$10$6ZfM0bjk7hB6f0jvWHvvQ.Ovb4n3iXH0XUVoqFpUKvh1HOXFLPTIu';

describe('web config (exporter-toolkit format)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vmpilot-webcfg-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads users and headers; an empty file is plain HTTP without auth', () => {
    const c = parseWebConfig(
      `basic_auth_users:\n  prometheus: "${HASH}"\nhttp_server_config:\n  headers:\n    X-Frame-Options: deny\n`,
      'web.yml',
    );
    expect(c.users).toEqual({ prometheus: HASH });
    expect(c.headers).toEqual({ 'X-Frame-Options': 'deny' });
    expect(c.tls).toBeUndefined();
    expect(parseWebConfig('', 'web.yml')).toEqual({ headers: {}, users: {} });
  });

  it('resolves TLS files against the file directory and maps client_auth_type', () => {
    writeFileSync(path.join(dir, 'c.pem'), 'CERT');
    writeFileSync(path.join(dir, 'k.pem'), 'KEY');
    writeFileSync(path.join(dir, 'ca.pem'), 'CA');
    const file = path.join(dir, 'web.yml');
    writeFileSync(
      file,
      'tls_server_config:\n  cert_file: c.pem\n  key_file: k.pem\n  client_ca_file: ca.pem\n  client_auth_type: RequireAndVerifyClientCert\n',
    );
    const t = loadWebConfig(file).tls;
    expect(t?.cert.toString()).toBe('CERT');
    expect(t).toMatchObject({ requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.2' });
  });

  it('refuses unknown keys, bad hashes, unsupported options and a verifying client auth without CA', () => {
    expect(() => parseWebConfig('basic_auth_user: {}\n', 'w.yml')).toThrow(/w.yml: .*basic_auth_user/);
    expect(() => parseWebConfig('basic_auth_users: {a: secret}\n', 'w.yml')).toThrow(/bcrypt hash/);
    expect(() => parseWebConfig('tls_server_config: {cipher_suites: [x]}\n', 'w.yml')).toThrow(
      /not supported/,
    );
    writeFileSync(
      path.join(dir, 'v.yml'),
      'tls_server_config:\n  cert_file: c.pem\n  key_file: k.pem\n  client_auth_type: VerifyClientCertIfGiven\n',
    );
    expect(() => loadWebConfig(path.join(dir, 'v.yml'))).toThrow(/needs client_ca_file/);
    expect(() => loadWebConfig(path.join(dir, 'missing.yml'))).toThrow(/--web.config.file .*missing.yml/);
  });
});
