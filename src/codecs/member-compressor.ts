import { Transform, type TransformCallback } from 'node:stream';
import { BalerError } from '../errors.js';

/**
 * A compressor whose output is a series of complete gzip members or zstd frames, each ended where the
 * caller asks (endMemberAt, an offset in the input). Every reader of gzip and zstd (Go's readers in
 * docker/podman/skopeo, GNU gzip, pigz, the zstd CLI, Node) decodes concatenated members as one stream,
 * so the output is an ordinary .tar.gz/.tar.zst. save --resume uses it to end a member after every blob
 * entry: a kept prefix then ends on a member boundary and decodes on its own, and a rerun appends new
 * members after it. Each member comes from a fresh compressor, so the bytes of a member depend only on
 * its input: a resumed save is byte-identical to an uninterrupted one.
 */
export class MemberCompressor extends Transform {
  private inPos: number;
  private outPos: number;
  private member: Transform | undefined;
  private readonly cuts: Array<{ at: number; done: (outEnd: number) => void }> = [];
  private queue: Promise<void> = Promise.resolve();

  constructor(
    /** A fresh compressor for one member. */
    private readonly openMember: () => Transform,
    /** Offsets of the first input and output byte (a resumed save continues after a kept prefix). */
    start: { in: number; out: number },
  ) {
    super({ highWaterMark: 1024 * 1024 });
    this.inPos = start.in;
    this.outPos = start.out;
  }

  /**
   * Ends the current member once the input reaches offset `at` (cuts come in increasing order, never
   * behind the input already taken); `done` gets the output offset where the member ended, after all
   * of its bytes were pushed.
   */
  endMemberAt(at: number, done: (outEnd: number) => void): void {
    this.serialized(async () => {
      const last = this.cuts[this.cuts.length - 1]?.at ?? this.inPos;
      if (at < last) throw new BalerError('E_INTERNAL', `Internal error: member cut at ${at} behind ${last}`);
      this.cuts.push({ at, done });
      await this.cutDue();
    }).catch((err: unknown) => this.destroy(err as Error));
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.serialized(() => this.compressChunk(chunk)).then(() => cb(), (err: unknown) => cb(err as Error));
  }

  override _flush(cb: TransformCallback): void {
    this.serialized(() => this.endMember()).then(() => cb(), (err: unknown) => cb(err as Error));
  }

  override _read(size: number): void {
    this.member?.resume(); // paused while our readable side was full
    super._read(size);
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.member?.destroy();
    cb(err);
  }

  private serialized(op: () => Promise<void>): Promise<void> {
    const run = this.queue.then(op);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async compressChunk(chunk: Buffer): Promise<void> {
    let rest = chunk;
    while (rest.length > 0) {
      const cut = this.cuts[0];
      const n = Math.min(rest.length, cut ? cut.at - this.inPos : rest.length);
      if (n > 0) {
        await this.writeMember(rest.subarray(0, n));
        this.inPos += n;
        rest = rest.subarray(n);
      }
      await this.cutDue();
    }
  }

  private async cutDue(): Promise<void> {
    while (this.cuts[0] && this.cuts[0].at === this.inPos) {
      const cut = this.cuts.shift() as { done: (outEnd: number) => void };
      await this.endMember();
      cut.done(this.outPos);
    }
  }

  private writeMember(bytes: Buffer): Promise<void> {
    const m = (this.member ??= this.startMember());
    return new Promise((resolve, reject) => m.write(bytes, (err) => (err ? reject(err) : resolve())));
  }

  private startMember(): Transform {
    const m = this.openMember();
    m.on('data', (d: Buffer) => {
      this.outPos += d.length;
      if (!this.push(d)) m.pause();
    });
    m.on('error', () => undefined); // reported through the write callback or endMember
    return m;
  }

  private async endMember(): Promise<void> {
    const m = this.member;
    if (!m) return;
    try {
      // still this.member meanwhile: _read resumes it when it is paused for back-pressure
      await new Promise<void>((resolve, reject) => {
        m.once('end', resolve);
        m.once('error', reject);
        m.end();
      });
    } finally {
      this.member = undefined;
    }
  }
}
