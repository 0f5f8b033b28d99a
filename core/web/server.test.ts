// The shared HTTP server's limits (issue 17's connection cap and timeouts, owned here):
// connections beyond the cap are closed at once, a client that never finishes its headers
// is cut off, and several listen addresses are served.
import { connect, type Socket } from 'node:net';
import { startWebServer, type WebServer } from './server';

const hello = (_req: unknown, res: { end: (s: string) => void }) => res.end('hello\n');

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
}
const closed = (s: Socket) => new Promise<void>((r) => (s.closed ? r() : s.once('close', () => r())));

describe('startWebServer', () => {
  let web: WebServer | undefined;
  afterEach(async () => web?.close());

  it('serves every listen address', async () => {
    web = await startWebServer(hello as never, {
      addresses: [
        { host: '127.0.0.1', port: 0 },
        { host: '127.0.0.1', port: 0 },
      ],
    });
    expect(web.urls).toHaveLength(2);
    for (const u of web.urls) expect(await (await fetch(u)).text()).toBe('hello\n');
  });

  it('closes connections beyond maxConnections', async () => {
    web = await startWebServer(hello as never, {
      addresses: [{ host: '127.0.0.1', port: 0 }],
      limits: { maxConnections: 2 },
    });
    const port = Number(new URL(web.urls[0]).port);
    const kept = [await open(port), await open(port)];
    const extra = await open(port);
    await closed(extra); // the server drops it without a byte
    for (const s of kept) expect(s.closed).toBe(false);
    for (const s of kept) s.destroy();
  });

  it('cuts off a client that never finishes its headers', async () => {
    web = await startWebServer(hello as never, {
      addresses: [{ host: '127.0.0.1', port: 0 }],
      limits: { headersTimeoutMs: 500, requestTimeoutMs: 1000 },
    });
    const s = await open(Number(new URL(web.urls[0]).port));
    let answer = '';
    s.on('data', (d: Buffer) => (answer += d.toString()));
    s.write('GET / HTTP/1.1\r\nHost: x\r\n'); // and nothing more
    await closed(s);
    expect(answer).toMatch(/^HTTP\/1.1 408/);
  }, 30_000);
});
