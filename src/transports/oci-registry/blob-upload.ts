import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { BalerError } from '../../errors.js';
import { noteLeftBehind } from '../../io/cleanup.js';
import { isVouchedFor } from '../../io/hashing.js';
import type { BlobInfo, Descriptor } from '../../model/descriptor.js';
import type { Digest } from '../../model/digest.js';
import { repositoryScope } from './auth.js';
import type { RegistryClient } from './client.js';
import { drain, type HttpResponse } from './http.js';

/**
 * Blobs up to this size go in one PUT; larger ones in PATCH chunks of this size. Memory: two chunks per
 * upload at most (one on the wire, the next being read). Each PATCH costs docker-registry 2.8 ~5 ms of CPU:
 * pushing the 302 MB bench set took it 1.84 / 1.65 / 1.55 s of CPU with 4 / 8 / 16 MiB chunks, for a baler
 * peak RSS of 155 / 175 / 200 MB.
 */
export const DEFAULT_CHUNK_SIZE = 8 * 1024 * 1024;

/** Part of an upload held in memory (so a broken request can be sent again): the stream's pieces, in order. */
interface Chunk {
  readonly parts: readonly Buffer[];
  readonly length: number;
}

/** The pieces after the first `skip` bytes. */
function partsFrom(parts: readonly Buffer[], skip: number): readonly Buffer[] {
  const out: Buffer[] = [];
  for (const p of parts) {
    if (skip >= p.length) skip -= p.length;
    else {
      out.push(skip > 0 ? p.subarray(skip) : p);
      skip = 0;
    }
  }
  return out;
}

/**
 * Yields the stream's bytes as `size`-byte chunks (the last one shorter), each a list of the pieces the
 * stream gave (subarrays, not copies: one memcpy less per pushed byte; streams never reuse a buffer they
 * pushed); holds at most one chunk.
 */
async function* chunksOf(body: Readable, size: number): AsyncGenerator<Chunk> {
  let parts: Buffer[] = [];
  let held = 0;
  for await (const piece of body) {
    let b = piece as Buffer;
    while (held + b.length >= size) {
      const take = size - held;
      parts.push(b.subarray(0, take));
      yield { parts, length: size };
      b = b.subarray(take);
      parts = [];
      held = 0;
    }
    if (b.length) {
      parts.push(b);
      held += b.length;
    }
  }
  if (held > 0) yield { parts, length: held };
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

/**
 * After an abort, a request already on the wire may finish for this long. Its answer says where the session
 * is: a PATCH cut off mid-way leaves the registry at an offset baler does not know, and registry 2.8 then
 * refuses the DELETE that would free the session (BLOB_UPLOAD_INVALID, upload resumed at wrong offset).
 */
const ABORT_GRACE_MS = 1000;
/** The DELETE that cancels a session gets this long: an interrupted baler exits within about two seconds. */
const CANCEL_TIMEOUT_MS = 1000;

/** A signal that follows `signal` `graceMs` late; dispose() stops it once the requests it guards are over. */
function lateSignal(signal: AbortSignal | undefined, graceMs: number): { signal?: AbortSignal; dispose(): void } {
  if (!signal) return { dispose: () => undefined };
  const late = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const onAbort = (): void => {
    timer = setTimeout(() => late.abort(signal.reason), graceMs);
  };
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });
  return {
    signal: late.signal,
    dispose() {
      signal.removeEventListener('abort', onAbort);
      clearTimeout(timer);
    },
  };
}

/** An open upload: its Location (which carries the registry's state) and the URL it is relative to. */
interface UploadSession {
  location: string;
  readonly base: string;
}

/** Times a session the registry dropped (BLOB_UPLOAD_INVALID after a broken PATCH/PUT) is opened again. */
const SESSION_RESTARTS = 2;

function isSessionLost(err: unknown): boolean {
  return err instanceof BalerError && /: BLOB_UPLOAD_(INVALID|UNKNOWN): /.test(err.message);
}

/**
 * Uploads one blob into `repo` (formats.md §8): POST opens a session; a blob that fits one chunk goes in a
 * single `PUT <Location>&digest=` with the body (never POST-with-body: registry 2.8 answers 202 and drops
 * it); a larger one goes in sequential `PATCH` chunks with Content-Range (chunk n on the wire while chunk
 * n+1 is read), then an empty `PUT ?digest=` once the source stream has ended. The bytes are hashed on the
 * way (unless the pipeline vouches for them) and checked against `info` before the final PUT; on any
 * failure or abort the session is cancelled (DELETE), so nothing is left under the digest. After an abort
 * the request on the wire may still finish (ABORT_GRACE_MS), so that DELETE carries the session's offset.
 *
 * Broken connections: requests are retried (client.ts). A registry that kept part of a chunk answers the
 * resent chunk with 416 and the rest is sent from the offset it reports. Registry 2.8 instead drops the
 * whole session (BLOB_UPLOAD_INVALID): while everything sent is still in memory (the first chunk) a new
 * session starts over; later, the error says to run again, which skips the blobs already pushed.
 */
export async function uploadBlob(client: RegistryClient, repo: string, body: Readable, info: BlobInfo, opts: { chunkSize?: number; signal?: AbortSignal } = {}): Promise<Descriptor> {
  opts.signal?.throwIfAborted();
  const label = client.label(repo);
  // requests end a little after an abort (ABORT_GRACE_MS), so the session they leave can be cancelled
  const late = lateSignal(opts.signal, ABORT_GRACE_MS);
  const signal = late.signal ? { signal: late.signal } : {};
  const stopIfAborted = (): void => opts.signal?.throwIfAborted();
  const chunkSize = opts.chunkSize ?? DEFAULT_CHUNK_SIZE;
  const what = `upload blob ${info.digest ?? '(digest computed while uploading)'}`;
  let session: UploadSession | undefined;
  const openSession = async (): Promise<UploadSession> => {
    const res = await client.expect({ method: 'POST', path: `/v2/${repo}/blobs/uploads/`, repo, push: true, action: what, ...signal }, [202]);
    drain(res);
    session = { location: locationOf(res, what, label), base: res.url.toString() };
    return session;
  };
  const withRestarts = async <T>(fromStart: boolean, op: (at: UploadSession) => Promise<T>): Promise<T> => {
    for (let restarts = 0; ; restarts++) {
      try {
        return await op(session ?? (await openSession()));
      } catch (err) {
        if (!isSessionLost(err)) throw err;
        if (!fromStart || restarts >= SESSION_RESTARTS) {
          throw new BalerError('E_IO', `${label}: ${what}: the registry dropped the upload session after a broken connection and cannot resume it; run the command again (blobs already pushed are skipped)`, { cause: err });
        }
        session = undefined;
        await openSession();
      }
    }
  };
  // a body the pipeline already verifies (io/hashing.ts vouchFor) ends only when its bytes hash to
  // info.digest, and the final PUT waits for that end: hashing it here again would be the same check twice
  const vouched = info.digest !== undefined && isVouchedFor(body, info.digest, info.size);
  const hash = vouched ? undefined : createHash('sha256');
  let offset = 0;
  let finished = false;
  const chunks = chunksOf(body, chunkSize);
  const take = (chunk: Chunk): Chunk => {
    for (const part of chunk.parts) hash?.update(part);
    offset += chunk.length;
    if (info.size !== undefined && offset > info.size) throw sizeMismatch(label, info, offset);
    return chunk;
  };
  try {
    await openSession();
    stopIfAborted();
    const first = await chunks.next();
    // a blob that may fit one chunk: look one chunk ahead, so it can go in one (restartable) PUT
    const second = info.size !== undefined && info.size > chunkSize ? undefined : first.done ? first : await chunks.next();
    let last: Chunk | undefined;
    if (first.done || second?.done) {
      last = first.done ? undefined : take(first.value);
    } else {
      // PATCH chunk n while chunk n+1 is read from the source: at most two chunks in memory
      let held = take(first.value);
      let reading = second ? Promise.resolve(second) : chunks.next();
      for (;;) {
        const [part, at] = [held, offset - held.length];
        const sending = withRestarts(at === 0, (s) => patchChunk(client, repo, s.location, part, at, what, late.signal));
        const [sent, next] = await Promise.allSettled([sending, reading]);
        // where the session is now, whatever happens next: a DELETE with an older offset would be refused
        if (sent.status === 'fulfilled' && session) session.location = sent.value;
        // the source's own error (a digest mismatch upstream) says more than a cancelled PATCH
        if (next.status === 'rejected') throw next.reason;
        if (sent.status === 'rejected') throw sent.reason;
        stopIfAborted();
        if (next.value.done) break;
        held = take(next.value.value);
        reading = chunks.next();
      }
    }
    const digest = hash ? (`sha256:${hash.digest('hex')}` as Digest) : (info.digest as Digest);
    if (info.size !== undefined && offset !== info.size) throw sizeMismatch(label, info, offset);
    if (info.digest !== undefined && digest !== info.digest) {
      throw new BalerError('E_DIGEST_MISMATCH', `${label}: blob ${info.digest}: digest mismatch, expected ${info.digest}, got ${digest}`);
    }
    stopIfAborted();
    // a one-chunk blob travels with the closing PUT: one request, and it can start over in a new session
    const body = last?.parts;
    const put = await withRestarts(last === undefined || last.length === offset, (s) =>
      client.expect(
        { method: 'PUT', path: withDigest(s.location, digest, s.base), repo, push: true, action: what, headers: { 'Content-Type': 'application/octet-stream' }, ...(body ? { body } : {}), ...signal },
        [201, 204],
      ),
    );
    drain(put);
    finished = true;
    return { mediaType: info.mediaType, digest, size: offset };
  } finally {
    late.dispose();
    // stops reading the source when the upload failed before its end
    await chunks.return(undefined).catch(() => undefined);
    if (!finished && session) await cancelUpload(client, repo, session.location, session.base);
  }
}

async function patchChunk(client: RegistryClient, repo: string, location: string, chunk: Chunk, start: number, what: string, signal?: AbortSignal): Promise<string> {
  let sent = 0;
  for (let tries = 0; ; tries++) {
    const part = partsFrom(chunk.parts, sent);
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

/**
 * Best effort, within CANCEL_TIMEOUT_MS whatever the caller's signal: a cancelled session frees the
 * registry's temp data (errors here would hide the real one). One the registry keeps is noted for the
 * exit message of an interrupted run (io/cleanup.ts), which then does not claim that nothing was left.
 */
async function cancelUpload(client: RegistryClient, repo: string, location: string, base: string): Promise<void> {
  let status: number | undefined;
  try {
    const res = await client.send({ method: 'DELETE', path: new URL(location, base).toString(), repo, push: true, action: 'cancel upload', signal: AbortSignal.timeout(CANCEL_TIMEOUT_MS) });
    drain(res);
    status = res.status;
  } catch {
    // no answer in time: the session stays until the registry purges it
  }
  // 404: the registry no longer knows the session, so it holds nothing for it either
  if (status !== 204 && status !== 202 && status !== 200 && status !== 404) {
    noteLeftBehind(`${client.label(repo)} may keep an unfinished upload until the registry purges stale uploads`);
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
