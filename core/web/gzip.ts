// gzip of HTTP answers when the client asks for it (Prometheus does), compressed
// synchronously on purpose. The usual middleware (compression) runs zlib on libuv's thread
// pool, which the libvirt adapter's blocking calls share (koffi `.async`): with a hung
// libvirtd holding the pool's threads, a scrape that answered within its deadline would then
// wait for a free thread to be compressed (a client gunzipping with zlib's async API in the
// same process hangs that way: test/exporter/deadline.test.ts, 15 s). A /metrics page
// compresses in milliseconds on the main thread; the deadline test checks a gzip scrape of
// a frozen libvirtd still answers in time.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';

/** Bodies smaller than this go out as they are. */
const MIN_BYTES = 1024;

type End = ServerResponse['end'];
type Write = ServerResponse['write'];

/** Buffers the answer and gzips it at `end` when the request accepts gzip. */
export function gzipWhenAccepted(req: IncomingMessage, res: ServerResponse): void {
  if (!/\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) return;
  const chunks: Buffer[] = [];
  const toBuffer = (chunk: unknown, enc?: unknown) =>
    Buffer.isBuffer(chunk)
      ? chunk
      : chunk instanceof Uint8Array
        ? Buffer.from(chunk)
        : Buffer.from(String(chunk), typeof enc === 'string' ? (enc as BufferEncoding) : 'utf8');
  const end = res.end.bind(res) as (body: Buffer, cb?: () => void) => ServerResponse;
  res.write = ((chunk: unknown, enc?: unknown, cb?: unknown) => {
    if (chunk !== undefined && chunk !== null) chunks.push(toBuffer(chunk, enc));
    const done = typeof enc === 'function' ? enc : cb;
    if (typeof done === 'function') process.nextTick(done as () => void);
    return true;
  }) as Write;
  res.end = ((chunk?: unknown, enc?: unknown, cb?: unknown) => {
    let done = cb;
    if (typeof chunk === 'function') [done, chunk] = [chunk, undefined];
    if (typeof enc === 'function') [done, enc] = [enc, undefined];
    if (chunk !== undefined && chunk !== null) chunks.push(toBuffer(chunk, enc));
    let body = Buffer.concat(chunks);
    const compressible =
      body.length >= MIN_BYTES &&
      req.method !== 'HEAD' &&
      res.statusCode !== 204 &&
      res.statusCode !== 304 &&
      !res.getHeader('Content-Encoding');
    if (compressible) {
      body = gzipSync(body);
      res.setHeader('Content-Encoding', 'gzip');
      res.setHeader('Content-Length', body.length);
    }
    res.setHeader('Vary', 'Accept-Encoding');
    return end(body, typeof done === 'function' ? (done as () => void) : undefined);
  }) as End;
}
