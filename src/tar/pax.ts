import { BalerError } from '../errors.js';
import { decodeNameBytes, encodeNameBytes } from './name-bytes.js';

/** PAX extended header records: `"<len> <key>=<value>\n"`, len counting the whole record in bytes. */
export function parsePaxRecords(body: Uint8Array, what: string, offset: number): Record<string, string> {
  const out: Record<string, string> = {};
  const buf = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  let i = 0;
  while (i < buf.length) {
    if (buf[i] === 0) break; // NUL padding after the last record
    const space = buf.indexOf(0x20, i);
    const len = space === -1 ? NaN : Number(buf.toString('latin1', i, space));
    if (!Number.isInteger(len) || len <= 0 || i + len > buf.length || buf[i + len - 1] !== 0x0a) {
      throw new BalerError('E_FORMAT', `${what}: malformed PAX header at offset ${offset}`);
    }
    const record = buf.subarray(space + 1, i + len - 1);
    const eq = record.indexOf(0x3d);
    if (eq <= 0) throw new BalerError('E_FORMAT', `${what}: malformed PAX record at offset ${offset}`);
    // keys are ASCII; xattr values may be any bytes (latin1 keeps them 1:1); other values are meant to
    // be UTF-8 but Go and GNU tar write a non-UTF-8 path as raw bytes, which name-bytes.ts keeps exact
    const key = record.toString('utf8', 0, eq);
    const value = key.startsWith('SCHILY.xattr.') ? record.toString('latin1', eq + 1) : decodeNameBytes(record.subarray(eq + 1));
    if (value === '') delete out[key]; // POSIX: an empty value removes the keyword
    else out[key] = value;
    i += len;
  }
  return out;
}

export function encodePaxRecords(records: Record<string, string>): Buffer {
  const parts: Buffer[] = [];
  for (const [key, value] of Object.entries(records)) {
    const valueBytes = key.startsWith('SCHILY.xattr.') ? Buffer.from(value, 'latin1') : encodeNameBytes(value);
    const payload = Buffer.concat([Buffer.from(` ${key}=`, 'utf8'), valueBytes, Buffer.from('\n')]);
    // the length prefix counts its own digits, so grow it until it is self-consistent
    let len = payload.length + 1;
    while (String(len).length + payload.length !== len) len = String(len).length + payload.length;
    parts.push(Buffer.from(String(len), 'ascii'), payload);
  }
  return Buffer.concat(parts);
}
