/**
 * An HTTP proxy in front of a real registry that logs every blob GET with the body bytes it passed on,
 * for the resume tests: what a rerun fetched again is then a number the test can assert. It can hold
 * blob answers back (so a save is interrupted at a known point), drop Range headers (a registry that
 * ignores them) and damage ranged answers (a broken cache).
 */
import { createServer, request, type ClientRequest, type IncomingMessage } from 'node:http';

export interface BlobGet {
  digest: string;
  range: string | undefined;
  status: number;
  /** Body bytes passed on to baler. */
  bytes: number;
}

/** Set by the test between runs; read on each request. */
export interface ProxyMode {
  /** A blob answer larger than this gets its headers and no body. */
  holdOver?: number;
  /** A blob answer gets this many body bytes, then no more. */
  stallAfter?: number;
  /** Set when a blob was held back by stallAfter (Date.now()). */
  stalledAt?: number;
  /** Pass requests on without their Range header. */
  dropRange?: boolean;
  /** Flip the first byte of every ranged (206) blob answer. */
  corruptRanges?: boolean;
}

export interface CountingProxy {
  readonly host: string;
  readonly log: BlobGet[];
  readonly mode: ProxyMode;
  close(): Promise<void>;
}

export async function countingProxy(target: string): Promise<CountingProxy> {
  const log: BlobGet[] = [];
  const mode: ProxyMode = {};
  const upstreams = new Set<ClientRequest>();
  const [host, port] = [target.replace(/:[0-9]+$/, ''), Number(target.replace(/^.*:/, ''))];
  const server = createServer((req, res) => {
    const headers = { ...req.headers, host: target };
    if (mode.dropRange) delete headers.range;
    const up = request({ host, port, path: req.url, method: req.method, headers }, (answer: IncomingMessage) => {
      const blob = req.method === 'GET' ? /\/blobs\/(sha256:[0-9a-f]{64})$/.exec(req.url ?? '') : null;
      const entry: BlobGet | undefined = blob ? { digest: blob[1] as string, range: headers.range, status: answer.statusCode ?? 0, bytes: 0 } : undefined;
      if (entry) log.push(entry);
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      if (entry && mode.holdOver !== undefined && Number(answer.headers['content-length'] ?? 0) > mode.holdOver) {
        answer.pause(); // held until the test ends the connection
        return;
      }
      const stallAfter = mode.stallAfter;
      answer.on('data', (b: Buffer) => {
        if (!entry) return void res.write(b);
        if (stallAfter !== undefined && entry.bytes + b.length > stallAfter) {
          const keep = stallAfter - entry.bytes;
          if (keep > 0) res.write(b.subarray(0, keep));
          entry.bytes += Math.max(0, keep);
          answer.pause(); // held back until the test ends the connection
          mode.stalledAt ??= Date.now();
          return;
        }
        if (mode.corruptRanges && answer.statusCode === 206 && entry.bytes === 0 && b.length > 0) {
          b = Buffer.from(b);
          b[0] = (b[0] as number) ^ 0xff;
        }
        entry.bytes += b.length;
        res.write(b);
      });
      answer.on('end', () => res.end());
    });
    upstreams.add(up);
    up.on('close', () => upstreams.delete(up));
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  return {
    host: `127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`,
    log,
    mode,
    close: () =>
      new Promise<void>((resolve) => {
        for (const u of upstreams) u.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
