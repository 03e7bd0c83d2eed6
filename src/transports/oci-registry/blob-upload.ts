import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { BalerError } from '../../errors.js';
import type { BlobInfo, Descriptor } from '../../model/descriptor.js';
import type { Digest } from '../../model/digest.js';
import { repositoryScope } from './auth.js';
import type { RegistryClient } from './client.js';
import { drain, type HttpResponse } from './http.js';

/** Blobs up to this size go in one PUT; larger ones in PATCH chunks of this size (memory: one chunk per upload). */
export const DEFAULT_CHUNK_SIZE = 16 * 1024 * 1024;

/** Yields `size`-byte Buffers (the last one shorter) from a stream; holds at most one chunk. */
async function* chunksOf(body: Readable, size: number): AsyncGenerator<Buffer> {
  let parts: Buffer[] = [];
  let held = 0;
  for await (const piece of body) {
    let b = piece as Buffer;
    while (held + b.length >= size) {
      const take = size - held;
      parts.push(b.subarray(0, take));
      yield Buffer.concat(parts, size);
      b = b.subarray(take);
      parts = [];
      held = 0;
    }
    if (b.length) {
      parts.push(b);
      held += b.length;
    }
  }
  if (held > 0 || parts.length) yield Buffer.concat(parts, held);
}

function locationOf(res: HttpResponse, what: string, label: string): string {
  const loc = res.headers.location;
  if (!loc) throw new BalerError('E_PEER', `${label}: ${what}: the registry answered ${res.status} without a Location`);
  return loc;
}

function withDigest(location: string, digest: Digest, base: string): string {
  const url = new URL(location, base);
  url.searchParams.set('digest', digest);
  return url.toString();
}

/** Times a session the registry dropped (BLOB_UPLOAD_INVALID after a broken PATCH/PUT) is opened again. */
const SESSION_RESTARTS = 2;

function isSessionLost(err: unknown): boolean {
  return err instanceof BalerError && /: BLOB_UPLOAD_(INVALID|UNKNOWN): /.test(err.message);
}

/**
 * Uploads one blob into `repo` (formats.md §8): POST opens a session; a blob that fits one chunk goes in a
 * single `PUT <Location>&digest=` with the body (never POST-with-body: registry 2.8 answers 202 and drops
 * it); a larger one goes in sequential `PATCH` chunks with Content-Range, then `PUT ?digest=`. The bytes
 * are hashed on the way and checked against `info` before the final PUT; on any failure the session is
 * cancelled, so nothing is left under the digest.
 *
 * Broken connections: requests are retried (client.ts). A registry that kept part of a chunk answers the
 * resent chunk with 416 and the rest is sent from the offset it reports. Registry 2.8 instead drops the
 * whole session (BLOB_UPLOAD_INVALID): while everything sent is still in memory (the first chunk) a new
 * session starts over; later, the error says to run again, which skips the blobs already pushed.
 */
export async function uploadBlob(client: RegistryClient, repo: string, body: Readable, info: BlobInfo, opts: { chunkSize?: number; signal?: AbortSignal } = {}): Promise<Descriptor> {
  const label = client.label(repo);
  const signal = opts.signal ? { signal: opts.signal } : {};
  const chunkSize = opts.chunkSize ?? DEFAULT_CHUNK_SIZE;
  const what = `upload blob ${info.digest ?? '(digest computed while uploading)'}`;
  const openSession = async (): Promise<{ location: string; base: string }> => {
    const res = await client.expect({ method: 'POST', path: `/v2/${repo}/blobs/uploads/`, repo, push: true, action: what, ...signal }, [202]);
    drain(res);
    return { location: locationOf(res, what, label), base: res.url.toString() };
  };
  let session = await openSession();
  const withRestarts = async <T>(fromStart: boolean, op: (location: string) => Promise<T>): Promise<T> => {
    for (let restarts = 0; ; restarts++) {
      try {
        return await op(session.location);
      } catch (err) {
        if (!isSessionLost(err)) throw err;
        if (!fromStart || restarts >= SESSION_RESTARTS) {
          throw new BalerError('E_IO', `${label}: ${what}: the registry dropped the upload session after a broken connection and cannot resume it; run the command again (blobs already pushed are skipped)`, { cause: err });
        }
        session = await openSession();
      }
    }
  };
  const hash = createHash('sha256');
  let offset = 0;
  let finished = false;
  try {
    let pending: Buffer | undefined;
    for await (const chunk of chunksOf(body, chunkSize)) {
      if (pending) {
        const [part, at] = [pending, offset - pending.length];
        session.location = await withRestarts(at === 0, (location) => patchChunk(client, repo, location, part, at, what, opts.signal));
      }
      hash.update(chunk);
      offset += chunk.length;
      if (info.size !== undefined && offset > info.size) throw sizeMismatch(label, info, offset);
      pending = chunk;
    }
    const digest = `sha256:${hash.digest('hex')}` as Digest;
    if (info.size !== undefined && offset !== info.size) throw sizeMismatch(label, info, offset);
    if (info.digest !== undefined && digest !== info.digest) {
      throw new BalerError('E_DIGEST_MISMATCH', `${label}: blob ${info.digest}: digest mismatch, expected ${info.digest}, got ${digest}`);
    }
    // the last (or only) chunk travels with the closing PUT: one request for a small blob
    const last = pending;
    const put = await withRestarts(last === undefined || last.length === offset, (location) =>
      client.expect(
        { method: 'PUT', path: withDigest(location, digest, session.base), repo, push: true, action: what, headers: { 'Content-Type': 'application/octet-stream' }, ...(last ? { body: last } : {}), ...signal },
        [201, 204],
      ),
    );
    drain(put);
    finished = true;
    return { mediaType: info.mediaType, digest, size: offset };
  } finally {
    if (!finished) await cancelUpload(client, repo, session.location, session.base);
  }
}

async function patchChunk(client: RegistryClient, repo: string, location: string, chunk: Buffer, start: number, what: string, signal?: AbortSignal): Promise<string> {
  let sent = 0;
  for (let tries = 0; ; tries++) {
    const part = chunk.subarray(sent);
    const from = start + sent;
    const res = await client.send({
      method: 'PATCH',
      path: location,
      repo,
      push: true,
      action: `${what} (bytes ${from}-${start + chunk.length - 1})`,
      headers: { 'Content-Type': 'application/octet-stream', 'Content-Range': `${from}-${start + chunk.length - 1}` },
      body: part,
      ...(signal ? { signal } : {}),
    });
    if (res.status === 202) {
      drain(res);
      return locationOf(res, what, client.label(repo));
    }
    if (res.status !== 416 || tries >= 2) throw await client.failure(res, { repo, action: what });
    drain(res);
    // a retried PATCH whose first attempt partly landed: ask where the session is and send the rest
    const status = await client.expect({ method: 'GET', path: location, repo, push: true, action: `${what} (status)`, ...(signal ? { signal } : {}) }, [204]);
    drain(status);
    const end = /^0-([0-9]+)$/.exec(String(status.headers.range ?? ''));
    const have = end ? Number(end[1]) + 1 : 0;
    if (have < start || have > start + chunk.length) throw await client.failure(res, { repo, action: what });
    sent = have - start;
    location = status.headers.location ?? location;
    if (sent === chunk.length) return location;
  }
}

function sizeMismatch(label: string, info: BlobInfo, got: number): BalerError {
  return new BalerError('E_DIGEST_MISMATCH', `${label}: blob ${info.digest ?? ''}: size mismatch, expected ${info.size} bytes, got ${got}`);
}

/** Best effort: a cancelled session frees the registry's temp data (errors here would hide the real one). */
async function cancelUpload(client: RegistryClient, repo: string, location: string, base: string): Promise<void> {
  try {
    const res = await client.send({ method: 'DELETE', path: new URL(location, base).toString(), repo, push: true, action: 'cancel upload' });
    drain(res);
  } catch {
    // the session expires on its own
  }
}

/**
 * Cross-repo mount: `POST /v2/<repo>/blobs/uploads/?mount=<digest>&from=<other>`. 201 = mounted; 202 = the
 * registry would not (unknown blob, no access) and opened a session instead, which is cancelled.
 */
export async function mountBlob(client: RegistryClient, repo: string, digest: Digest, from: string, signal?: AbortSignal): Promise<boolean> {
  const path = `/v2/${repo}/blobs/uploads/?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(from)}`;
  const res = await client.expect({ method: 'POST', path, repo, push: true, extraScopes: [repositoryScope(from, false)], action: `mount blob ${digest} from ${from}`, ...(signal ? { signal } : {}) }, [201, 202]);
  drain(res);
  if (res.status === 201) return true;
  const loc = res.headers.location;
  if (loc) await cancelUpload(client, repo, loc, res.url.toString());
  return false;
}
