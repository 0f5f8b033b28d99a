// The query client (prometheus-api.ts) against a local HTTP server that answers as
// Prometheus' API does: what is sent (path, parameters, credentials, headers), how samples
// are read, and one readable line for every kind of failure.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { acceptEncodingFor, PrometheusApi } from './prometheus-api';

describe('PrometheusApi', () => {
  let server: Server;
  let base: string;
  let requests: IncomingMessage[];
  let reply: { status: number; body: unknown };

  beforeAll(async () => {
    server = createServer((req, res) => {
      requests.push(req);
      res.statusCode = reply.status;
      res.setHeader('content-type', 'application/json');
      res.end(typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const addr = server.address();
    base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  });
  afterAll(() => new Promise((r) => server.close(r)));
  beforeEach(() => {
    requests = [];
  });

  const vector = (result: unknown) => ({
    status: 200,
    body: { status: 'success', data: { resultType: 'vector', result } },
  });

  it('sends the query, time and timeout under the URL path prefix, with credentials and headers', async () => {
    reply = vector([]);
    const api = new PrometheusApi({
      url: `${base}/prom/`,
      timeoutMs: 5000,
      http: { auth: { username: 'reader', password: 's3cret' }, headers: { 'X-Scope-OrgID': 'tenant-a' } },
    });
    await api.instant('sum by (host) (up{job="x"} + 1)', 1_700_000_000_123, '5s');
    const req = requests[0];
    const url = new URL(req.url ?? '', base);
    expect(url.pathname).toBe('/prom/api/v1/query');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      query: 'sum by (host) (up{job="x"} + 1)',
      time: '1700000000.123',
      timeout: '5s',
    });
    expect(req.headers.authorization).toBe(`Basic ${Buffer.from('reader:s3cret').toString('base64')}`);
    expect(req.headers['x-scope-orgid']).toBe('tenant-a');
  });

  it('asks a loopback Prometheus for identity encoding (no gzip CPU on either end), unless a header says otherwise', async () => {
    reply = vector([]);
    await new PrometheusApi({ url: base, timeoutMs: 5000 }).instant('up', 1_700_000_000_000, '5s');
    expect(requests[0].headers['accept-encoding']).toBe('identity');
    await new PrometheusApi({
      url: base,
      timeoutMs: 5000,
      http: { headers: { 'accept-encoding': 'gzip' } },
    }).instant('up', 1_700_000_000_000, '5s');
    expect(requests[1].headers['accept-encoding']).toBe('gzip');
  });

  it('keeps compression for a Prometheus elsewhere, identity only for loopback names', () => {
    expect(acceptEncodingFor('http://127.0.0.1:9090')).toBe('identity');
    expect(acceptEncodingFor('http://127.3.2.1:9090/prom')).toBe('identity');
    expect(acceptEncodingFor('http://localhost:9090')).toBe('identity');
    expect(acceptEncodingFor('http://[::1]:9090')).toBe('identity');
    expect(acceptEncodingFor('https://prometheus.example.org')).toBeUndefined();
    expect(acceptEncodingFor('http://10.0.0.5:9090')).toBeUndefined();
    expect(acceptEncodingFor('http://127.example.org')).toBeUndefined();
  });

  it('reads samples as the round needs them: labels without __name__, ms as a Date would, values as parseFloat', async () => {
    reply = vector([
      {
        metric: { __name__: 'vmpilot_host_up', host: 'a', instance: '10.0.0.1:9177' },
        value: [1700000000.123, '1'],
      },
      { metric: { host: 'b' }, value: [1700000000.7, '+Inf'] },
      { value: [1700000001, '2.5e3'] },
    ]);
    const api = new PrometheusApi({ url: base, timeoutMs: 5000 });
    const got = await api.instant('up', 1_700_000_001_000, '5s');
    expect(got).toEqual([
      {
        labels: { host: 'a', instance: '10.0.0.1:9177' },
        value: 1,
        timeMs: new Date(1700000000.123 * 1000).getTime(),
      },
      { labels: { host: 'b' }, value: NaN, timeMs: new Date(1700000000.7 * 1000).getTime() },
      { labels: {}, value: 2500, timeMs: 1_700_000_001_000 },
    ]);

    reply = {
      status: 200,
      body: {
        status: 'success',
        data: {
          resultType: 'matrix',
          result: [
            {
              metric: { host: 'a', domain: 'web1' },
              values: [
                [1700000000, '0.5'],
                [1700000015, '0.75'],
              ],
            },
          ],
        },
      },
    };
    const series = await api.range('rate(x[1m])', 1_700_000_000_000, 1_700_000_015_000, 15, '5s');
    expect(series).toEqual([
      {
        labels: { host: 'a', domain: 'web1' },
        points: [
          [1_700_000_000_000, 0.5],
          [1_700_000_015_000, 0.75],
        ],
      },
    ]);
    const url = new URL(requests[1].url ?? '', base);
    expect(url.pathname).toBe('/api/v1/query_range');
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      start: '1700000000',
      end: '1700000015',
      step: '15',
    });
  });

  it.each([
    [
      'a Prometheus error',
      { status: 400, body: { status: 'error', errorType: 'bad_data', error: 'parse error at char 5' } },
      'bad_data: parse error at char 5',
    ],
    [
      'refused credentials',
      { status: 401, body: 'Unauthorized\n' },
      'HTTP 401 from Prometheus (check prometheus.http credentials)',
    ],
    ['an error page from a proxy', { status: 502, body: '<html>bad gateway</html>' }, 'HTTP 502 Bad Gateway'],
    [
      'an error answered with 200',
      { status: 200, body: { status: 'error', errorType: 'timeout', error: 'query timed out' } },
      'timeout: query timed out',
    ],
    ['not JSON', { status: 200, body: 'hello' }, 'malformed answer: not a Prometheus query result'],
    [
      'a result that is not a list',
      { status: 200, body: { status: 'success', data: { resultType: 'vector', result: {} } } },
      'malformed answer: the result is not a list of series',
    ],
    [
      'a scalar',
      { status: 200, body: { status: 'success', data: { resultType: 'scalar', result: [1, '2'] } } },
      'malformed answer: a scalar result where a vector was expected',
    ],
    ['a series without a sample', vector([{ metric: {} }]), 'malformed answer: a series without a sample'],
    [
      'a sample of the wrong shape',
      vector([{ metric: {}, value: '3' }]),
      'malformed answer: a sample that is not [time, value]',
    ],
  ])('%s: one readable line', async (_what, r, message) => {
    reply = r;
    const api = new PrometheusApi({ url: base, timeoutMs: 5000 });
    await expect(api.instant('up', 1_700_000_000_000, '5s')).rejects.toThrow(message);
  });

  it('a Prometheus that is not listening: network_error with the reason', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const addr = closed.address();
    const port = typeof addr === 'object' && addr ? addr.port : 0;
    await new Promise((r) => closed.close(r));
    const api = new PrometheusApi({ url: `http://127.0.0.1:${port}`, timeoutMs: 5000 });
    await expect(api.instant('up', 0, '5s')).rejects.toThrow(
      `network_error: connect ECONNREFUSED 127.0.0.1:${port}`,
    );
  });

  it('a Prometheus that does not answer in time: timeout_error', async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const addr = silent.address();
    const port = typeof addr === 'object' && addr ? addr.port : 0;
    try {
      const api = new PrometheusApi({ url: `http://127.0.0.1:${port}`, timeoutMs: 200 });
      await expect(api.instant('up', 0, '5s')).rejects.toThrow(/^timeout_error: timeout of 200ms exceeded/);
    } finally {
      silent.closeAllConnections();
      await new Promise((r) => silent.close(r));
    }
  });
});
