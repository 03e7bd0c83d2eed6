import type { Readable } from 'node:stream';
import { sha256OfFdInline } from '../io/file-sha256-inline.js';
import { hashWorkersAhead, sha256OfFdOffThread, startHashWorkersEarly, type FileHashJob } from '../io/file-sha256-thread.js';
import type { Descriptor } from '../model/descriptor.js';
import type { Digest } from '../model/digest.js';
import type { ImageRef, ImageSource, SinkCaps } from '../transports/types.js';
import { checkedBlobFileStream, hashesOffThread, openBlobForCheck, type OpenedBlobFile } from './checked-blob-file.js';

/** Blob files opened ahead and not yet taken by the copy, at most (each holds an fd until then). */
const MAX_FILES_AHEAD = 64;
/**
 * …and at most this many of their bytes (one blob bigger than this is still hashed, alone): the copy
 * reads each blob again, which should find it in the page cache, not on disk.
 */
const MAX_BYTES_AHEAD = 512 * 1024 * 1024;

/** Where a hash runs: on a worker thread, or on the main thread between its other work. */
type Lane = 'worker' | 'main';

interface Started {
  readonly opened: OpenedBlobFile;
  readonly job: FileHashJob;
  /** Settles once the worker no longer reads the fd: only then may the file be closed. */
  readonly settled: Promise<void>;
}

interface Entry {
  readonly d: Descriptor;
  /** queued → started (file open, hash posted) → taken by the copy, or dropped (stopped and closed). */
  state: 'queued' | 'started' | 'taken' | 'dropped';
  /** Undefined inside when the file could not be opened: the copy then fetches the blob its usual way. */
  started?: Promise<Started | undefined>;
}

/**
 * The layers a sequential sink (a tar: one blob after another) will take, hashed AHEAD of it. With one
 * blob hashed at a time beside its copy, the copy waited at the end of each blob for its digest: on the
 * 300 MB bench save the main thread sat idle for half its run. Here the plan's stored blob files are
 * opened and hashed in parallel from the start, so a digest is usually ready when the copy reaches the
 * end of its blob.
 *
 * Lanes: one per core, at most four: the workers, and the main thread itself (io/file-sha256-inline.ts),
 * which mostly waits for digests while the sink takes one blob at a time. On two cores that is one
 * worker plus the main thread: the parallelism of two workers without a second worker's start-up
 * (~65 ms of CPU). Workers are filled first, so a save with one big blob hashes it on a worker as before.
 * On the two-core bench save (212 + 52 + 52 MB) two workers, or the main thread taking the first blob
 * while the worker starts, were both ~30 ms slower than this; the copy phase keeps ~1.5 cores busy.
 *
 * Order: jobs start in the order the sink takes the blobs, each in a free lane, one job per lane at a
 * time. The blob needed first therefore starts at once, every later one starts no later than its
 * turn, and a lane that finishes early takes the next blob (largest-first would make the copy's first
 * blob wait behind a bigger later one; the copy is sequential, so earlier blobs are needed earlier).
 * A blob the copy reaches before its turn (the copy ran ahead) is started right then, behind at most
 * one running job.
 *
 * Each blob keeps checked-blob-file.ts's guarantees unchanged: the copy reads the same fd its lane
 * hashed, the file's stat is taken before the first read and compared after the last, and the fd stays
 * open until its job has settled. Taken blobs belong to their stream; the rest are stopped and closed
 * by drop() (the sink had the blob, a delta left it out) or close() (the copy ended, however).
 */
export class PrehashedBlobFiles {
  private readonly entries = new Map<Digest, Entry>();
  /** Entries not started yet, in the order the sink takes them. */
  private readonly queue: Entry[] = [];
  /** Jobs of this plan running on workers (a taken blob's included: it still holds its worker). */
  private onWorkers = 0;
  /** True while the main thread hashes a blob of this plan. */
  private onMain = false;
  private filesAhead = 0;
  private bytesAhead = 0;
  private closed = false;
  /** Stops and closes in progress (drop, close). */
  private readonly releasing: Array<Promise<void>> = [];
  /** Streams handed to the copy, and when each has closed its file. */
  private readonly handedOut: Array<{ stream: Readable; closed: Promise<void> }> = [];

  private constructor(
    private readonly source: ImageSource,
    private readonly workers: number,
  ) {}

  /**
   * Called before the source is opened: when the copy will go from a store or layout directory (blobs as
   * files) into an archive (one blob at a time), starts the hash workers now, so their start-up overlaps
   * opening the source and planning instead of delaying the first big blob's digest.
   */
  static warmUpFor(from: ImageRef, intoArchive: boolean): void {
    const filesSource = from.transport.name === 'store' || from.transport.name === 'oci';
    if (filesSource && intoArchive) startHashWorkersEarly();
  }

  /**
   * Starts hashing `layers` (in the order the sink will take them; repeats are ignored) when it pays:
   * a sink that takes one blob at a time, blobs the source has as files, big enough, a second core.
   * Undefined otherwise. The caller must close() what it gets, after the copy.
   */
  static start(source: ImageSource, caps: SinkCaps, layers: readonly Descriptor[]): PrehashedBlobFiles | undefined {
    // a sink taking several blobs at once already overlaps their hashes with each other's copies
    if (caps.parallelPuts) return undefined;
    const ahead = new PrehashedBlobFiles(source, hashWorkersAhead());
    for (const d of layers) {
      if (ahead.entries.has(d.digest) || !hashesOffThread(source, d)) continue;
      const e: Entry = { d, state: 'queued' };
      ahead.entries.set(d.digest, e);
      ahead.queue.push(e);
    }
    if (ahead.entries.size === 0) return undefined;
    ahead.pump();
    return ahead;
  }

  /**
   * `d` as a checked stream (checked-blob-file.ts) whose hash started ahead, or undefined when this plan
   * has no file for it: the caller then opens or fetches it its usual way. `what` names it in errors.
   */
  async take(d: Descriptor, what: string): Promise<Readable | undefined> {
    const e = this.entries.get(d.digest);
    if (!e || this.closed) return undefined;
    if (e.d.size !== d.size) {
      this.drop(d.digest); // another descriptor of the digest: its own path reports the size
      return undefined;
    }
    if (e.state === 'queued') this.start(e, this.freeLane() ?? 'worker');
    const started = await e.started;
    // dropped meanwhile (close): its file is closed by close()
    if (e.state !== 'started') return undefined;
    this.leave(e, 'taken');
    if (!started) return undefined;
    const stream = checkedBlobFileStream(started.opened, started.job, d, what);
    this.handedOut.push({ stream, closed: new Promise((resolve) => stream.once('close', () => resolve())) });
    return stream;
  }

  /** The copy will not take `digest` (the sink has it, a delta leaves it out): stop its job, close its file. */
  drop(digest: Digest): void {
    const e = this.entries.get(digest);
    if (!e || e.state === 'taken' || e.state === 'dropped') return;
    const wasStarted = e.state === 'started';
    this.leave(e, 'dropped');
    if (wasStarted) this.releasing.push(release(e));
  }

  /**
   * After the copy (done, failed or cancelled): stops every job, and resolves once no worker reads a
   * file of this plan and every file is closed, the streams handed out included.
   */
  async close(): Promise<void> {
    this.closed = true;
    for (const digest of this.entries.keys()) this.drop(digest);
    for (const { stream } of this.handedOut) if (!stream.closed) stream.destroy();
    await Promise.all([...this.releasing, ...this.handedOut.map((h) => h.closed)]);
  }

  /** Starts queued blobs, in order, while a lane is free and the files ahead stay within bounds. */
  private pump(): void {
    for (;;) {
      const next = this.queue[0];
      if (this.closed || !next || this.filesAhead >= MAX_FILES_AHEAD) return;
      if (this.filesAhead > 0 && this.bytesAhead + next.d.size > MAX_BYTES_AHEAD) return;
      const lane = this.freeLane();
      if (!lane) return;
      this.start(next, lane);
    }
  }

  private freeLane(): Lane | undefined {
    if (this.onWorkers < this.workers) return 'worker';
    return this.onMain ? undefined : 'main';
  }

  private start(e: Entry, lane: Lane): void {
    const i = this.queue.indexOf(e);
    if (i >= 0) this.queue.splice(i, 1);
    e.state = 'started';
    if (lane === 'main') this.onMain = true;
    else this.onWorkers++;
    this.filesAhead++;
    this.bytesAhead += e.d.size;
    const started = this.open(e.d, lane);
    e.started = started;
    void started
      .then((s) => s?.settled)
      .then(() => {
        if (lane === 'main') this.onMain = false;
        else this.onWorkers--;
        this.pump();
      });
  }

  /** Opens and starts hashing; never rejects (a file that cannot be opened is the copy's to report). */
  private async open(d: Descriptor, lane: Lane): Promise<Started | undefined> {
    let opened: OpenedBlobFile | undefined;
    try {
      opened = await openBlobForCheck(this.source, d);
    } catch {
      return undefined;
    }
    if (!opened) return undefined;
    const job = lane === 'main' ? sha256OfFdInline(opened.fd) : sha256OfFdOffThread(opened.fd, this.workers);
    return { opened, job, settled: job.result.then(() => undefined, () => undefined) };
  }

  /** Takes `e` out of the queue or out of the files ahead. */
  private leave(e: Entry, state: 'taken' | 'dropped'): void {
    if (e.state === 'started') {
      this.filesAhead--;
      this.bytesAhead -= e.d.size;
    } else if (e.state === 'queued') {
      const i = this.queue.indexOf(e);
      if (i >= 0) this.queue.splice(i, 1);
    }
    e.state = state;
    this.pump();
  }
}

/** Stops a started entry's job and closes its file once the worker no longer reads it. */
async function release(e: Entry): Promise<void> {
  const started = await e.started;
  if (!started) return;
  started.job.stop();
  await started.settled;
  await started.opened.file.close().catch(() => undefined);
}
