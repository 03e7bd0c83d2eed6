import { BalerError } from '../errors.js';
import { entryTypeOf, hasData, type RawHeader, type TarHeader } from './header.js';
import { decodeNameBytes } from './name-bytes.js';
import { parsePaxRecords } from './pax.js';

/** Meta entries carry data for the next header: bounded so a hostile archive cannot eat memory. */
export const META_BODY_LIMIT = 1024 * 1024;

/** PAX x (local), g (global), X (old Solaris local), GNU L (long name), K (long link name). */
export function isMetaType(typeflag: string): boolean {
  return typeflag === 'x' || typeflag === 'g' || typeflag === 'X' || typeflag === 'L' || typeflag === 'K';
}

/** PAX keys folded into TarHeader fields; everything else stays in `pax`. */
const folded = new Set(['path', 'linkpath', 'size', 'uid', 'gid', 'mtime', 'uname', 'gname', 'comment']);

function cString(body: Uint8Array): string {
  const end = body.indexOf(0);
  return decodeNameBytes(body.subarray(0, end === -1 ? body.byteLength : end));
}

/**
 * Merges meta entries into the entry that follows them. Shared by the streaming reader and the TOC
 * scanner so both see identical headers.
 */
export class ExtendedHeaderState {
  private global: Record<string, string> = {};
  private local: Record<string, string> = {};
  private longName: string | undefined;
  private longLink: string | undefined;

  /** True while local meta waits for its entry (an archive must not end here). */
  get pending(): boolean {
    return Object.keys(this.local).length > 0 || this.longName !== undefined || this.longLink !== undefined;
  }

  checkMetaSize(raw: RawHeader, what: string, offset: number): void {
    if (raw.size > META_BODY_LIMIT) {
      throw new BalerError('E_FORMAT', `${what}: extended header at offset ${offset} is ${raw.size} bytes, more than ${META_BODY_LIMIT}`);
    }
  }

  absorb(raw: RawHeader, body: Uint8Array, what: string, offset: number): void {
    switch (raw.typeflag) {
      case 'x':
      case 'X':
        Object.assign(this.local, parsePaxRecords(body, what, offset));
        return;
      case 'g':
        // a global name, link or size would apply to every entry: meaningless, so ignored
        for (const [k, v] of Object.entries(parsePaxRecords(body, what, offset))) {
          if (k !== 'path' && k !== 'linkpath' && k !== 'size') this.global[k] = v;
        }
        return;
      case 'L':
        this.longName = cString(body);
        return;
      case 'K':
        this.longLink = cString(body);
        return;
    }
  }

  /** The entry's header with pending meta applied; the local meta is consumed. */
  resolve(raw: RawHeader, what: string, offset: number): TarHeader {
    const rec = { ...this.global, ...this.local };
    const num = (key: string, fallback: number, allowFraction = false): number => {
      const v = rec[key];
      if (v === undefined) return fallback;
      const n = Number(v);
      if (!Number.isFinite(n) || n < 0 || (!allowFraction && !Number.isSafeInteger(n))) {
        throw new BalerError('E_FORMAT', `${what}: invalid PAX ${key} "${v}" for the entry at offset ${offset}`);
      }
      return n;
    };
    const name = rec.path ?? this.longName ?? raw.name;
    const type = entryTypeOf(raw.typeflag, name);
    const h: TarHeader = {
      name,
      type,
      size: hasData(type) ? num('size', raw.size) : 0,
      mode: raw.mode & 0o7777,
      uid: num('uid', raw.uid),
      gid: num('gid', raw.gid),
      mtime: num('mtime', raw.mtime, true),
    };
    const uname = rec.uname ?? raw.uname;
    const gname = rec.gname ?? raw.gname;
    if (uname) h.uname = uname;
    if (gname) h.gname = gname;
    const linkname = rec.linkpath ?? this.longLink ?? raw.linkname;
    if (linkname && (type === 'symlink' || type === 'hardlink')) h.linkname = linkname;
    if (type === 'char' || type === 'block') {
      h.devmajor = raw.devmajor;
      h.devminor = raw.devminor;
    }
    const pax: Record<string, string> = {};
    for (const [k, v] of Object.entries(rec)) if (!folded.has(k)) pax[k] = v;
    if (Object.keys(pax).length > 0) h.pax = pax;
    this.local = {};
    this.longName = undefined;
    this.longLink = undefined;
    return h;
  }
}
