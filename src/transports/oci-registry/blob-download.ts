import { once } from 'node:events';
import { PassThrough, type Readable } from 'node:stream';
import { BalerError, isAbortError } from '../../errors.js';
import type { Descriptor } from '../../model/descriptor.js';
import type { RegistryClient } from './client.js';
import type { HttpResponse } from './http.js';

/** Times a broken download is continued with `Range` before giving up. */
const RESUMES = 5;

/**
 * `GET /v2/<repo>/blobs/<digest>` as a stream. When the connection breaks mid-body, the download goes on
 * from the last byte received with `Range: bytes=N-` (registries serve blobs with Range support); a server
 * that answers the range with anything but a 206 starting at N ends the stream with an error instead.
 * Bytes are not verified here: the pipeline verifies every blob a source returns.
 */
export async function downloadBlob(client: RegistryClient, repo: string, d: Descriptor, signal?: AbortSignal): Promise<Readable> {
  const action = `GET blob ${d.digest}`;
  const path = `/v2/${repo}/blobs/${d.digest}`;
  const first = await client.expect({ method: 'GET', path, repo, action, ...(signal ? { signal } : {}) }, [200]);
  const out = new PassThrough({ highWaterMark: 1024 * 1024 });
  void pump(client, repo, path, d, first, out, action, signal);
  return out;
}

async function pump(client: RegistryClient, repo: string, path: string, d: Descriptor, first: HttpResponse, out: PassThrough, action: string, signal?: AbortSignal): Promise<void> {
  let received = 0;
  let res: HttpResponse | undefined = first;
  const stop = (): void => {
    res?.body.destroy();
  };
  out.on('close', stop);
  try {
    for (let resumes = 0; ; resumes++) {
      try {
        for await (const chunk of (res as HttpResponse).body) {
          received += (chunk as Buffer).length;
          if (!out.write(chunk)) await once(out, 'drain', signal ? { signal } : {});
        }
        // a clean end short of the size is a cut too (some proxies close without an error)
        if (received >= d.size) break;
        throw Object.assign(new Error(`connection closed after ${received} of ${d.size} bytes`), { code: 'ECONNRESET' });
      } catch (err) {
        if (out.destroyed || isAbortError(err) || signal?.aborted) throw err;
        if (resumes >= RESUMES || received >= d.size) throw err;
        const from = received;
        res = await client.send({ method: 'GET', path, repo, action: `${action} (resume at byte ${from})`, headers: { Range: `bytes=${from}-` }, ...(signal ? { signal } : {}) });
        const start = /^bytes ([0-9]+)-/.exec(String(res.headers['content-range'] ?? ''));
        if (res.status !== 206 || Number(start?.[1]) !== from) {
          res.body.resume();
          throw new BalerError('E_IO', `${client.label(repo)}: ${action}: the connection broke after ${from} bytes and the registry cannot resume (HTTP ${res.status} to a Range request)`, { cause: err });
        }
      }
    }
    out.end();
  } catch (err) {
    out.destroy(err instanceof BalerError || isAbortError(err) ? (err as Error) : new BalerError('E_IO', `${client.label(repo)}: ${action}: ${(err as Error).message}`, { cause: err }));
  } finally {
    out.off('close', stop);
  }
}
