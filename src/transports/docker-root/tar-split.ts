import { createReadStream } from 'node:fs';
import { pipeline, type Readable } from 'node:stream';
import { decompressor } from '../../codecs/index.js';
import { BalerError, fromSystemError } from '../../errors.js';
import { isObject } from '../../model/json-limits.js';

/**
 * tar-split records (formats.md §5.1, vbatts/tar-split `storage.Entry`): the gzip'd JSON-lines file Docker
 * keeps per layer so the exact layer tar can be rebuilt from the extracted files.
 *   type 2 "segment": raw tar bytes (headers, padding, end-of-archive blocks) carried in the record;
 *   type 1 "file":    an entry whose content is on disk; payload = big-endian CRC-64 of it (null if size 0).
 */
export type TarSplitRecord =
  | { readonly kind: 'segment'; readonly position: number; readonly bytes: Buffer }
  | {
      readonly kind: 'file';
      readonly position: number;
      /** Entry name as raw bytes (`name_raw` when the name is not UTF-8); use `latin1` to keep bytes 1:1 in a string. */
      readonly name: Buffer;
      readonly size: number;
      readonly crc?: Buffer;
    };

/** Longest JSON line accepted: segments are headers + padding; a PAX block with huge xattrs stays far below. */
export const MAX_RECORD_LINE = 64 * 1024 * 1024;

function decodeBase64(v: unknown, what: string): Buffer {
  if (v === null || v === undefined) return Buffer.alloc(0);
  if (typeof v !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(v)) throw new BalerError('E_FORMAT', `${what}: payload is not base64`);
  return Buffer.from(v, 'base64');
}

/** Parses one JSON line into a record; `what` names the file and line in errors. Pure. */
export function parseTarSplitLine(line: string, what: string): TarSplitRecord {
  let o: unknown;
  try {
    o = JSON.parse(line);
  } catch {
    throw new BalerError('E_FORMAT', `${what}: invalid JSON record`);
  }
  if (!isObject(o)) throw new BalerError('E_FORMAT', `${what}: record is not a JSON object`);
  const position = typeof o.position === 'number' ? o.position : -1;
  if (o.type === 2) return { kind: 'segment', position, bytes: decodeBase64(o.payload, what) };
  if (o.type !== 1) throw new BalerError('E_FORMAT', `${what}: unknown record type ${JSON.stringify(o.type)}`);
  const size = o.size === undefined || o.size === null ? 0 : o.size;
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) throw new BalerError('E_FORMAT', `${what}: bad size`);
  let name: Buffer;
  if (typeof o.name_raw === 'string' && o.name_raw !== '') name = decodeBase64(o.name_raw, what);
  else if (typeof o.name === 'string') name = Buffer.from(o.name, 'utf8');
  else throw new BalerError('E_FORMAT', `${what}: file record without a name`);
  const crc = decodeBase64(o.payload, what);
  if (size > 0 && crc.length !== 8) throw new BalerError('E_FORMAT', `${what}: file record for ${JSON.stringify(name.toString('utf8'))} has no 8-byte CRC-64`);
  return crc.length === 8 ? { kind: 'file', position, name, size, crc } : { kind: 'file', position, name, size };
}

/**
 * Splits an (already decompressed) JSON-lines stream into records, in stream order. Memory is bounded by
 * the longest line; a partial line at the end is still a record (tar-split ends each one with "\n").
 */
export async function* readTarSplitRecords(lines: Readable, what: string): AsyncGenerator<TarSplitRecord> {
  let pending: Buffer[] = [];
  let pendingLen = 0;
  let lineNo = 0;
  const flush = function* (end: Buffer): Generator<TarSplitRecord> {
    const whole = pending.length === 0 ? end : Buffer.concat([...pending, end]);
    pending = [];
    pendingLen = 0;
    lineNo++;
    const text = whole.toString('utf8').trim();
    if (text !== '') yield parseTarSplitLine(text, `${what}: line ${lineNo}`);
  };
  for await (const chunk of lines) {
    let buf = chunk as Buffer;
    let nl: number;
    while ((nl = buf.indexOf(0x0a)) >= 0) {
      yield* flush(buf.subarray(0, nl));
      buf = buf.subarray(nl + 1);
    }
    if (buf.length > 0) {
      pendingLen += buf.length;
      if (pendingLen > MAX_RECORD_LINE) throw new BalerError('E_FORMAT', `${what}: record longer than ${MAX_RECORD_LINE} bytes`);
      pending.push(Buffer.from(buf));
    }
  }
  if (pendingLen > 0) yield* flush(Buffer.alloc(0));
}

/**
 * Opens `tar-split.json.gz` and yields its records. Docker writes it with Go's gzip, whose reader takes
 * nothing after the last member; the project's gunzip reads it the same way (and fast, with ISA-L), and
 * its errors are the one-line E_FORMAT/E_TRUNCATED that name the file, as JSON errors do.
 */
export async function* readTarSplitFile(path: string): AsyncGenerator<TarSplitRecord> {
  const file = createReadStream(path);
  const gunzip = decompressor('gzip', path);
  pipeline(file, gunzip, () => undefined); // a read error reaches the records' reader by destroying `gunzip`
  try {
    yield* readTarSplitRecords(gunzip, path);
  } catch (err) {
    throw fromSystemError(err, path);
  } finally {
    file.destroy();
    gunzip.destroy();
  }
}
