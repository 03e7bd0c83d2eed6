import {
  BalerError
} from "./chunk-FBHWHWP3.js";

// src/io/hashing.ts
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
var HashingStream = class extends Transform {
  hash = createHash("sha256");
  finalDigest;
  bytes = 0;
  _transform(chunk, _enc, cb) {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    cb(null, chunk);
  }
  _flush(cb) {
    this.finalDigest = `sha256:${this.hash.digest("hex")}`;
    cb();
  }
  /** Only valid once the stream has ended. */
  digest() {
    if (!this.finalDigest) throw new BalerError("E_INTERNAL", "Internal error: digest read before the stream ended");
    return this.finalDigest;
  }
};
var VerifyingStream = class extends Transform {
  constructor(expected, size, what) {
    super();
    this.expected = expected;
    this.size = size;
    this.what = what;
  }
  expected;
  size;
  what;
  hash = createHash("sha256");
  bytes = 0;
  _transform(chunk, _enc, cb) {
    this.bytes += chunk.length;
    if (this.size !== void 0 && this.bytes > this.size) {
      cb(new BalerError("E_DIGEST_MISMATCH", `${this.what}: size mismatch, expected ${this.size} bytes, got more`));
      return;
    }
    this.hash.update(chunk);
    cb(null, chunk);
  }
  _flush(cb) {
    if (this.size !== void 0 && this.bytes !== this.size) {
      cb(new BalerError("E_DIGEST_MISMATCH", `${this.what}: size mismatch, expected ${this.size} bytes, got ${this.bytes}`));
      return;
    }
    const got = `sha256:${this.hash.digest("hex")}`;
    if (got !== this.expected) {
      cb(new BalerError("E_DIGEST_MISMATCH", `${this.what}: digest mismatch, expected ${this.expected}, got ${got}`));
      return;
    }
    cb();
  }
};
async function sha256OfStream(s) {
  const h = new HashingStream();
  h.resume();
  await pipeline(s, h);
  return { digest: h.digest(), size: h.bytes };
}
async function sha256OfFile(path) {
  return sha256OfStream(createReadStream(path, { highWaterMark: 1024 * 1024 }));
}

// src/tar/write.ts
import { once } from "node:events";

// src/tar/header.ts
var BLOCK = 512;
var utf8 = new TextDecoder("utf-8");
function decodeString(b, off, len) {
  let end = off;
  const max = off + len;
  while (end < max && b[end] !== 0) end++;
  return utf8.decode(b.subarray(off, end));
}
function decodeNumber(b, off, len) {
  const first = b[off];
  if (first & 128) {
    const negative = first === 255;
    let v2 = 0;
    for (let i2 = 0; i2 < len; i2++) {
      let byte = b[off + i2];
      if (negative) byte = ~byte & 255;
      else if (i2 === 0) byte &= 127;
      v2 = v2 * 256 + byte;
    }
    if (!Number.isSafeInteger(v2)) return void 0;
    return negative ? -(v2 + 1) : v2;
  }
  let i = off;
  const end = off + len;
  while (i < end && (b[i] === 32 || b[i] === 0)) i++;
  let v = 0;
  let digits = 0;
  for (; i < end; i++) {
    const c = b[i];
    if (c === 32 || c === 0) break;
    if (c < 48 || c > 55) return void 0;
    v = v * 8 + (c - 48);
    digits++;
  }
  return digits === 0 ? 0 : v;
}
function isZeroBlock(b) {
  for (let i = 0; i < BLOCK; i++) if (b[i] !== 0) return false;
  return true;
}
function checksums(b) {
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const v = i >= 148 && i < 156 ? 32 : b[i];
    unsigned += v;
    signed += v > 127 ? v - 256 : v;
  }
  return { unsigned, signed };
}
function magicOf(b) {
  if (decodeString(b, 257, 5) !== "ustar") return "v7";
  return b[262] === 32 ? "gnu" : "ustar";
}
function decodeRawHeader(b, offset, what) {
  const stored = decodeNumber(b, 148, 8);
  const sums = checksums(b);
  if (stored === void 0 || stored !== sums.unsigned && stored !== sums.signed) {
    if (offset === 0) throw new BalerError("E_FORMAT", `${what}: not a tar archive`);
    throw new BalerError("E_FORMAT", `${what}: bad header checksum at offset ${offset}`);
  }
  const format = magicOf(b);
  const num = (off, len, field) => {
    const v = decodeNumber(b, off, len);
    if (v === void 0) throw new BalerError("E_FORMAT", `${what}: invalid ${field} field in header at offset ${offset}`);
    return v;
  };
  let name = decodeString(b, 0, 100);
  if (format === "ustar") {
    const prefix = decodeString(b, 345, 155);
    if (prefix) name = `${prefix}/${name}`;
  }
  const typeflag = b[156] === 0 ? "0" : String.fromCharCode(b[156]);
  return {
    name,
    mode: num(100, 8, "mode"),
    uid: num(108, 8, "uid"),
    gid: num(116, 8, "gid"),
    size: num(124, 12, "size"),
    mtime: num(136, 12, "mtime"),
    typeflag,
    linkname: decodeString(b, 157, 100),
    uname: format === "v7" ? "" : decodeString(b, 265, 32),
    gname: format === "v7" ? "" : decodeString(b, 297, 32),
    devmajor: format === "v7" ? 0 : decodeNumber(b, 329, 8) ?? 0,
    devminor: format === "v7" ? 0 : decodeNumber(b, 337, 8) ?? 0,
    format
  };
}
function entryTypeOf(typeflag, name) {
  switch (typeflag) {
    case "0":
      return name.endsWith("/") ? "dir" : "file";
    // pre-POSIX tars mark dirs by the slash only
    case "1":
      return "hardlink";
    case "2":
      return "symlink";
    case "3":
      return "char";
    case "4":
      return "block";
    case "5":
      return "dir";
    case "6":
      return "fifo";
    case "7":
      return "contiguous";
    default:
      return "other";
  }
}
function hasData(type) {
  return type === "file" || type === "contiguous" || type === "other";
}
var typeflags = {
  file: "0",
  hardlink: "1",
  symlink: "2",
  char: "3",
  block: "4",
  dir: "5",
  fifo: "6",
  contiguous: "7",
  other: "0"
};
function typeflagOf(t) {
  return typeflags[t];
}
var enc = new TextEncoder();
function byteLength(s) {
  return Buffer.byteLength(s, "utf8");
}
function writeString(b, off, len, s) {
  const bytes = enc.encode(s);
  b.set(bytes.subarray(0, len), off);
}
function fitsOctal(v, len) {
  return Number.isInteger(v) && v >= 0 && v < 8 ** (len - 1);
}
function writeOctal(b, off, len, v) {
  const s = Math.max(0, Math.floor(v)).toString(8).padStart(len - 1, "0");
  writeString(b, off, len - 1, s.slice(-(len - 1)));
  b[off + len - 1] = 0;
}
function splitUstarName(name) {
  if (byteLength(name) <= 100) return { prefix: "", name };
  if (byteLength(name) > 256) return void 0;
  for (let i = name.indexOf("/"); i !== -1; i = name.indexOf("/", i + 1)) {
    const prefix = name.slice(0, i);
    const rest = name.slice(i + 1);
    if (byteLength(prefix) <= 155 && byteLength(rest) <= 100 && rest.length > 0) return { prefix, name: rest };
  }
  return void 0;
}
function encodeUstarBlock(f) {
  const b = Buffer.alloc(BLOCK);
  writeString(b, 0, 100, f.name);
  writeOctal(b, 100, 8, f.mode & 4095);
  writeOctal(b, 108, 8, f.uid);
  writeOctal(b, 116, 8, f.gid);
  writeOctal(b, 124, 12, f.size);
  writeOctal(b, 136, 12, f.mtime);
  b[156] = f.typeflag.charCodeAt(0);
  writeString(b, 157, 100, f.linkname);
  writeString(b, 257, 6, "ustar");
  b[263] = 48;
  b[264] = 48;
  writeString(b, 265, 32, f.uname);
  writeString(b, 297, 32, f.gname);
  writeOctal(b, 329, 8, f.devmajor);
  writeOctal(b, 337, 8, f.devminor);
  writeString(b, 345, 155, f.prefix);
  const sum = checksums(b).unsigned;
  writeOctal(b, 148, 7, sum);
  b[155] = 32;
  return b;
}

// src/tar/pax.ts
function parsePaxRecords(body, what, offset) {
  const out = {};
  const buf = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  let i = 0;
  while (i < buf.length) {
    if (buf[i] === 0) break;
    const space = buf.indexOf(32, i);
    const len = space === -1 ? NaN : Number(buf.toString("latin1", i, space));
    if (!Number.isInteger(len) || len <= 0 || i + len > buf.length || buf[i + len - 1] !== 10) {
      throw new BalerError("E_FORMAT", `${what}: malformed PAX header at offset ${offset}`);
    }
    const record = buf.subarray(space + 1, i + len - 1);
    const eq = record.indexOf(61);
    if (eq <= 0) throw new BalerError("E_FORMAT", `${what}: malformed PAX record at offset ${offset}`);
    const key = record.toString("utf8", 0, eq);
    const value = key.startsWith("SCHILY.xattr.") ? record.toString("latin1", eq + 1) : record.toString("utf8", eq + 1);
    if (value === "") delete out[key];
    else out[key] = value;
    i += len;
  }
  return out;
}
function encodePaxRecords(records) {
  const parts = [];
  for (const [key, value] of Object.entries(records)) {
    const valueBytes = key.startsWith("SCHILY.xattr.") ? Buffer.from(value, "latin1") : Buffer.from(value, "utf8");
    const payload = Buffer.concat([Buffer.from(` ${key}=`, "utf8"), valueBytes, Buffer.from("\n")]);
    let len = payload.length + 1;
    while (String(len).length + payload.length !== len) len = String(len).length + payload.length;
    parts.push(Buffer.from(String(len), "ascii"), payload);
  }
  return Buffer.concat(parts);
}

// src/tar/write.ts
var ZERO = Buffer.alloc(BLOCK * 2);
var TarWriter = class {
  constructor(out, opts = {}) {
    this.out = out;
    this.opts = opts;
  }
  out;
  opts;
  bytesWritten = 0;
  busy = false;
  finished = false;
  async add(h, body) {
    if (this.busy) throw new BalerError("E_INTERNAL", "Internal error: TarWriter.add called before the previous add finished");
    if (this.finished) throw new BalerError("E_INTERNAL", "Internal error: TarWriter.add after finish");
    this.busy = true;
    try {
      const size = hasData(h.type) ? h.size : 0;
      for (const block of encodeEntryHeaders(h, size)) await this.write(block);
      let written = 0;
      if (body instanceof Uint8Array) {
        written = body.length;
        if (written !== size) throw sizeMismatch(h, size, written);
        if (written > 0) await this.write(body);
      } else if (body) {
        for await (const chunk of body) {
          const b = chunk;
          written += b.length;
          if (written > size) {
            body.destroy();
            throw sizeMismatch(h, size, written);
          }
          await this.write(b);
        }
        if (written !== size) throw sizeMismatch(h, size, written);
      } else if (size !== 0) throw sizeMismatch(h, size, 0);
      const padding = (BLOCK - size % BLOCK) % BLOCK;
      if (padding) await this.write(ZERO.subarray(0, padding));
    } finally {
      this.busy = false;
    }
  }
  /** Writes the two zero blocks that end an archive and (by default) ends `out`. */
  async finish() {
    if (this.finished) return;
    this.finished = true;
    await this.write(ZERO);
    if (this.opts.end ?? true) {
      this.out.end();
      if (!this.out.writableFinished) await once(this.out, "finish");
    }
  }
  async write(b) {
    if (this.out.destroyed) throw this.out.errored ?? new BalerError("E_IO", "tar output closed early");
    this.bytesWritten += b.length;
    if (!this.out.write(b)) await drainOrClose(this.out);
  }
};
function drainOrClose(out) {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      out.off("drain", onDrain);
      out.off("error", onError);
      out.off("close", onClose);
    };
    const onDrain = () => (cleanup(), resolve());
    const onError = (err) => (cleanup(), reject(err));
    const onClose = () => (cleanup(), reject(out.errored ?? new BalerError("E_IO", "tar output closed early")));
    out.on("drain", onDrain);
    out.on("error", onError);
    out.on("close", onClose);
  });
}
function sizeMismatch(h, size, got) {
  const had = got > size ? `more than ${size}` : String(got);
  return new BalerError("E_INTERNAL", `Internal error: tar entry "${h.name}" declared ${size} bytes but its body had ${had}`);
}
function encodeEntryHeaders(h, size) {
  const pax = {};
  const split = splitUstarName(h.name);
  if (!split) pax.path = h.name;
  const linkname = h.linkname ?? "";
  if (byteLength(linkname) > 100) pax.linkpath = linkname;
  if (!fitsOctal(size, 12)) pax.size = String(size);
  if (!fitsOctal(h.uid, 8)) pax.uid = String(h.uid);
  if (!fitsOctal(h.gid, 8)) pax.gid = String(h.gid);
  if (!fitsOctal(h.mtime, 12)) pax.mtime = String(h.mtime);
  if (h.uname && byteLength(h.uname) > 32) pax.uname = h.uname;
  if (h.gname && byteLength(h.gname) > 32) pax.gname = h.gname;
  Object.assign(pax, h.pax ?? {});
  const ustar = encodeUstarBlock({
    name: split ? split.name : truncateBytes(h.name, 100),
    prefix: split ? split.prefix : "",
    mode: h.mode,
    uid: fitsOctal(h.uid, 8) ? h.uid : 0,
    gid: fitsOctal(h.gid, 8) ? h.gid : 0,
    size: fitsOctal(size, 12) ? size : 0,
    mtime: fitsOctal(h.mtime, 12) ? h.mtime : Math.max(0, Math.min(Math.floor(h.mtime), 8 ** 11 - 1)),
    typeflag: typeflagOf(h.type),
    linkname: pax.linkpath ? truncateBytes(linkname, 100) : linkname,
    uname: pax.uname ? "" : h.uname ?? "",
    gname: pax.gname ? "" : h.gname ?? "",
    devmajor: h.devmajor ?? 0,
    devminor: h.devminor ?? 0
  });
  if (Object.keys(pax).length === 0) return [ustar];
  const records = encodePaxRecords(pax);
  const paxHeader = encodeUstarBlock({
    name: truncateBytes(`PaxHeaders/${baseName(h.name)}`, 100),
    prefix: "",
    mode: 420,
    uid: 0,
    gid: 0,
    size: records.length,
    mtime: 0,
    typeflag: "x",
    linkname: "",
    uname: "",
    gname: "",
    devmajor: 0,
    devminor: 0
  });
  const padding = Buffer.alloc((BLOCK - records.length % BLOCK) % BLOCK);
  return [paxHeader, records, padding, ustar];
}
function baseName(name) {
  const trimmed = name.replace(/\/+$/, "");
  return trimmed.slice(trimmed.lastIndexOf("/") + 1) || "root";
}
function truncateBytes(s, max) {
  if (byteLength(s) <= max) return s;
  let out = "";
  for (const ch of s) {
    if (byteLength(out + ch) > max) break;
    out += ch;
  }
  return out;
}

// src/tar/whiteouts.ts
var OPAQUE_MARKER = ".wh..wh..opq";

// src/tar/read.ts
import { Readable } from "node:stream";
import { finished } from "node:stream/promises";

// src/tar/chunk-source.ts
var ChunkSource = class {
  constructor(stream) {
    this.stream = stream;
    this.it = stream[Symbol.asyncIterator]();
  }
  stream;
  it;
  pending;
  done = false;
  /** Bytes handed out or skipped so far: the offset of the next byte. */
  position = 0;
  async fill() {
    if (this.pending && this.pending.length > 0) return true;
    if (this.done) return false;
    const r = await this.it.next();
    if (r.done) {
      this.done = true;
      return false;
    }
    const v = r.value;
    this.pending = Buffer.isBuffer(v) ? v : typeof v === "string" ? Buffer.from(v) : Buffer.from(v);
    return true;
  }
  /** Up to `max` bytes (at least 1), or undefined at the end of the stream. */
  async readSome(max) {
    if (!await this.fill()) return void 0;
    const p = this.pending;
    const out = p.length <= max ? p : p.subarray(0, max);
    this.pending = p.length <= max ? void 0 : p.subarray(max);
    this.position += out.length;
    return out;
  }
  /** Exactly `n` bytes, or fewer if the stream ends first (the caller decides if that is truncation). */
  async readExact(n) {
    const first = await this.readSome(n);
    if (!first || first.length === n) return first ?? Buffer.alloc(0);
    const parts = [first];
    let have = first.length;
    while (have < n) {
      const more = await this.readSome(n - have);
      if (!more) break;
      parts.push(more);
      have += more.length;
    }
    return Buffer.concat(parts, have);
  }
  /** Skips `n` bytes; returns how many were actually there. */
  async skip(n) {
    let left = n;
    while (left > 0) {
      const b = await this.readSome(left);
      if (!b) break;
      left -= b.length;
    }
    return n - left;
  }
  /** Consumes whatever is left (so upstream hashing and pipelines see the whole stream). */
  async drain() {
    while (await this.readSome(Number.MAX_SAFE_INTEGER)) ;
  }
  /** Stops reading early: destroys the source. */
  async close() {
    this.done = true;
    await this.it.return?.();
    this.stream.destroy();
  }
};

// src/tar/extended-headers.ts
var META_BODY_LIMIT = 1024 * 1024;
function isMetaType(typeflag) {
  return typeflag === "x" || typeflag === "g" || typeflag === "X" || typeflag === "L" || typeflag === "K";
}
var folded = /* @__PURE__ */ new Set(["path", "linkpath", "size", "uid", "gid", "mtime", "uname", "gname", "comment"]);
function cString(body) {
  const end = body.indexOf(0);
  return Buffer.from(body.buffer, body.byteOffset, end === -1 ? body.byteLength : end).toString("utf8");
}
var ExtendedHeaderState = class {
  global = {};
  local = {};
  longName;
  longLink;
  /** True while local meta waits for its entry (an archive must not end here). */
  get pending() {
    return Object.keys(this.local).length > 0 || this.longName !== void 0 || this.longLink !== void 0;
  }
  checkMetaSize(raw, what, offset) {
    if (raw.size > META_BODY_LIMIT) {
      throw new BalerError("E_FORMAT", `${what}: extended header at offset ${offset} is ${raw.size} bytes, more than ${META_BODY_LIMIT}`);
    }
  }
  absorb(raw, body, what, offset) {
    switch (raw.typeflag) {
      case "x":
      case "X":
        Object.assign(this.local, parsePaxRecords(body, what, offset));
        return;
      case "g":
        for (const [k, v] of Object.entries(parsePaxRecords(body, what, offset))) {
          if (k !== "path" && k !== "linkpath" && k !== "size") this.global[k] = v;
        }
        return;
      case "L":
        this.longName = cString(body);
        return;
      case "K":
        this.longLink = cString(body);
        return;
    }
  }
  /** The entry's header with pending meta applied; the local meta is consumed. */
  resolve(raw, what, offset) {
    const rec = { ...this.global, ...this.local };
    const num = (key, fallback, allowFraction = false) => {
      const v = rec[key];
      if (v === void 0) return fallback;
      const n = Number(v);
      if (!Number.isFinite(n) || n < 0 || !allowFraction && !Number.isSafeInteger(n)) {
        throw new BalerError("E_FORMAT", `${what}: invalid PAX ${key} "${v}" for the entry at offset ${offset}`);
      }
      return n;
    };
    const name = rec.path ?? this.longName ?? raw.name;
    const type = entryTypeOf(raw.typeflag, name);
    const h = {
      name,
      type,
      size: hasData(type) ? num("size", raw.size) : 0,
      mode: raw.mode & 4095,
      uid: num("uid", raw.uid),
      gid: num("gid", raw.gid),
      mtime: num("mtime", raw.mtime, true)
    };
    const uname = rec.uname ?? raw.uname;
    const gname = rec.gname ?? raw.gname;
    if (uname) h.uname = uname;
    if (gname) h.gname = gname;
    const linkname = rec.linkpath ?? this.longLink ?? raw.linkname;
    if (linkname && (type === "symlink" || type === "hardlink")) h.linkname = linkname;
    if (type === "char" || type === "block") {
      h.devmajor = raw.devmajor;
      h.devminor = raw.devminor;
    }
    const pax = {};
    for (const [k, v] of Object.entries(rec)) if (!folded.has(k)) pax[k] = v;
    if (Object.keys(pax).length > 0) h.pax = pax;
    this.local = {};
    this.longName = void 0;
    this.longLink = void 0;
    return h;
  }
};

// src/tar/read.ts
function truncated(what, detail) {
  return new BalerError("E_TRUNCATED", `${what}: truncated tar archive (${detail})`);
}
async function* readTarEntries(s, what) {
  const src = new ChunkSource(s);
  const meta = new ExtendedHeaderState();
  let completed = false;
  try {
    for (; ; ) {
      const offset = src.position;
      const block = await src.readExact(BLOCK);
      if (block.length === 0) {
        if (offset === 0) throw new BalerError("E_FORMAT", `${what}: empty input, not a tar archive`);
        if (meta.pending) throw truncated(what, "extended header without an entry at the end");
        break;
      }
      if (block.length < BLOCK) throw truncated(what, `header at offset ${offset} is cut short`);
      if (isZeroBlock(block)) {
        await src.drain();
        break;
      }
      const raw = decodeRawHeader(block, offset, what);
      if (isMetaType(raw.typeflag)) {
        meta.checkMetaSize(raw, what, offset);
        const body2 = await src.readExact(raw.size);
        if (body2.length < raw.size) throw truncated(what, `extended header at offset ${offset} is cut short`);
        meta.absorb(raw, body2, what, offset);
        if (await src.skip(pad(raw.size)) < pad(raw.size)) throw truncated(what, `padding after offset ${offset}`);
        continue;
      }
      const header = meta.resolve(raw, what, offset);
      const body = new EntryBody(src, header.size, () => truncated(what, `entry "${header.name}" is cut short`));
      yield { header, body };
      await body.settle();
      if (await src.skip(pad(header.size)) < pad(header.size)) throw truncated(what, "last entry padding is cut short");
    }
    completed = true;
  } finally {
    if (!completed) await src.close();
  }
}
function pad(n) {
  return (BLOCK - n % BLOCK) % BLOCK;
}
var EntryBody = class extends Readable {
  constructor(src, size, onShort) {
    super({ highWaterMark: 256 * 1024 });
    this.src = src;
    this.onShort = onShort;
    this.left = size;
    if (size === 0) this.push(null);
  }
  src;
  onShort;
  left;
  reading = false;
  failure;
  _read() {
    if (this.reading || this.left === 0) return;
    this.reading = true;
    this.src.readSome(Math.min(this.left, 1024 * 1024)).then(
      (b) => {
        this.reading = false;
        if (!b) {
          this.failure = this.onShort();
          this.destroy(this.failure);
          return;
        }
        this.left -= b.length;
        const more = this.push(b);
        if (this.left === 0) this.push(null);
        else if (more) this._read();
      },
      (err) => {
        this.reading = false;
        this.failure = err instanceof Error ? err : new Error(String(err));
        this.destroy(this.failure);
      }
    );
  }
  /** Waits until the body's bytes are off the source, reading the rest if nobody else does. */
  async settle() {
    if (this.failure) throw this.failure;
    if (this.left > 0 && !this.destroyed) {
      if (this.listenerCount("data") === 0 && !this.readableFlowing) this.resume();
      await finished(this).catch(() => void 0);
    }
    if (this.failure) throw this.failure;
    if (this.left > 0) {
      const wanted = this.left;
      const got = await this.waitAndSkip(wanted);
      if (got < wanted) throw this.onShort();
    }
  }
  async waitAndSkip(n) {
    while (this.reading) await new Promise((r) => setImmediate(r));
    const got = await this.src.skip(n);
    this.left -= got;
    return got;
  }
};

export {
  HashingStream,
  VerifyingStream,
  sha256OfStream,
  sha256OfFile,
  BLOCK,
  isZeroBlock,
  decodeRawHeader,
  TarWriter,
  OPAQUE_MARKER,
  isMetaType,
  ExtendedHeaderState,
  readTarEntries
};
