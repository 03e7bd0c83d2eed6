import { BalerError } from '../../errors.js';
import { RingChannel } from './check-thread.js';
import { crc64WasmParts } from './crc64.js';

/**
 * CRC-64 checks of a stream's files, on the check thread (check-thread.ts). The producer gives each file's
 * bytes in order, the last piece with the CRC-64 tar-split recorded; `checkedThrough(position)` resolves
 * once every file ending at or before `position` (a count of file bytes given) was checked, and rejects
 * with E_DIGEST_MISMATCH naming the first file that does not match.
 */
export class OffThreadCrc64 {
  private readonly channel: RingChannel;
  /** Display names of files given but not yet confirmed, by end position. */
  private readonly names = new Map<number, string>();
  private mismatch: BalerError | undefined;

  constructor(private readonly what: string) {
    this.channel = new RingChannel(
      { kind: 'crc64', ...crc64WasmParts() },
      {
        bad: (end) => {
          const name = this.names.get(end) ?? 'a file';
          this.mismatch ??= new BalerError('E_DIGEST_MISMATCH', `${this.what}: ${name} does not match its recorded CRC-64 (the layer directory was changed after Docker stored it)`);
        },
      },
    );
  }

  /** File bytes given so far. */
  get position(): number {
    return this.channel.written;
  }

  /**
   * Adds a piece of the current file; `end` (the recorded CRC-64, 8 big-endian bytes, and the file's
   * display name) marks its last piece. Returns a promise only when the caller must wait for the worker.
   */
  file(data: Uint8Array, end?: { crc: Buffer; name: string }): Promise<void> | undefined {
    if (this.mismatch) throw this.mismatch;
    if (!end) return this.channel.write(data);
    this.names.set(this.channel.written + data.length, end.name);
    return this.channel.write(data, [end.crc.readUInt32BE(0), end.crc.readUInt32BE(4)]);
  }

  /** Waits until every file ending at or before `position` is checked; throws the first mismatch. */
  async checkedThrough(position: number): Promise<void> {
    if (this.mismatch) throw this.mismatch;
    if (this.channel.acked < position) await this.channel.until(position);
    // a mismatch is reported before the acknowledgement of the same update
    if (this.mismatch) throw this.mismatch;
    for (const end of this.names.keys()) {
      if (end > position) break;
      this.names.delete(end);
    }
  }

  dispose(): void {
    this.channel.dispose();
  }
}
