import {
  BLOCK,
  ExtendedHeaderState,
  HashingStream,
  OPAQUE_MARKER,
  TarWriter,
  VerifyingStream,
  decodeRawHeader,
  isMetaType,
  isZeroBlock,
  readTarEntries,
  sha256OfFile,
  sha256OfStream
} from "./chunk-OSXEAJDC.js";
import {
  JsonLimits,
  expectArray,
  expectObject,
  expectSize,
  expectString,
  formatPlatform,
  hostPlatform,
  isObject,
  jsonBytes,
  parseJsonBytes,
  parsePlatformObject,
  platformMatches,
  stringRecord
} from "./chunk-FL654ZV2.js";
import {
  resolveStorePath
} from "./chunk-V5TBUXUW.js";
import {
  BalerError,
  fromSystemError,
  isAbortError
} from "./chunk-FBHWHWP3.js";

// src/io/cleanup.ts
var cleanups = /* @__PURE__ */ new Set();
function onInterruptCleanup(fn) {
  cleanups.add(fn);
  return () => cleanups.delete(fn);
}
async function runInterruptCleanups() {
  const all = [...cleanups].reverse();
  cleanups.clear();
  for (const fn of all) {
    try {
      await fn();
    } catch {
    }
  }
}

// src/model/digest.ts
import { createHash } from "node:crypto";
var DIGEST_RE = /^sha256:[0-9a-f]{64}$/;
function isDigest(s) {
  return typeof s === "string" && DIGEST_RE.test(s);
}
function parseDigest(s, what = "digest") {
  if (isDigest(s)) return s;
  if (typeof s === "string" && /^[a-z0-9]+([+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/.test(s) && !s.startsWith("sha256:")) {
    throw new BalerError("E_UNSUPPORTED", `${what}: unsupported digest algorithm in ${JSON.stringify(s)} (only sha256)`);
  }
  throw new BalerError("E_FORMAT", `${what}: invalid digest ${JSON.stringify(s)}`);
}
function digestFromHex(hex, what = "digest") {
  return parseDigest(hex.startsWith("sha256:") ? hex : `sha256:${hex}`, what);
}
function hexOf(d) {
  return d.slice("sha256:".length);
}
function shortId(d) {
  return hexOf(d).slice(0, 12);
}
function sha256Of(data) {
  return `sha256:${createHash("sha256").update(data).digest("hex")}`;
}

// src/model/image-name.ts
var COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
var TAG = /^[\w][\w.-]{0,127}$/;
var DOMAIN = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?$|^\[[0-9a-fA-F:.]+\](?::[0-9]+)?$/;
var DEFAULT_DOMAIN = "docker.io";
function parseImageName(input, opts = {}) {
  const bad = (why) => {
    throw new BalerError("E_USAGE", `invalid image name ${JSON.stringify(input)}: ${why}`);
  };
  if (input.length === 0) bad("empty");
  if (input.length > 255 + 136) bad("too long");
  let rest = input;
  let digest;
  const at = rest.indexOf("@");
  if (at >= 0) {
    const d = rest.slice(at + 1);
    if (!isDigest(d)) bad("bad digest");
    digest = d;
    rest = rest.slice(0, at);
  }
  let tag;
  const lastSlash = rest.lastIndexOf("/");
  const colon = rest.lastIndexOf(":");
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) bad(`bad tag ${JSON.stringify(tag)}`);
  }
  const parts = rest.split("/");
  let domain = DEFAULT_DOMAIN;
  const first = parts[0] ?? "";
  if (parts.length > 1 && (first.includes(".") || first.includes(":") || first === "localhost" || first !== first.toLowerCase())) {
    if (!DOMAIN.test(first)) bad(`bad registry ${JSON.stringify(first)}`);
    domain = first;
    parts.shift();
  }
  if (parts.length === 0) bad("no repository");
  for (const p of parts) {
    if (p !== p.toLowerCase()) bad("repository name must be lowercase");
    if (!COMPONENT.test(p)) bad(`bad path component ${JSON.stringify(p)}`);
  }
  if (domain === DEFAULT_DOMAIN && parts.length === 1) parts.unshift("library");
  const path = parts.join("/");
  if (path.length > 255) bad("repository name too long");
  if (!tag && !digest && opts.defaultTag) tag = opts.defaultTag;
  const out = { domain, path };
  if (tag !== void 0) out.tag = tag;
  if (digest !== void 0) out.digest = digest;
  return out;
}
function repositoryOf(n) {
  return `${n.domain}/${n.path}`;
}
function familiarRepository(n) {
  if (n.domain !== DEFAULT_DOMAIN) return `${n.domain}/${n.path}`;
  return n.path.startsWith("library/") && n.path.split("/").length === 2 ? n.path.slice("library/".length) : n.path;
}
function suffix(n) {
  return `${n.tag !== void 0 ? `:${n.tag}` : ""}${n.digest ? `@${n.digest}` : ""}`;
}
function fullName(n) {
  return `${repositoryOf(n)}${suffix(n)}`;
}
function familiarName(n) {
  return `${familiarRepository(n)}${suffix(n)}`;
}
function sameName(a, b) {
  return fullName(a) === fullName(b);
}

// src/model/image-config.ts
function parseImageConfig(bytes, what = "config") {
  const o = expectObject(parseJsonBytes(bytes, what, JsonLimits.config), what);
  if (!isObject(o.rootfs)) throw new BalerError("E_FORMAT", `${what}: invalid image JSON, no RootFS key`);
  if (o.rootfs.type !== "layers") throw new BalerError("E_FORMAT", `${what}: rootfs.type must be "layers"`);
  const diffIds = expectArray(o.rootfs.diff_ids ?? [], `${what}.rootfs.diff_ids`).map((d, i) => parseDigest(d, `${what}.rootfs.diff_ids[${i}]`));
  if (typeof o.os !== "string" || o.os === "") throw new BalerError("E_FORMAT", `${what}: missing "os"`);
  if (typeof o.architecture !== "string") throw new BalerError("E_FORMAT", `${what}: missing "architecture"`);
  if (o.history !== void 0 && o.history !== null) {
    const h = expectArray(o.history, `${what}.history`);
    const nonEmpty = h.filter((e) => !(isObject(e) && e.empty_layer === true)).length;
    if (nonEmpty > diffIds.length) throw new BalerError("E_FORMAT", `${what}: too many non-empty layers in History section`);
  }
  return { ...o, rootfs: { type: "layers", diff_ids: diffIds } };
}
function configPlatform(c) {
  const p = { os: c.os, architecture: c.architecture };
  if (c.variant) p.variant = c.variant;
  if (c["os.version"]) p["os.version"] = c["os.version"];
  return p;
}

// src/model/history.ts
function historyRows(config) {
  const diffIds = config.rootfs.diff_ids;
  const entries = config.history ?? [];
  if (entries.length === 0) return diffIds.map((d, i) => ({ entry: {}, layerIndex: i, diffId: d }));
  const rows = [];
  let next = 0;
  for (const entry of entries) {
    if (entry.empty_layer) rows.push({ entry });
    else {
      const d = diffIds[next];
      rows.push(d === void 0 ? { entry } : { entry, layerIndex: next, diffId: d });
      next++;
    }
  }
  for (; next < diffIds.length; next++) {
    const d = diffIds[next];
    if (d) rows.push({ entry: {}, layerIndex: next, diffId: d });
  }
  return rows;
}

// src/codecs/detect.ts
var magics = [
  ["gzip", [31, 139]],
  ["zstd", [40, 181, 47, 253]],
  ["xz", [253, 55, 122, 88, 90, 0]],
  ["bzip2", [66, 90, 104]]
];
var SNIFF_BYTES = 6;
function sniffCompression(head) {
  for (const [name, magic] of magics) {
    if (head.length >= magic.length && magic.every((b, i) => head[i] === b)) return name;
  }
  return "none";
}
function compressionFromFileName(name) {
  const lower = name.toLowerCase();
  if (lower.endsWith(".gz") || lower.endsWith(".tgz")) return "gzip";
  if (lower.endsWith(".zst") || lower.endsWith(".tzst") || lower.endsWith(".zstd")) return "zstd";
  return void 0;
}

// src/codecs/index.ts
import { PassThrough, pipeline } from "node:stream";

// src/codecs/external-decompressor.ts
import { spawn } from "node:child_process";
import { Duplex } from "node:stream";

// src/codecs/decode-errors.ts
function truncatedError(codec, what, cause) {
  return new BalerError("E_TRUNCATED", `${what}: truncated ${codec} data`, { cause });
}
function corruptError(codec, what, detail, cause) {
  return new BalerError("E_FORMAT", `${what}: corrupt ${codec} data (${detail})`, { cause });
}
function mapStreamErrors(s, map) {
  const original = s._destroy.bind(s);
  s._destroy = (err, cb) => {
    const mapped = err && !(err instanceof BalerError) && err.name !== "AbortError" ? map(err) ?? err : err;
    original(mapped, cb);
  };
  return s;
}
function errorText(err) {
  return err instanceof Error ? err.message : String(err);
}

// src/codecs/external-decompressor.ts
var ExternalDecompressor = class extends Duplex {
  constructor(tool, what) {
    super({ readableHighWaterMark: 256 * 1024 });
    this.tool = tool;
    this.what = what;
    this.child = spawn(tool.command, tool.args, { stdio: ["pipe", "pipe", "pipe"] });
    this.child.on("error", (err) => {
      if (err.code === "ENOENT") {
        this.fail(new BalerError("E_UNSUPPORTED", `${what}: ${tool.codec} data needs the \`${tool.command}\` program, which is not installed`, { cause: err }));
      } else this.fail(new BalerError("E_IO", `${what}: could not run ${tool.command}: ${err.message}`, { cause: err }));
    });
    this.child.stderr.setEncoding("utf8");
    this.child.stderr.on("data", (s) => {
      if (this.stderr.length < 4096) this.stderr += s;
    });
    this.child.stdout.on("data", (b) => {
      if (!this.push(b)) this.child.stdout.pause();
    });
    this.child.stdout.on("end", () => {
      this.stdoutEnded = true;
      this.settle();
    });
    this.child.stdin.on("error", () => void 0);
    this.child.on("close", (code, signal) => {
      this.exited = { code, signal };
      this.settle();
    });
  }
  tool;
  what;
  child;
  stderr = "";
  exited;
  stdoutEnded = false;
  failed = false;
  fail(err) {
    if (this.failed) return;
    this.failed = true;
    this.destroy(err);
  }
  settle() {
    if (!this.exited || !this.stdoutEnded || this.failed || this.destroyed) return;
    const { code, signal } = this.exited;
    if (code === 0) {
      this.push(null);
      return;
    }
    const msg = this.stderr.trim().split("\n")[0] ?? "";
    if (this.tool.truncated.test(this.stderr)) this.fail(truncatedError(this.tool.codec, this.what));
    else this.fail(corruptError(this.tool.codec, this.what, msg || `${this.tool.command} exited with ${code ?? signal}`));
  }
  _write(chunk, _enc, cb) {
    if (this.child.stdin.write(chunk)) cb();
    else this.child.stdin.once("drain", () => cb());
  }
  _final(cb) {
    this.child.stdin.end();
    cb();
  }
  _read() {
    this.child.stdout.resume();
  }
  _destroy(err, cb) {
    if (!this.exited) this.child.kill("SIGKILL");
    cb(err);
  }
};

// src/codecs/bzip2.ts
function bzip2Decompressor(what) {
  return new ExternalDecompressor(
    { codec: "bzip2", command: "bzip2", args: ["-dc"], truncated: /ends unexpectedly/i },
    what
  );
}

// src/codecs/gzip.ts
import { createGunzip, createGzip } from "node:zlib";
function gzipCompressor(level) {
  return createGzip({ level: level ?? 6, chunkSize: 256 * 1024 });
}
function gzipDecompressor(what) {
  const z = createGunzip({ chunkSize: 256 * 1024 });
  return mapStreamErrors(z, (err) => {
    const code = err.code;
    if (typeof code !== "string" || !code.startsWith("Z_")) return void 0;
    if (code === "Z_BUF_ERROR" || /unexpected end of file/i.test(err.message)) return truncatedError("gzip", what, err);
    return corruptError("gzip", what, errorText(err), err);
  });
}

// src/codecs/peek.ts
import { Readable } from "node:stream";
async function peekStream(s, n) {
  const chunks = [];
  let have = 0;
  let ended = false;
  while (have < n) {
    const chunk = s.read();
    if (chunk !== null) {
      const b = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
      chunks.push(b);
      have += b.length;
      continue;
    }
    if (s.readableEnded || s.destroyed) {
      ended = true;
      break;
    }
    const outcome = await new Promise((resolve6, reject) => {
      const cleanup = () => {
        s.off("readable", onReadable);
        s.off("end", onEnd);
        s.off("error", onError);
        s.off("close", onEnd);
      };
      const onReadable = () => (cleanup(), resolve6("more"));
      const onEnd = () => (cleanup(), resolve6("end"));
      const onError = (err) => (cleanup(), reject(err));
      s.on("readable", onReadable);
      s.on("end", onEnd);
      s.on("error", onError);
      s.on("close", onEnd);
    });
    if (outcome === "end") {
      ended = true;
      break;
    }
  }
  const all = Buffer.concat(chunks, have);
  if (ended) {
    if (s.errored) {
      s.on("error", () => void 0);
      throw s.errored;
    }
    return { head: all.subarray(0, n), stream: Readable.from(all.length ? [all] : []) };
  }
  s.unshift(all);
  return { head: all.subarray(0, n), stream: s };
}

// src/codecs/xz.ts
function xzDecompressor(what) {
  return new ExternalDecompressor(
    { codec: "xz", command: "xz", args: ["-dc", "-T1", "-q"], truncated: /unexpected end of input/i },
    what
  );
}

// src/codecs/zstd.ts
import { createRequire as createRequire2 } from "node:module";
import { availableParallelism } from "node:os";

// src/codecs/zstd-decoder.ts
import { Duplex as Duplex2 } from "node:stream";

// src/codecs/zstd-frames.ts
var ZstdFrameTracker = class {
  state = "magic";
  need = 4;
  // bytes to gather (small states) or to skip ('skip')
  gathered = [];
  afterSkip = "magic";
  lastBlock = false;
  checksum = false;
  frames = 0;
  /** Set when the input is not a zstd stream at all; the decoder reports it as corrupt data. */
  error;
  /** True when every byte so far belongs to complete frames and there was at least one frame. */
  get atFrameBoundary() {
    return this.state === "magic" && this.gathered.length === 0 && this.frames > 0 && this.error === void 0;
  }
  update(chunk) {
    let i = 0;
    while (i < chunk.length && this.error === void 0) {
      if (this.state === "skip") {
        const n = Math.min(this.need, chunk.length - i);
        this.need -= n;
        i += n;
        if (this.need === 0) this.enterAfterSkip();
        continue;
      }
      this.gathered.push(chunk[i++]);
      if (this.gathered.length === this.need) this.onGathered(this.gathered);
    }
  }
  expect(state, need) {
    this.state = state;
    this.need = need;
    this.gathered = [];
  }
  skip(n, then) {
    this.afterSkip = then;
    if (n === 0) {
      this.state = "skip";
      this.enterAfterSkip();
      return;
    }
    this.state = "skip";
    this.need = n;
    this.gathered = [];
  }
  enterAfterSkip() {
    if (this.afterSkip === "magic") {
      this.frames++;
      this.expect("magic", 4);
    } else this.expect("block-header", 3);
  }
  onGathered(b) {
    switch (this.state) {
      case "magic": {
        const m = (b[0] | b[1] << 8 | b[2] << 16 | b[3] << 24) >>> 0;
        if (m === 4247762216) this.expect("descriptor", 1);
        else if ((m & 4294967280) >>> 0 === 407710288) this.expect("skippable-size", 4);
        else this.error = "unknown frame magic";
        return;
      }
      case "descriptor": {
        const d = b[0];
        if (d & 8) {
          this.error = "reserved bit set in frame header";
          return;
        }
        const fcsFlag = d >> 6;
        const singleSegment = d >> 5 & 1;
        this.checksum = (d >> 2 & 1) === 1;
        const dictBytes = [0, 1, 2, 4][d & 3];
        const fcsBytes = fcsFlag === 0 ? singleSegment : [0, 2, 4, 8][fcsFlag];
        const rest = (singleSegment ? 0 : 1) + dictBytes + fcsBytes;
        this.lastBlock = false;
        if (rest === 0) this.expect("block-header", 3);
        else this.expect("header-rest", rest);
        return;
      }
      case "header-rest":
        this.expect("block-header", 3);
        return;
      case "block-header": {
        const h = b[0] | b[1] << 8 | b[2] << 16;
        this.lastBlock = (h & 1) === 1;
        const type = h >> 1 & 3;
        const size = h >>> 3;
        if (type === 3) {
          this.error = "reserved block type";
          return;
        }
        const body = type === 1 ? 1 : size;
        if (this.lastBlock) this.skip(body + (this.checksum ? 4 : 0), "magic");
        else this.skip(body, "block-header");
        return;
      }
      case "skippable-size": {
        const n = (b[0] | b[1] << 8 | b[2] << 16 | b[3] << 24) >>> 0;
        this.skip(n, "magic");
        return;
      }
      case "skip":
        return;
    }
  }
};

// src/codecs/zstd-decoder.ts
var ZstdDecoder = class extends Duplex2 {
  constructor(makeEngine, what) {
    super({ readableHighWaterMark: 256 * 1024 });
    this.makeEngine = makeEngine;
    this.what = what;
  }
  makeEngine;
  what;
  engine;
  input;
  inputDone;
  canPush = true;
  pumping = false;
  frames = new ZstdFrameTracker();
  _write(chunk, _enc, cb) {
    this.frames.update(chunk);
    if (this.frames.error) {
      cb(corruptError("zstd", this.what, this.frames.error));
      return;
    }
    const start = () => {
      this.input = chunk;
      this.inputDone = cb;
      this.pump();
    };
    if (this.engine) {
      start();
      return;
    }
    Promise.resolve().then(() => this.makeEngine()).then((e) => {
      this.engine = e;
      start();
    }, (err) => cb(err instanceof Error ? err : new Error(String(err))));
  }
  _read() {
    this.canPush = true;
    this.pump();
  }
  _final(cb) {
    if (!this.frames.atFrameBoundary) {
      cb(truncatedError("zstd", this.what));
      return;
    }
    this.push(null);
    cb();
  }
  _destroy(err, cb) {
    this.engine?.dispose();
    this.engine = void 0;
    cb(err);
  }
  pump() {
    const engine = this.engine;
    if (!engine || this.pumping) return;
    this.pumping = true;
    try {
      while (this.input && this.canPush) {
        const r = engine.step(this.input);
        this.input = this.input.subarray(r.consumed);
        if (r.output && r.output.length > 0) this.canPush = this.push(r.output);
        if (this.input.length === 0 && !r.more) {
          const done = this.inputDone;
          this.input = void 0;
          this.inputDone = void 0;
          done?.();
        }
      }
    } catch (err) {
      const done = this.inputDone;
      this.input = void 0;
      this.inputDone = void 0;
      done?.(corruptError("zstd", this.what, errorText(err), err));
    } finally {
      this.pumping = false;
    }
  }
};

// src/codecs/zstd-portable.ts
import { createRequire } from "node:module";
import { Transform } from "node:stream";
var require2 = createRequire(import.meta.url);
var ready;
function loadCodec() {
  ready ??= new Promise((resolve6, reject) => {
    try {
      const mod = require2("zstd-codec/lib/module.js");
      mod.run((m) => resolve6({ ZstdCompressStreamBinding: m.ZstdCompressStreamBinding, ZstdDecompressStreamBinding: m.ZstdDecompressStreamBinding }));
    } catch (err) {
      reject(err instanceof Error ? err : new Error(String(err)));
    }
  });
  return ready;
}
var TARGET_OUTPUT = 1024 * 1024;
var MIN_SLICE = 256;
var MAX_SLICE = 64 * 1024;
var STEP_INPUT = 32 * 1024;
async function portableDecodeEngine() {
  const codec = await loadCodec();
  const b = new codec.ZstdDecompressStreamBinding();
  b.begin();
  let disposed = false;
  let sliceSize = 1024;
  return {
    step(input) {
      const slice = input.subarray(0, sliceSize);
      const parts = [];
      const ok = b.transform(slice, (out) => parts.push(Buffer.from(out)));
      if (!ok) throw new Error("zstd-codec could not decode the data");
      const output = parts.length === 1 ? parts[0] : Buffer.concat(parts);
      const ratio = Math.max(1, output.length / slice.length);
      sliceSize = Math.max(MIN_SLICE, Math.min(MAX_SLICE, Math.floor(TARGET_OUTPUT / ratio)));
      return { output, consumed: slice.length, more: false };
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      b.delete();
    }
  };
}
var PortableZstdCompressor = class extends Transform {
  constructor(level) {
    super();
    this.level = level;
  }
  level;
  binding;
  withBinding(cb, f) {
    if (this.binding) {
      f(this.binding);
      return;
    }
    loadCodec().then((codec) => {
      const b = new codec.ZstdCompressStreamBinding();
      b.begin(this.level);
      this.binding = b;
      f(b);
    }, cb);
  }
  _transform(chunk, _enc, cb) {
    this.withBinding(cb, (b) => {
      for (let i = 0; i < chunk.length; i += STEP_INPUT) {
        if (!b.transform(chunk.subarray(i, i + STEP_INPUT), (out) => this.push(Buffer.from(out)))) {
          cb(new Error("zstd-codec compression failed"));
          return;
        }
      }
      cb();
    });
  }
  _flush(cb) {
    this.withBinding(cb, (b) => {
      if (!b.end((out) => this.push(Buffer.from(out)))) {
        cb(new Error("zstd-codec compression failed"));
        return;
      }
      cb();
    });
  }
  _destroy(err, cb) {
    this.binding?.delete();
    this.binding = void 0;
    cb(err);
  }
};

// src/codecs/zstd.ts
var require3 = createRequire2(import.meta.url);
var nativeModule;
function loadNative() {
  if (nativeModule !== void 0) return nativeModule;
  try {
    nativeModule = {
      api: require3("zstd-napi"),
      binding: require3("zstd-napi/binding.js")
    };
  } catch {
    nativeModule = null;
  }
  return nativeModule;
}
function zstdBackend() {
  if (process.env.BALER_ZSTD === "portable") return "portable";
  return loadNative() ? "native" : "portable";
}
var ZSTD_DEFAULT_LEVEL = 3;
function workerCount() {
  const fromEnv = Number(process.env.BALER_ZSTD_THREADS);
  if (Number.isInteger(fromEnv) && fromEnv >= 1) return fromEnv;
  return Math.max(1, Math.min(availableParallelism(), 8));
}
function zstdCompressor(level) {
  const lvl = level ?? ZSTD_DEFAULT_LEVEL;
  const native = zstdBackend() === "native" ? loadNative() : null;
  if (!native) return new PortableZstdCompressor(lvl);
  const { upperBound } = native.binding.cParamGetBounds(native.binding.CParameter.nbWorkers);
  const nbWorkers = upperBound > 0 ? Math.min(workerCount(), upperBound) : 0;
  return new native.api.CompressStream({ compressionLevel: lvl, checksumFlag: true, nbWorkers });
}
function nativeDecodeEngine(binding) {
  const dctx = new binding.DCtx();
  const outSize = binding.dStreamOutSize();
  return {
    step(input) {
      const out = Buffer.allocUnsafe(outSize);
      const [, produced, consumed] = dctx.decompressStream(out, input);
      return { output: produced > 0 ? out.subarray(0, produced) : void 0, consumed, more: produced === out.length };
    },
    dispose() {
    }
  };
}
function zstdDecompressor(what) {
  const native = zstdBackend() === "native" ? loadNative() : null;
  return new ZstdDecoder(native ? () => nativeDecodeEngine(native.binding) : portableDecodeEngine, what);
}

// src/codecs/index.ts
var COMPRESSION_LEVELS = { gzip: [1, 9], zstd: [1, 19] };
function compressor(c, level) {
  if (level !== void 0 && c !== "none") {
    const [min, max] = COMPRESSION_LEVELS[c];
    if (!Number.isInteger(level) || level < min || level > max) {
      throw new BalerError("E_USAGE", `${c} compression level must be ${min}-${max}, got ${level}`);
    }
  }
  switch (c) {
    case "gzip":
      return gzipCompressor(level);
    case "zstd":
      return zstdCompressor(level);
    case "none":
      return new PassThrough();
  }
}
function decompressor(c, what) {
  switch (c) {
    case "gzip":
      return gzipDecompressor(what);
    case "zstd":
      return zstdDecompressor(what);
    case "xz":
      return xzDecompressor(what);
    case "bzip2":
      return bzip2Decompressor(what);
    case "none":
      return new PassThrough();
  }
}
async function decompressAuto(s, what) {
  const { head, stream } = await peekStream(s, SNIFF_BYTES);
  const compression = sniffCompression(head);
  if (compression === "none") return { compression, stream };
  const dec = decompressor(compression, what);
  pipeline(stream, dec, () => void 0);
  return { compression, stream: dec };
}

// src/model/media-types.ts
var MediaTypes = {
  ociIndex: "application/vnd.oci.image.index.v1+json",
  ociManifest: "application/vnd.oci.image.manifest.v1+json",
  ociConfig: "application/vnd.oci.image.config.v1+json",
  ociLayer: "application/vnd.oci.image.layer.v1.tar",
  ociLayerGzip: "application/vnd.oci.image.layer.v1.tar+gzip",
  ociLayerZstd: "application/vnd.oci.image.layer.v1.tar+zstd",
  ociLayerNondist: "application/vnd.oci.image.layer.nondistributable.v1.tar",
  ociLayerNondistGzip: "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
  ociLayerNondistZstd: "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
  ociEmpty: "application/vnd.oci.empty.v1+json",
  dockerList: "application/vnd.docker.distribution.manifest.list.v2+json",
  dockerManifest: "application/vnd.docker.distribution.manifest.v2+json",
  dockerConfig: "application/vnd.docker.container.image.v1+json",
  dockerLayer: "application/vnd.docker.image.rootfs.diff.tar",
  dockerLayerGzip: "application/vnd.docker.image.rootfs.diff.tar.gzip",
  dockerForeignGzip: "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
  dockerSchema1Signed: "application/vnd.docker.distribution.manifest.v1+prettyjws",
  dockerSchema1: "application/vnd.docker.distribution.manifest.v1+json"
};
var layerTypes = {
  [MediaTypes.ociLayer]: "none",
  [MediaTypes.ociLayerGzip]: "gzip",
  [MediaTypes.ociLayerZstd]: "zstd",
  [MediaTypes.ociLayerNondist]: "none",
  [MediaTypes.ociLayerNondistGzip]: "gzip",
  [MediaTypes.ociLayerNondistZstd]: "zstd",
  [MediaTypes.dockerLayer]: "none",
  [MediaTypes.dockerLayerGzip]: "gzip",
  [MediaTypes.dockerForeignGzip]: "gzip"
};
function isLayerMediaType(mt) {
  return mt in layerTypes;
}
function declaredLayerCompression(mt) {
  return layerTypes[mt];
}
function isEncryptedLayer(mt) {
  return mt.endsWith("+encrypted");
}
function isIndexMediaType(mt) {
  return mt === MediaTypes.ociIndex || mt === MediaTypes.dockerList;
}
function isImageManifestMediaType(mt) {
  return mt === MediaTypes.ociManifest || mt === MediaTypes.dockerManifest;
}
function isConfigMediaType(mt) {
  return mt === MediaTypes.ociConfig || mt === MediaTypes.dockerConfig;
}
function layerMediaType(flavour, c) {
  if (flavour === "oci") {
    return c === "gzip" ? MediaTypes.ociLayerGzip : c === "zstd" ? MediaTypes.ociLayerZstd : MediaTypes.ociLayer;
  }
  return c === "gzip" ? MediaTypes.dockerLayerGzip : MediaTypes.dockerLayer;
}

// src/store/resolve.ts
var SHORT_ID = /^(?:sha256:)?([0-9a-f]{4,64})$/;
function resolveImage(images, query) {
  const q = query.trim();
  if (isDigest(q)) {
    const byId = unique(images.filter((i) => i.id === q));
    if (byId.length > 1) throw ambiguous(query, byId);
    if (byId[0]) return { image: byId[0], by: "id" };
    const byDigest = images.find((i) => i.digest === q);
    if (byDigest) return { image: byDigest, by: "digest" };
    throw notFound(query);
  }
  const named = matchName(images, q);
  if (named) return named;
  const m = SHORT_ID.exec(q);
  if (m?.[1]) {
    const prefix = `sha256:${m[1]}`;
    const hits = unique(images.filter((i) => i.id.startsWith(prefix)));
    if (hits.length === 1 && hits[0]) return { image: hits[0], by: "id" };
    if (hits.length > 1) throw ambiguous(query, hits);
  }
  throw notFound(query);
}
function ambiguous(query, hits) {
  const sameId = new Set(hits.map((i) => i.id)).size < hits.length;
  const list2 = hits.map((i) => {
    const extra = [i.names[0] ? familiarName(i.names[0]) : void 0, sameId ? `manifest ${i.digest}` : void 0].filter(Boolean).join(", ");
    return `${shortId(i.id)}${extra ? ` (${extra})` : ""}`;
  }).join(", ");
  return new BalerError("E_CONFLICT", `image ID ${isDigest(query) ? "" : "prefix "}${JSON.stringify(query)} is ambiguous: ${list2}`);
}
function notFound(query) {
  return new BalerError("E_NOT_FOUND", `no such image: ${query}`);
}
function unique(images) {
  const seen = /* @__PURE__ */ new Map();
  for (const i of images) if (!seen.has(i.digest)) seen.set(i.digest, i);
  return [...seen.values()];
}
function matchName(images, q) {
  let wanted;
  try {
    wanted = parseImageName(q, { defaultTag: "latest" });
  } catch {
    return void 0;
  }
  if (wanted.digest) {
    const repo = repositoryOf(wanted);
    for (const image of images) {
      if (image.digest !== wanted.digest) continue;
      const n = image.names.find((x) => repositoryOf(x) === repo);
      if (n) return { image, by: "digest", name: n };
    }
    return void 0;
  }
  for (const image of images) {
    const n = image.names.find((x) => x.digest === void 0 && sameName(x, wanted));
    if (n) return { image, by: "name", name: n };
  }
  return void 0;
}

// src/pipeline/plan.ts
function groupByDigest(entries) {
  const byDigest = /* @__PURE__ */ new Map();
  for (const e of entries) {
    const seen = byDigest.get(e.digest);
    if (!seen) {
      byDigest.set(e.digest, { ...e, names: [...e.names] });
      continue;
    }
    for (const n of e.names) if (!seen.names.some((x) => sameName(x, n))) seen.names.push(n);
  }
  return [...byDigest.values()];
}
function selectImages(listed, select, sourceLabel) {
  const images = groupByDigest(listed);
  if (select.kind === "all") return images.map((image) => ({ image, names: [...image.names] }));
  const out = /* @__PURE__ */ new Map();
  const add = (image, names) => {
    const s = out.get(image.digest) ?? { image, names: [] };
    for (const n of names) if (!s.names.some((x) => sameName(x, n))) s.names.push(n);
    out.set(image.digest, s);
  };
  for (const ref2 of select.refs) {
    const wholeRepo = allTagsOfRepository(images, ref2);
    if (wholeRepo.length) {
      for (const [image, names] of wholeRepo) add(image, names);
      continue;
    }
    try {
      const hit = resolveImage(images, ref2);
      add(hit.image, hit.by === "name" && hit.name ? [hit.name] : hit.image.names);
    } catch (err) {
      if (err instanceof BalerError && err.code === "E_NOT_FOUND") {
        throw new BalerError("E_NOT_FOUND", `no such image: ${ref2} in ${sourceLabel}`, { cause: err });
      }
      throw err;
    }
  }
  return [...out.values()];
}
function allTagsOfRepository(images, ref2) {
  let wanted;
  try {
    wanted = parseImageName(ref2);
  } catch {
    return [];
  }
  if (wanted.tag !== void 0 || wanted.digest !== void 0) return [];
  const latest = { ...wanted, tag: "latest" };
  if (images.some((i) => i.names.some((n) => sameName(n, latest)))) return [];
  const repo = repositoryOf(wanted);
  const hits = [];
  for (const image of images) {
    const names = image.names.filter((n) => repositoryOf(n) === repo && n.tag !== void 0);
    if (names.length) hits.push([image, names]);
  }
  return hits;
}
function applyRename(selected, rename4) {
  if (!rename4) return selected;
  if (selected.length !== 1) {
    throw new BalerError("E_USAGE", `--tag needs exactly one image, but the source holds ${selected.length}; name the image to load`);
  }
  return selected.map((s) => ({ ...s, names: [rename4] }));
}
function isAttestationEntry(d) {
  return d.platform?.os === "unknown" || d.annotations?.["vnd.docker.reference.type"] === "attestation-manifest";
}
function decideIndex(index, caps, asked, host, label) {
  const runnable = index.manifests.filter((d) => !isAttestationEntry(d));
  if (caps.keepsIndexes && !asked) return { keep: "index", children: runnable };
  const want = asked ?? host;
  const withPlatform = runnable.filter((d) => d.platform);
  const match = withPlatform.find((d) => d.platform && platformMatches(want, d.platform));
  if (match) return { keep: "child", child: match };
  if (!asked && runnable.length === 1 && runnable[0] && !runnable[0].platform) return { keep: "child", child: runnable[0] };
  const offered = withPlatform.map((d) => formatPlatform(d.platform));
  throw new BalerError(
    "E_NOT_FOUND",
    `${label}: no manifest for platform ${formatPlatform(want)}; available: ${offered.length ? offered.join(", ") : "none with a platform"}`
  );
}
function decideLayer(actual, caps, asked) {
  const accepted = caps.layerCompressions;
  if (asked !== void 0 && asked !== "keep") return actual === asked ? { kind: "keep" } : { kind: "convert", to: asked };
  if (accepted.includes(actual)) return { kind: "keep" };
  const first = caps.layerCompressions[0];
  if (!first) throw new BalerError("E_INTERNAL", "Internal error: sink accepts no layer compression");
  return { kind: "convert", to: first };
}
function checkLayerRequest(caps, asked, sinkLabel) {
  if (asked === void 0 || asked === "keep") return;
  if (!caps.layerCompressions.includes(asked)) {
    throw new BalerError("E_UNSUPPORTED", `--layers ${asked}: ${sinkLabel} cannot store ${asked} layers (it takes ${caps.layerCompressions.join(", ")})`);
  }
}
function decideManifestType(source, caps, layerCompressions, label) {
  const needsOci = layerCompressions.includes("zstd");
  const ok = (t) => caps.manifestTypes.includes(t) && !(needsOci && t === MediaTypes.dockerManifest);
  if (ok(source)) return source;
  const choice = caps.manifestTypes.find((t) => !isIndexMediaType(t) && ok(t));
  if (!choice) {
    throw new BalerError("E_UNSUPPORTED", `${label}: the destination only takes Docker manifests, which cannot describe zstd layers; use --layers gzip or an OCI destination`);
  }
  return choice;
}
function decideIndexType(source, caps) {
  if (caps.manifestTypes.includes(source)) return source;
  return caps.manifestTypes.find((t) => isIndexMediaType(t)) ?? MediaTypes.ociIndex;
}
function layerCompressionClaimed(d) {
  return declaredLayerCompression(d.mediaType);
}
function plannedBytes(perImage) {
  const uses = /* @__PURE__ */ new Map();
  for (const blobs of perImage) {
    const once3 = new Map(blobs.map((b) => [b.digest, b]));
    for (const b of once3.values()) {
      const u = uses.get(b.digest) ?? { size: b.size, images: 0 };
      u.images++;
      uses.set(b.digest, u);
    }
  }
  let totalBytes = 0;
  let sharedBytes = 0;
  for (const u of uses.values()) {
    totalBytes += u.size;
    sharedBytes += u.size * (u.images - 1);
  }
  return { totalBytes, sharedBytes, blobs: uses.size };
}
function imageLabel(names, id) {
  const first = names[0];
  return first ? familiarName(first) : id.slice(0, "sha256:".length + 12);
}

// src/model/descriptor.ts
function parseDescriptor(v, what) {
  const o = expectObject(v, what);
  const d = {
    mediaType: expectString(o.mediaType, `${what}.mediaType`),
    digest: parseDigest(o.digest, `${what}.digest`),
    size: expectSize(o.size, `${what}.size`)
  };
  const ann = stringRecord(o.annotations, `${what}.annotations`);
  if (ann) d.annotations = ann;
  if (o.platform !== void 0 && o.platform !== null) d.platform = parsePlatformObject(o.platform, `${what}.platform`);
  if (o.urls !== void 0 && o.urls !== null) d.urls = expectArray(o.urls, `${what}.urls`).map((u, i) => expectString(u, `${what}.urls[${i}]`));
  if (typeof o.artifactType === "string") d.artifactType = o.artifactType;
  return d;
}
function descriptorJson(d) {
  const out = { mediaType: d.mediaType, digest: d.digest, size: d.size };
  if (d.urls?.length) out.urls = d.urls;
  if (d.annotations && Object.keys(d.annotations).length) out.annotations = d.annotations;
  if (d.platform) out.platform = d.platform;
  if (d.artifactType) out.artifactType = d.artifactType;
  return out;
}

// src/model/index-manifest.ts
function parseIndexManifest(bytes, what = "index", mediaTypeHint) {
  const o = expectObject(parseJsonBytes(bytes, what, JsonLimits.manifest), what);
  if (o.schemaVersion !== 2) throw new BalerError("E_FORMAT", `${what}: schemaVersion must be 2`);
  const mediaType = typeof o.mediaType === "string" ? o.mediaType : mediaTypeHint ?? MediaTypes.ociIndex;
  if (mediaType !== MediaTypes.ociIndex && mediaType !== MediaTypes.dockerList) {
    throw new BalerError("E_UNSUPPORTED", `${what}: unsupported index media type ${JSON.stringify(mediaType)}`);
  }
  if (o.manifests === void 0) throw new BalerError("E_FORMAT", `${what}: missing "manifests"`);
  const manifests = expectArray(o.manifests, `${what}.manifests`).map((d, i) => parseDescriptor(d, `${what}.manifests[${i}]`));
  const idx = { schemaVersion: 2, mediaType, manifests };
  const ann = stringRecord(o.annotations, `${what}.annotations`);
  if (ann) idx.annotations = ann;
  return idx;
}
function serializeIndex(idx) {
  const out = { schemaVersion: 2, mediaType: idx.mediaType, manifests: idx.manifests.map(descriptorJson) };
  if (idx.annotations && Object.keys(idx.annotations).length) out.annotations = idx.annotations;
  return jsonBytes(out);
}
function manifestKind(bytes, what) {
  const o = expectObject(parseJsonBytes(bytes, what, JsonLimits.manifest), what);
  if (o.mediaType === MediaTypes.ociIndex || o.mediaType === MediaTypes.dockerList || Array.isArray(o.manifests)) return "index";
  return "image";
}

// src/model/manifest.ts
function parseImageManifest(bytes, what = "manifest", mediaTypeHint) {
  const o = expectObject(parseJsonBytes(bytes, what, JsonLimits.manifest), what);
  if (o.schemaVersion === 1) throw new BalerError("E_UNSUPPORTED", `${what}: Docker schema1 manifests are not supported`);
  if (o.schemaVersion !== 2) throw new BalerError("E_FORMAT", `${what}: schemaVersion must be 2`);
  const mediaType = typeof o.mediaType === "string" ? o.mediaType : mediaTypeHint ?? MediaTypes.ociManifest;
  if (mediaType !== MediaTypes.ociManifest && mediaType !== MediaTypes.dockerManifest) {
    throw new BalerError("E_UNSUPPORTED", `${what}: unsupported manifest media type ${JSON.stringify(mediaType)}`);
  }
  if ("manifests" in o) throw new BalerError("E_FORMAT", `${what}: is an index, not an image manifest`);
  const config = parseDescriptor(o.config, `${what}.config`);
  const layers = expectArray(o.layers, `${what}.layers`).map((l, i) => parseDescriptor(l, `${what}.layers[${i}]`));
  for (const [i, l] of layers.entries()) {
    if (isEncryptedLayer(l.mediaType)) throw new BalerError("E_UNSUPPORTED", `${what}: layer ${i} is encrypted (${l.mediaType})`);
    if (!isLayerMediaType(l.mediaType)) throw new BalerError("E_UNSUPPORTED", `${what}: layer ${i} has unknown media type ${JSON.stringify(l.mediaType)}`);
  }
  const m = { schemaVersion: 2, mediaType, config, layers };
  const ann = stringRecord(o.annotations, `${what}.annotations`);
  if (ann) m.annotations = ann;
  if (o.subject) m.subject = parseDescriptor(o.subject, `${what}.subject`);
  if (typeof o.artifactType === "string") m.artifactType = o.artifactType;
  return m;
}
function serializeManifest(m) {
  const out = {
    schemaVersion: 2,
    mediaType: m.mediaType,
    config: descriptorJson(m.config),
    layers: m.layers.map(descriptorJson)
  };
  if (m.annotations && Object.keys(m.annotations).length) out.annotations = m.annotations;
  return jsonBytes(out);
}

// src/model/layout-names.ts
var Annotations = {
  refName: "org.opencontainers.image.ref.name",
  containerdName: "io.containerd.image.name",
  title: "org.opencontainers.image.title",
  source: "org.opencontainers.image.source",
  created: "org.opencontainers.image.created"
};
function nameFromIndexEntry(d, fallbackRepo) {
  const ann = d.annotations ?? {};
  const full = ann[Annotations.containerdName];
  if (full) {
    try {
      return parseImageName(full, { defaultTag: "latest" });
    } catch {
    }
  }
  const ref2 = ann[Annotations.refName];
  if (!ref2) return void 0;
  if (ref2.includes(":") || ref2.includes("@") || ref2.includes("/")) {
    try {
      const n = parseImageName(ref2);
      if (n.tag !== void 0 || n.digest !== void 0) return n;
    } catch {
    }
  }
  if (fallbackRepo) {
    try {
      return parseImageName(`${fallbackRepo}:${ref2}`);
    } catch {
      return void 0;
    }
  }
  return void 0;
}
function annotationsForName(n) {
  return { [Annotations.containerdName]: fullName(n), [Annotations.refName]: familiarName(n) };
}

// src/io/read-all.ts
async function readAtMost(s, limit, what) {
  const chunks = [];
  let n = 0;
  for await (const chunk of s) {
    const b = chunk;
    n += b.length;
    if (n > limit) {
      s.destroy();
      throw new BalerError("E_FORMAT", `${what}: larger than ${limit} bytes`);
    }
    chunks.push(b);
  }
  return Buffer.concat(chunks, n);
}

// src/pipeline/fetch-verified.ts
function checkBytes(bytes, d, what) {
  if (bytes.byteLength !== d.size) {
    throw new BalerError("E_DIGEST_MISMATCH", `${what}: size mismatch, expected ${d.size} bytes, got ${bytes.byteLength}`);
  }
  const got = sha256Of(bytes);
  if (got !== d.digest) throw new BalerError("E_DIGEST_MISMATCH", `${what}: digest mismatch, expected ${d.digest}, got ${got}`);
}
async function fetchVerifiedManifest(source, d, what) {
  if (d.size > JsonLimits.manifest) throw new BalerError("E_FORMAT", `${what}: larger than ${JsonLimits.manifest} bytes`);
  const bytes = await source.fetchManifest(d);
  if (bytes.byteLength > JsonLimits.manifest) throw new BalerError("E_FORMAT", `${what}: larger than ${JsonLimits.manifest} bytes`);
  checkBytes(bytes, d, what);
  return bytes;
}
async function fetchVerifiedConfig(source, d, what, signal) {
  if (d.size > JsonLimits.config) throw new BalerError("E_FORMAT", `${what}: larger than ${JsonLimits.config} bytes`);
  try {
    const bytes = await readAtMost(await source.fetchBlob(d, signal), JsonLimits.config, what);
    checkBytes(bytes, d, what);
    return bytes;
  } catch (err) {
    if (isAbortError(err) && signal?.aborted) throw cancelled(signal);
    throw err;
  }
}
function cancelled(signal) {
  const reason = signal?.reason;
  if (reason instanceof BalerError) return reason;
  return new BalerError("E_CANCELLED", "interrupted; nothing partial was left behind");
}

// src/pipeline/image-graph.ts
function withoutNameAnnotations(d) {
  const out = { mediaType: d.mediaType, digest: d.digest, size: d.size };
  if (d.platform) out.platform = d.platform;
  if (d.annotations) {
    const rest = Object.entries(d.annotations).filter(([k]) => k !== Annotations.refName && k !== Annotations.containerdName);
    if (rest.length) out.annotations = Object.fromEntries(rest);
  }
  return out;
}
async function manifestBytes(source, d, what, cache) {
  const hit = cache.get(d.digest);
  if (hit) return hit;
  const bytes = await fetchVerifiedManifest(source, d, what);
  cache.set(d.digest, bytes);
  return bytes;
}
async function listImages(source, sourceLabel, cache) {
  const entries = await source.list();
  const out = [];
  for (const e of entries) {
    const d = e.descriptor;
    try {
      const bytes = await manifestBytes(source, d, `${sourceLabel}: manifest ${d.digest}`, cache);
      if (isIndexMediaType(d.mediaType) || manifestKind(bytes, `${sourceLabel}: manifest ${d.digest}`) === "index") {
        out.push({ descriptor: d, digest: d.digest, id: d.digest, names: e.names, kind: "index" });
      } else {
        const m = parseImageManifest(bytes, `${sourceLabel}: manifest ${d.digest}`, d.mediaType);
        out.push({ descriptor: d, digest: d.digest, id: m.config.digest, names: e.names, kind: "image" });
      }
    } catch (problem) {
      out.push({ descriptor: d, digest: d.digest, id: d.digest, names: e.names, kind: "image", problem });
    }
  }
  return out;
}
async function loadImageNode(d, o, what) {
  const bytes = await manifestBytes(o.source, d, `${what}: manifest`, o.cache);
  const manifest = parseImageManifest(bytes, `${what}: manifest`, d.mediaType);
  const cfgBytes = await fetchVerifiedConfig(o.source, manifest.config, `${what}: config ${manifest.config.digest}`, o.signal);
  const parsed = parseImageConfig(cfgBytes, `${what}: config`);
  if (parsed.rootfs.diff_ids.length !== manifest.layers.length) {
    throw new BalerError(
      "E_FORMAT",
      `${what}: the manifest lists ${manifest.layers.length} layers but the config has ${parsed.rootfs.diff_ids.length} diff_ids`
    );
  }
  return { kind: "image", descriptor: d, bytes, manifest, config: { descriptor: manifest.config, bytes: cfgBytes, parsed } };
}
async function loadNode(image, o) {
  if (image.problem) throw image.problem;
  const top = withoutNameAnnotations(image.descriptor);
  if (image.kind === "image") {
    const node = await loadImageNode(top, o, o.label);
    if (o.platform) {
      const have = configPlatform(node.config.parsed);
      if (!platformMatches(o.platform, have)) {
        o.warn("W_PLATFORM", `${o.label}: is ${formatPlatform(have)}, not ${formatPlatform(o.platform)}; copying it anyway`);
      }
    }
    return node;
  }
  const bytes = await manifestBytes(o.source, top, `${o.label}: index`, o.cache);
  const index = parseIndexManifest(bytes, `${o.label}: index`, top.mediaType);
  const decision = decideIndex(index, o.caps, o.platform, hostPlatform(), o.label);
  if (decision.keep === "child") {
    const child = decision.child;
    if (isIndexMediaType(child.mediaType)) {
      throw new BalerError("E_UNSUPPORTED", `${o.label}: nested image indexes are not supported (${child.digest})`);
    }
    return loadImageNode(child, o, `${o.label} (${child.platform ? formatPlatform(child.platform) : child.digest})`);
  }
  const dropped = index.manifests.length - decision.children.length;
  if (dropped > 0) o.warn("W_ATTESTATION", `${o.label}: left out ${dropped} attestation manifest(s) of the index`);
  const children = [];
  for (const child of decision.children) {
    if (isIndexMediaType(child.mediaType)) {
      throw new BalerError("E_UNSUPPORTED", `${o.label}: nested image indexes are not supported (${child.digest})`);
    }
    children.push(await loadImageNode(child, o, `${o.label} (${child.platform ? formatPlatform(child.platform) : child.digest})`));
  }
  return { kind: "index", descriptor: top, bytes, index, children };
}
function imagesOf(node) {
  return node.kind === "image" ? [node] : node.children;
}

// src/io/temp.ts
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
function tempRoot() {
  return process.env.BALER_TMPDIR || tmpdir();
}
async function makeTempDir(prefix = "baler-", parent = tempRoot()) {
  const path = await mkdtemp(join(parent, prefix));
  let removed = false;
  const remove = async () => {
    if (removed) return;
    removed = true;
    unregister();
    await rm(path, { recursive: true, force: true });
  };
  const unregister = onInterruptCleanup(remove);
  return { path, remove, [Symbol.asyncDispose]: remove };
}

// src/pipeline/blob-copy.ts
import { createReadStream } from "node:fs";
import { Readable as Readable2, pipeline as pipeline4 } from "node:stream";

// src/io/spool.ts
import { createWriteStream } from "node:fs";
import { join as join2 } from "node:path";
import { pipeline as pipeline2 } from "node:stream/promises";
async function spoolToFile(s, dir, name, signal) {
  const path = join2(dir, name);
  const h = new HashingStream();
  await pipeline2(s, h, createWriteStream(path, { highWaterMark: 1024 * 1024 }), signal ? { signal } : {});
  return { path, size: h.bytes, digest: h.digest() };
}

// src/pipeline/diff-id-tee.ts
import { once } from "node:events";
import { Transform as Transform2, Writable } from "node:stream";
import { pipeline as pipeline3 } from "node:stream/promises";
var DiffIdTee = class extends Transform2 {
  dec;
  done;
  failure;
  constructor(compression, diffId, what) {
    super();
    this.dec = decompressor(compression, what);
    const check = new VerifyingStream(diffId, void 0, what);
    const discard = new Writable({ write: (_c, _e, cb) => cb() });
    this.done = pipeline3(this.dec, check, discard).catch((err) => {
      this.failure = err instanceof Error ? err : new Error(String(err));
    });
  }
  _transform(chunk, _enc, cb) {
    if (this.failure || this.dec.destroyed) {
      cb(null, chunk);
      return;
    }
    if (this.dec.write(chunk)) {
      cb(null, chunk);
      return;
    }
    Promise.race([once(this.dec, "drain").catch(() => void 0), this.done]).then(
      () => cb(null, chunk),
      (err) => cb(err)
    );
  }
  _flush(cb) {
    if (!this.dec.destroyed) this.dec.end();
    this.done.then(
      () => cb(this.failure ?? null),
      (err) => cb(err)
    );
  }
  _destroy(err, cb) {
    if (!this.dec.destroyed) this.dec.destroy();
    cb(err);
  }
};

// src/pipeline/progress-meter.ts
import { Transform as Transform3 } from "node:stream";
var PROGRESS_INTERVAL_MS = 100;
var ProgressMeter = class extends Transform3 {
  constructor(report, now = Date.now) {
    super();
    this.report = report;
    this.now = now;
  }
  report;
  now;
  bytes = 0;
  lastReport = 0;
  _transform(chunk, _enc, cb) {
    this.bytes += chunk.length;
    const t = this.now();
    if (t - this.lastReport >= PROGRESS_INTERVAL_MS) {
      this.lastReport = t;
      this.report(this.bytes);
    }
    cb(null, chunk);
  }
  _flush(cb) {
    this.report(this.bytes);
    cb();
  }
};

// src/pipeline/blob-copy.ts
async function copyLayer(job) {
  const { layer, sink } = job;
  const claimed = layerCompressionClaimed(layer);
  if (claimed && decideLayer(claimed, sink.caps, job.asked).kind === "keep" && await sink.hasBlob(layer.digest)) {
    job.onState("skipped-present", 0, layer.size);
    return { digest: layer.digest, size: layer.size, compression: claimed, converted: false, skipped: true, bytesRead: 0, bytesWritten: 0 };
  }
  if (job.signal?.aborted) throw cancelled(job.signal);
  const raw = await job.source.fetchBlob(layer, job.signal);
  const { head, stream: fetched } = await peekStream(raw, SNIFF_BYTES);
  const actual = sniffCompression(head);
  const action = decideLayer(actual, sink.caps, job.asked);
  const stages = [fetched];
  job.onState("copying", 0, layer.size);
  const meter = new ProgressMeter((done) => job.onState("copying", done, layer.size));
  stages.push(meter);
  stages.push(new VerifyingStream(layer.digest, layer.size, job.what));
  const diffWhat = `${job.what}: uncompressed content does not match rootfs.diff_ids (${shortId(job.diffId)})`;
  let info;
  let storedCompression = claimed ?? actual;
  if (action.kind === "keep") {
    stages.push(actual === "none" ? new VerifyingStream(job.diffId, void 0, diffWhat) : new DiffIdTee(actual, job.diffId, diffWhat));
    info = { mediaType: layer.mediaType, digest: layer.digest, size: layer.size };
  } else {
    stages.push(decompressor(actual, job.what), new VerifyingStream(job.diffId, void 0, diffWhat));
    if (action.to !== "none") stages.push(compressor(action.to, job.level));
    storedCompression = action.to;
    info = action.to === "none" ? { mediaType: layerMediaType("oci", "none"), digest: job.diffId } : { mediaType: layerMediaType("oci", action.to) };
  }
  let firstError;
  const body = pipeline4(stages, (err) => {
    if (err && firstError === void 0) firstError = err;
  });
  try {
    let put = body;
    if (sink.caps.needsSizeFirst && info.size === void 0) {
      const spooled = await spoolToFile(body, await job.spoolDir(), `${(info.digest ?? layer.digest).slice(7)}.${Math.random().toString(36).slice(2)}`, job.signal);
      info = { ...info, digest: spooled.digest, size: spooled.size };
      put = createReadStream(spooled.path, { highWaterMark: 1024 * 1024 });
    }
    const stored = await sink.putBlob(put, info, job.signal);
    job.onState("verified", meter.bytes, layer.size);
    return {
      digest: stored.digest,
      size: stored.size,
      compression: storedCompression,
      converted: action.kind === "convert" || stored.digest !== layer.digest,
      skipped: false,
      bytesRead: meter.bytes,
      bytesWritten: stored.size
    };
  } catch (err) {
    body.destroy();
    const why = explain(firstError ?? err, err, job.signal);
    if (action.kind === "convert" && why instanceof BalerError && (why.code === "E_FORMAT" || why.code === "E_TRUNCATED")) {
      throw await sourceDigestProblem(job) ?? why;
    }
    throw why;
  }
}
async function sourceDigestProblem(job) {
  try {
    const got = await sha256OfStream(await job.source.fetchBlob(job.layer, job.signal));
    if (got.size !== job.layer.size) {
      return new BalerError("E_DIGEST_MISMATCH", `${job.what}: size mismatch, expected ${job.layer.size} bytes, got ${got.size}`);
    }
    if (got.digest !== job.layer.digest) {
      return new BalerError("E_DIGEST_MISMATCH", `${job.what}: digest mismatch, expected ${job.layer.digest}, got ${got.digest}`);
    }
  } catch {
  }
  return void 0;
}
function explain(first, fromSink, signal) {
  if (signal?.aborted) return cancelled(signal);
  if (first instanceof BalerError) return first;
  if (fromSink instanceof BalerError) return fromSink;
  if (isAbortError(first)) return cancelled(signal);
  return first ?? fromSink;
}
async function copyConfig(sink, d, bytes, signal) {
  if (await sink.hasBlob(d.digest)) return "skipped";
  await sink.putBlob(Readable2.from([Buffer.from(bytes)]), { mediaType: d.mediaType, digest: d.digest, size: d.size }, signal);
  return "copied";
}

// src/pipeline/limit.ts
function concurrencyLimit(n) {
  let running = 0;
  const waiting = [];
  const next = () => {
    if (running >= n) return;
    const start = waiting.shift();
    if (start) {
      running++;
      start();
    }
  };
  return (task) => new Promise((resolve6, reject) => {
    waiting.push(() => {
      task().then(resolve6, reject).finally(() => {
        running--;
        next();
      });
    });
    next();
  });
}

// src/pipeline/rewrite.ts
var STREAM_SPECIFIC_ANNOTATION = /^io\.containers\.zstd-chunked\./;
function flavourOf(mediaType) {
  return mediaType === MediaTypes.dockerManifest ? "docker" : "oci";
}
function configMediaType(flavour, current) {
  if (current !== MediaTypes.ociConfig && current !== MediaTypes.dockerConfig) return current;
  return flavour === "docker" ? MediaTypes.dockerConfig : MediaTypes.ociConfig;
}
function rewriteLayer(orig, copied, flavour, flavourChanged) {
  const claimed = declaredLayerCompression(orig.mediaType);
  const compression = copied.compression === "gzip" || copied.compression === "zstd" ? copied.compression : "none";
  if (!copied.converted && !flavourChanged && claimed === compression) return orig;
  const out = { mediaType: layerMediaType(flavour, compression), digest: copied.digest, size: copied.size };
  if (orig.urls?.length) out.urls = orig.urls;
  if (orig.annotations) {
    const kept = Object.entries(orig.annotations).filter(([k]) => !(copied.converted && STREAM_SPECIFIC_ANNOTATION.test(k)));
    if (kept.length) out.annotations = Object.fromEntries(kept);
  }
  return out;
}
function rewriteManifest(orig, origBytes, origDescriptor, layers, targetType) {
  const flavour = flavourOf(targetType);
  const flavourChanged = targetType !== orig.mediaType;
  const newLayers = orig.layers.map((l, i) => {
    const copied = layers[i];
    return copied ? rewriteLayer(l, copied, flavour, flavourChanged) : l;
  });
  const unchanged = !flavourChanged && newLayers.every((l, i) => l === orig.layers[i]);
  if (unchanged) return { bytes: origBytes, descriptor: origDescriptor };
  const next = {
    ...orig,
    mediaType: targetType,
    config: { ...orig.config, mediaType: configMediaType(flavour, orig.config.mediaType) },
    layers: newLayers
  };
  const bytes = serializeManifest(next);
  return { bytes, descriptor: withContent(origDescriptor, targetType, bytes) };
}
function rewriteIndex(orig, origBytes, origDescriptor, children, targetType) {
  const sameChildren = children.length === orig.manifests.length && children.every((c, i) => c.from === orig.manifests[i] && c.to.digest === c.from.digest && c.to.mediaType === c.from.mediaType);
  if (sameChildren && targetType === orig.mediaType) return { bytes: origBytes, descriptor: origDescriptor };
  const manifests = children.map(({ from, to }) => {
    const d = { ...from, mediaType: to.mediaType, digest: to.digest, size: to.size };
    return d;
  });
  const bytes = serializeIndex({ ...orig, mediaType: targetType, manifests });
  return { bytes, descriptor: withContent(origDescriptor, targetType, bytes) };
}
function withContent(d, mediaType, bytes) {
  const out = { mediaType, digest: sha256Of(bytes), size: bytes.byteLength };
  if (d.platform) out.platform = d.platform;
  return out;
}

// src/pipeline/copy.ts
var PARALLEL_BLOBS = 3;
async function copyImages(req) {
  const started = Date.now();
  const emit = (e) => req.onEvent?.(e);
  const warnings = [];
  const warn = (code, message) => {
    warnings.push(message);
    emit({ kind: "warning", code, message });
  };
  const sourceLabel = req.from.ref.location === "-" ? "stdin" : req.from.ref.toString();
  const sinkLabel = req.to.ref.toString();
  const caps = req.to.caps;
  checkLayerRequest(caps, req.layers, sinkLabel);
  const check = () => {
    if (req.signal?.aborted) throw cancelled(req.signal);
  };
  const cache = /* @__PURE__ */ new Map();
  const listed = await listImages(req.from, sourceLabel, cache);
  check();
  if (listed.length === 0 && req.select.kind === "all") throw new BalerError("E_NOT_FOUND", `${sourceLabel}: holds no images`);
  const selected = applyRename(selectImages(listed, req.select, sourceLabel), req.rename);
  if (selected.length > 1 && !caps.multiImage) {
    throw new BalerError("E_USAGE", `${sinkLabel} can hold only one image, but ${selected.length} were selected`);
  }
  const nodes = [];
  for (const sel of selected) {
    const label = imageLabel(sel.names.length ? sel.names : sel.image.names, sel.image.id);
    const where = `${sourceLabel}: ${label}`;
    const node = await loadNode(sel.image, { source: req.from, caps, ...req.platform ? { platform: req.platform } : {}, label: where, ...req.signal ? { signal: req.signal } : {}, cache, warn });
    nodes.push({ sel, node, label: where });
    check();
  }
  emitPlan(nodes, emit);
  const totals = { blobsCopied: 0, blobsSkipped: 0, bytesRead: 0, bytesWritten: 0 };
  const layerCopies = /* @__PURE__ */ new Map();
  const limit = concurrencyLimit(caps.parallelPuts ? PARALLEL_BLOBS : 1);
  let temp;
  const spoolDir = async () => (await (temp ??= makeTempDir("baler-copy-"))).path;
  const images = [];
  try {
    for (const { sel, node, label } of nodes) {
      const ctx = { req, emit, totals, layerCopies, limit, spoolDir, label };
      const written = await copyNode(node, ctx);
      check();
      if (sel.names.length === 0) await req.to.addImage(written.descriptor);
      for (const name of sel.names) await req.to.addImage(written.descriptor, name);
      const id = node.kind === "image" ? node.config.descriptor.digest : written.descriptor.digest;
      images.push({ names: sel.names, id, digest: written.descriptor.digest });
      emit({ kind: "image-done", names: sel.names, id, digest: written.descriptor.digest });
    }
    check();
    const result = await req.to.commit();
    for (const move of result.moved) emit({ kind: "name-moved", move });
    return { images, moved: result.moved, ...totals, durationMs: Date.now() - started, location: result.location, warnings };
  } finally {
    if (temp) await (await temp).remove();
  }
}
function emitPlan(nodes, emit) {
  const perImage = [];
  const planned = [];
  for (const { sel, node } of nodes) {
    const blobs = [];
    const ids = [];
    const platforms = [];
    let layers = 0;
    for (const img of imagesOf(node)) {
      ids.push(img.config.descriptor.digest);
      platforms.push(formatPlatform(configPlatform(img.config.parsed)));
      blobs.push({ digest: img.config.descriptor.digest, size: img.config.descriptor.size, role: "config" });
      for (const l of img.manifest.layers) blobs.push({ digest: l.digest, size: l.size, role: "layer" });
      layers += img.manifest.layers.length;
    }
    perImage.push(blobs);
    const bytes = plannedBytes([blobs]).totalBytes;
    planned.push({ names: sel.names, digest: node.descriptor.digest, ids, platforms, layers, bytes });
  }
  emit({ kind: "plan", images: planned, ...plannedBytes(perImage) });
}
async function copyNode(node, ctx) {
  if (node.kind === "image") return copyImageNode(node, ctx, ctx.label);
  const children = [];
  for (const child of node.children) {
    const platform = child.descriptor.platform ? formatPlatform(child.descriptor.platform) : child.descriptor.digest;
    const written = await copyImageNode(child, ctx, `${ctx.label} (${platform})`);
    children.push({ from: child.descriptor, to: written.descriptor });
  }
  const out = rewriteIndex(node.index, node.bytes, node.descriptor, children, decideIndexType(node.index.mediaType, ctx.req.to.caps));
  await ctx.req.to.putManifest(out.bytes, out.descriptor);
  ctx.totals.bytesRead += node.bytes.byteLength;
  ctx.totals.bytesWritten += out.bytes.byteLength;
  return out;
}
async function copyImageNode(node, ctx, label) {
  const { req, emit, totals } = ctx;
  const sink = req.to;
  const cfg = node.config.descriptor;
  const cfgResult = await copyConfig(sink, cfg, node.config.bytes, req.signal);
  if (cfgResult === "copied") {
    totals.blobsCopied++;
    totals.bytesRead += cfg.size;
    totals.bytesWritten += cfg.size;
  } else totals.blobsSkipped++;
  emit({ kind: "blob", digest: cfg.digest, role: "config", state: cfgResult === "copied" ? "verified" : "skipped-present", done: cfg.size, total: cfg.size });
  const inner = new AbortController();
  const onOuterAbort = () => inner.abort(req.signal?.reason);
  req.signal?.addEventListener("abort", onOuterAbort, { once: true });
  let firstFailure;
  const diffIds = node.config.parsed.rootfs.diff_ids;
  const jobs = node.manifest.layers.map((layer, i) => {
    emit({ kind: "blob", digest: layer.digest, role: "layer", state: "queued", done: 0, total: layer.size });
    let p = ctx.layerCopies.get(layer.digest);
    if (!p) {
      p = ctx.limit(() => {
        if (inner.signal.aborted) return Promise.reject(cancelled(inner.signal));
        return copyLayer({
          source: req.from,
          sink,
          layer,
          diffId: diffIds[i],
          what: `${label}: layer ${i}`,
          asked: req.layers,
          ...req.level !== void 0 ? { level: req.level } : {},
          spoolDir: ctx.spoolDir,
          signal: inner.signal,
          onState: (state, done, total) => emit({ kind: "blob", digest: layer.digest, role: "layer", state, done, ...total !== void 0 ? { total } : {} })
        }).then((c) => {
          if (c.skipped) totals.blobsSkipped++;
          else totals.blobsCopied++;
          totals.bytesRead += c.bytesRead;
          totals.bytesWritten += c.bytesWritten;
          return c;
        });
      });
      ctx.layerCopies.set(layer.digest, p);
    }
    return p.catch((err) => {
      if (firstFailure === void 0) {
        firstFailure = err;
        inner.abort(err instanceof BalerError ? err : new BalerError("E_CANCELLED", "stopped after another layer failed"));
      }
      throw err;
    });
  });
  const settled = await Promise.allSettled(jobs);
  req.signal?.removeEventListener("abort", onOuterAbort);
  if (firstFailure !== void 0) throw firstFailure;
  const layers = settled.map((s) => s.value);
  const targetType = decideManifestType(node.manifest.mediaType, sink.caps, layers.map((l) => l.compression), label);
  const out = rewriteManifest(node.manifest, node.bytes, node.descriptor, layers, targetType);
  await sink.putManifest(out.bytes, out.descriptor);
  totals.bytesRead += node.bytes.byteLength;
  totals.bytesWritten += out.bytes.byteLength;
  return out;
}

// src/tar/paths.ts
function normalizeEntryPath(name, what) {
  if (name.includes("\0")) throw new BalerError("E_FORMAT", `${what}: entry name contains a NUL byte`);
  const out = [];
  for (const seg of name.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") {
      if (out.length === 0) throw new BalerError("E_PATH_ESCAPE", `${what}: entry "${name}" points outside the archive root`);
      out.pop();
      continue;
    }
    out.push(seg);
  }
  return out.join("/");
}
function resolveLinkTarget(from, target) {
  const base = target.startsWith("/") ? [] : from.split("/").slice(0, -1);
  for (const seg of target.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") {
      if (base.length === 0) return void 0;
      base.pop();
    } else base.push(seg);
  }
  return base.join("/");
}

// src/transports/store/transport.ts
import { resolve } from "node:path";

// src/store/blobs.ts
import { randomBytes as randomBytes2 } from "node:crypto";
import { createWriteStream as createWriteStream3 } from "node:fs";
import { mkdir as mkdir2, open as open2, rename as rename3, stat as stat2, unlink as unlink2 } from "node:fs/promises";
import { join as join5 } from "node:path";
import { Readable as Readable3 } from "node:stream";
import { pipeline as pipeline5 } from "node:stream/promises";

// src/io/atomic-file.ts
import { randomBytes } from "node:crypto";
import { createWriteStream as createWriteStream2 } from "node:fs";
import { open, rename, unlink } from "node:fs/promises";
import { basename, dirname, join as join3 } from "node:path";
import { finished } from "node:stream/promises";
function tempNameFor(target) {
  return join3(dirname(target), `.${basename(target)}.baler-tmp-${randomBytes(6).toString("hex")}`);
}
async function fsyncDir(dir) {
  let fh;
  try {
    fh = await open(dir, "r");
    await fh.sync();
  } catch {
  } finally {
    await fh?.close();
  }
}
async function createAtomicFile(target, opts = {}) {
  const tempPath = tempNameFor(target);
  let fh;
  try {
    fh = await open(tempPath, "wx", opts.mode ?? 420);
  } catch (err) {
    throw fromSystemError(err, dirname(target));
  }
  const stream = createWriteStream2("", { fd: fh.fd, autoClose: false, highWaterMark: 1024 * 1024 });
  let state = "open";
  const discard = async () => {
    if (state !== "open") return;
    state = "discarded";
    unregister();
    stream.destroy();
    await fh.close().catch(() => void 0);
    await unlink(tempPath).catch(() => void 0);
  };
  const unregister = onInterruptCleanup(discard);
  const commit = async () => {
    if (state !== "open") return;
    try {
      if (!stream.writableEnded) stream.end();
      await finished(stream);
      await fh.sync();
      await fh.close();
      if (!opts.overwrite) {
        const exists2 = await open(target, "r").then((h) => h.close().then(() => true), () => false);
        if (exists2) throw Object.assign(new Error("exists"), { code: "EEXIST" });
      }
      await rename(tempPath, target);
      state = "committed";
      unregister();
      await fsyncDir(dirname(target));
    } catch (err) {
      await discard();
      throw fromSystemError(err, target);
    }
  };
  return { target, tempPath, stream, commit, discard, [Symbol.asyncDispose]: discard };
}

// src/store/layout.ts
import { chmod, mkdir, mkdtemp as mkdtemp2, readdir, readFile, rename as rename2, rm as rm2, stat } from "node:fs/promises";
import { basename as basename2, dirname as dirname2, join as join4 } from "node:path";
var LAYOUT_VERSION = "1.0.0";
function ociLayoutFile(root) {
  return join4(root, "oci-layout");
}
function indexFile(root) {
  return join4(root, "index.json");
}
function blobsDir(root) {
  return join4(root, "blobs", "sha256");
}
function lockPath(root) {
  return join4(root, "index.json.lock");
}
function blobPath(root, d) {
  if (!isDigest(d)) throw new BalerError("E_FORMAT", `${root}: invalid blob digest ${JSON.stringify(d)}`);
  return join4(blobsDir(root), hexOf(d));
}
var EMPTY_INDEX = `{"schemaVersion":2,"mediaType":"${MediaTypes.ociIndex}","manifests":[]}`;
async function checkLayout(root) {
  let st;
  try {
    st = await stat(root);
  } catch (err) {
    throw fromSystemError(err, root);
  }
  if (!st.isDirectory()) throw new BalerError("E_FORMAT", `${root}: not a directory, so not an OCI image layout`);
  let bytes;
  try {
    bytes = await readFile(ociLayoutFile(root));
  } catch (err) {
    if (err.code === "ENOENT") throw new BalerError("E_FORMAT", `${root}: not an OCI image layout (no oci-layout file)`);
    throw fromSystemError(err, ociLayoutFile(root));
  }
  let parsed;
  try {
    parsed = parseJsonBytes(bytes, `${root}/oci-layout`, JsonLimits.small);
  } catch {
    throw new BalerError("E_FORMAT", `${root}: not an OCI image layout (oci-layout is not valid JSON)`);
  }
  if (!isObject(parsed) || typeof parsed.imageLayoutVersion !== "string") {
    throw new BalerError("E_FORMAT", `${root}: not an OCI image layout (oci-layout has no imageLayoutVersion)`);
  }
  if (!parsed.imageLayoutVersion.startsWith("1.")) {
    throw new BalerError("E_UNSUPPORTED", `${root}: unsupported OCI layout version ${JSON.stringify(parsed.imageLayoutVersion)}`);
  }
}
async function exists(path) {
  return stat(path).then(
    () => true,
    () => false
  );
}
async function writeIfAbsent(path, text) {
  if (await exists(path)) return;
  const out = await createAtomicFile(path);
  try {
    out.stream.end(text);
    await out.commit();
  } catch (err) {
    if (!(err instanceof BalerError && err.code === "E_CONFLICT")) throw err;
  } finally {
    await out.discard();
  }
}
async function ensureLayout(root) {
  if (!await exists(root)) {
    const parent = dirname2(root);
    try {
      await mkdir(parent, { recursive: true });
      const temp = await mkdtemp2(join4(parent, `.${basename2(root)}.baler-tmp-`));
      try {
        await chmod(temp, 493);
        await populate(temp);
        await rename2(temp, root);
      } catch (err) {
        await rm2(temp, { recursive: true, force: true });
        const code = err.code;
        if (code !== "ENOTEMPTY" && code !== "EEXIST") throw err;
      }
    } catch (err) {
      throw fromSystemError(err, root);
    }
  }
  if (!await exists(ociLayoutFile(root)) && !await exists(indexFile(root))) {
    const entries = await readdir(root).catch((err) => {
      throw fromSystemError(err, root);
    });
    if (entries.length > 0) throw new BalerError("E_CONFLICT", `${root}: exists, is not empty and is not an OCI image layout; choose another directory`);
  }
  await populate(root);
  await checkLayout(root);
}
async function populate(root) {
  try {
    await mkdir(blobsDir(root), { recursive: true });
  } catch (err) {
    throw fromSystemError(err, root);
  }
  await writeIfAbsent(indexFile(root), EMPTY_INDEX);
  await writeIfAbsent(ociLayoutFile(root), `{"imageLayoutVersion":"${LAYOUT_VERSION}"}`);
}

// src/store/blobs.ts
var TEMP_PREFIX = ".baler-tmp-";
function tempBlobName() {
  return `${TEMP_PREFIX}${process.pid}-${randomBytes2(6).toString("hex")}`;
}
function isTempBlobName(name) {
  return name.startsWith(TEMP_PREFIX);
}
function tempBlobOwner(name) {
  const m = /^\.baler-tmp-(\d+)-/.exec(name);
  return m ? Number(m[1]) : void 0;
}
async function blobSize(root, d) {
  try {
    const st = await stat2(blobPath(root, d));
    return st.isFile() ? st.size : void 0;
  } catch {
    return void 0;
  }
}
async function hasBlob(root, d) {
  return await blobSize(root, d) !== void 0;
}
async function openBlob(root, d) {
  const path = blobPath(root, d);
  let fh;
  try {
    fh = await open2(path, "r");
  } catch (err) {
    if (err.code === "ENOENT") throw new BalerError("E_NOT_FOUND", `${root}: blob ${d} not found`);
    throw fromSystemError(err, path);
  }
  return fh.createReadStream({ highWaterMark: 1024 * 1024 });
}
async function readBlobBytes(root, d, limit) {
  return readAtMost(await openBlob(root, d), limit, `${root}: blob ${d}`);
}
async function writeBlobAtomic(root, body, info, signal) {
  const dir = blobsDir(root);
  await mkdir2(dir, { recursive: true }).catch((err) => {
    throw fromSystemError(err, dir);
  });
  const tempPath = join5(dir, tempBlobName());
  let fh;
  const removeTemp = async () => {
    await fh?.close().catch(() => void 0);
    fh = void 0;
    await unlink2(tempPath).catch(() => void 0);
  };
  const unregister = onInterruptCleanup(removeTemp);
  try {
    fh = await open2(tempPath, "wx", 420).catch((err) => {
      throw fromSystemError(err, dir);
    });
    const what = `blob ${info.digest ?? "(digest not yet known)"}`;
    const check = info.digest ? new VerifyingStream(info.digest, info.size, what) : new HashingStream();
    const out = createWriteStream3("", { fd: fh.fd, autoClose: false, highWaterMark: 1024 * 1024 });
    await pipeline5(body, check, out, signal ? { signal } : {});
    const size = check.bytes;
    const digest = check instanceof HashingStream ? check.digest() : info.digest;
    if (info.size !== void 0 && info.size !== size) {
      throw new BalerError("E_DIGEST_MISMATCH", `blob ${digest}: size mismatch, expected ${info.size} bytes, got ${size}`);
    }
    await fh.sync();
    await fh.close();
    fh = void 0;
    await rename3(tempPath, blobPath(root, digest));
    await fsyncDir(dir);
    return { mediaType: info.mediaType, digest, size };
  } catch (err) {
    await removeTemp();
    if (signal?.aborted && isAbortError(err)) {
      throw signal.reason instanceof BalerError ? signal.reason : new BalerError("E_CANCELLED", "interrupted; nothing partial was left behind", { cause: err });
    }
    throw fromSystemError(err, `${root}: writing ${info.digest ?? "blob"}`);
  } finally {
    unregister();
  }
}
async function writeBytesBlob(root, bytes, d, signal) {
  return writeBlobAtomic(root, Readable3.from([Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)]), { mediaType: d.mediaType, digest: d.digest, size: d.size }, signal);
}

// src/store/fsck.ts
import { readdir as readdir2, stat as stat3 } from "node:fs/promises";
import { join as join6 } from "node:path";

// src/store/index-file.ts
import { readFile as readFile2 } from "node:fs/promises";
function parseIndexDocument(bytes, what) {
  const raw = expectObject(parseJsonBytes(bytes, what, JsonLimits.manifest), what);
  if (raw.schemaVersion !== 2) throw new BalerError("E_FORMAT", `${what}: schemaVersion must be 2`);
  if (raw.manifests === void 0 || raw.manifests === null) throw new BalerError("E_FORMAT", `${what}: missing "manifests"`);
  const manifests = expectArray(raw.manifests, `${what}.manifests`).map((m, i) => expectObject(m, `${what}.manifests[${i}]`));
  manifests.forEach((m, i) => parseDescriptor(m, `${what}.manifests[${i}]`));
  return { raw, manifests };
}
function indexEntries(doc, what = "index.json") {
  return doc.manifests.map((m, i) => ({ descriptor: parseDescriptor(m, `${what}.manifests[${i}]`), position: i }));
}
async function readIndexDocument(root) {
  const path = indexFile(root);
  let bytes;
  try {
    bytes = await readFile2(path);
  } catch (err) {
    if (err.code === "ENOENT") throw new BalerError("E_FORMAT", `${root}: not an OCI image layout (no index.json)`);
    throw fromSystemError(err, path);
  }
  return parseIndexDocument(bytes, path);
}
async function writeIndexLocked(root, doc, lock) {
  const out = await createAtomicFile(indexFile(root), { overwrite: true });
  try {
    out.stream.end(jsonBytes({ ...doc.raw, manifests: doc.manifests }));
    lock.assertHeld();
    await out.commit();
  } finally {
    await out.discard();
  }
}

// src/store/references.ts
function ref(v, role, position, what) {
  if (!isObject(v)) throw new BalerError("E_FORMAT", `${what}: ${role} ${position} is not a descriptor`);
  const out = { digest: parseDigest(v.digest, `${what}: ${role} ${position} digest`), size: expectSize(v.size, `${what}: ${role} ${position} size`), role, position };
  if (typeof v.mediaType === "string") out.mediaType = v.mediaType;
  if (isObject(v.platform)) {
    try {
      out.platform = parsePlatformObject(v.platform, `${what}: ${role} ${position} platform`);
    } catch {
    }
  }
  return out;
}
function list(o, key, role, what) {
  const v = o[key];
  if (v === void 0 || v === null) return [];
  if (!Array.isArray(v)) throw new BalerError("E_FORMAT", `${what}: "${key}" is not an array`);
  return v.map((d, i) => ref(d, role, i, what));
}
function manifestReferences(bytes, what) {
  const o = parseJsonBytes(bytes, what, JsonLimits.manifest);
  if (!isObject(o)) throw new BalerError("E_FORMAT", `${what}: expected a JSON object`);
  const refs = [];
  const isIndex = Array.isArray(o.manifests) || isIndexMediaType(typeof o.mediaType === "string" ? o.mediaType : void 0);
  refs.push(...list(o, "manifests", "manifest", what));
  if (o.config !== void 0) refs.push(ref(o.config, "config", 0, what));
  refs.push(...list(o, "layers", "layer", what));
  refs.push(...list(o, "blobs", "blob", what));
  return { kind: isIndex ? "index" : o.config !== void 0 ? "image" : "other", refs };
}

// src/store/reachability.ts
function describeEntry(e) {
  const n = nameFromIndexEntry(e.descriptor);
  return `index.json entry ${e.position}${n ? ` (${familiarName(n)})` : ""}`;
}
function roleLabel(role, position) {
  return role === "config" ? "config" : `${role} ${position}`;
}
async function walkReachable(root, entries) {
  const out = { reachable: /* @__PURE__ */ new Map(), missing: [], unreadable: [] };
  const visitManifest = async (digest, size, from) => {
    if (out.reachable.has(digest)) return;
    out.reachable.set(digest, { size, from });
    if (await blobSize(root, digest) === void 0) {
      out.missing.push({ digest, from });
      return;
    }
    let refs;
    try {
      refs = manifestReferences(await readBlobBytes(root, digest, JsonLimits.manifest), `manifest ${digest}`);
    } catch (err) {
      out.unreadable.push({ digest, from, message: err.message });
      return;
    }
    for (const r of refs.refs) {
      const childFrom = `manifest ${shortId(digest)} ${roleLabel(r.role, r.position)}`;
      if (r.role === "manifest") {
        await visitManifest(r.digest, r.size, childFrom);
        continue;
      }
      if (out.reachable.has(r.digest)) continue;
      out.reachable.set(r.digest, { size: r.size, from: childFrom });
      if (await blobSize(root, r.digest) === void 0) out.missing.push({ digest: r.digest, from: childFrom });
    }
  };
  for (const e of entries) await visitManifest(e.descriptor.digest, e.descriptor.size, describeEntry(e));
  return out;
}

// src/store/fsck.ts
var HEX64 = /^[0-9a-f]{64}$/;
async function fsckLayout(root, signal) {
  const report = { root, problems: [], blobsChecked: 0, bytesChecked: 0, images: 0 };
  const problem = (message, digest) => {
    report.problems.push(digest ? { digest, message } : { message });
  };
  try {
    await checkLayout(root);
  } catch (err) {
    problem(err.message);
  }
  let entries = [];
  try {
    entries = indexEntries(await readIndexDocument(root));
  } catch (err) {
    problem(err.message);
  }
  report.images = new Set(entries.map((e) => e.descriptor.digest)).size;
  const sizes = /* @__PURE__ */ new Map();
  const dir = blobsDir(root);
  const names = await readdir2(dir).catch((err) => {
    if (err.code !== "ENOENT") problem(`${dir}: ${err.message}`);
    else problem(`${root}: no blobs/sha256 directory`);
    return [];
  });
  for (const name of names.sort()) {
    signal?.throwIfAborted();
    if (isTempBlobName(name)) continue;
    const path = join6(dir, name);
    const st = await stat3(path).catch(() => void 0);
    if (!st) continue;
    if (!HEX64.test(name) || !st.isFile()) {
      problem(`blobs/sha256/${name}: not a blob (name is not a sha256 hex digest or not a regular file)`);
      continue;
    }
    const want = digestFromHex(name);
    try {
      const got = await sha256OfFile(path);
      report.blobsChecked++;
      report.bytesChecked += got.size;
      sizes.set(want, got.size);
      if (got.digest !== want) problem(`blob ${want}: content hashes to ${got.digest} (corrupt)`, want);
    } catch (err) {
      problem(`blob ${want}: cannot read: ${err.message}`, want);
    }
  }
  const walk = await walkReachable(root, entries);
  for (const m of walk.missing) problem(`blob ${m.digest} is missing (referenced by ${m.from})`, m.digest);
  for (const u of walk.unreadable) problem(`manifest ${u.digest} (${u.from}) is unreadable: ${u.message}`, u.digest);
  for (const [digest, r] of walk.reachable) {
    const actual = sizes.get(digest);
    if (actual !== void 0 && actual !== r.size) problem(`blob ${digest}: ${actual} bytes on disk, but ${r.from} says ${r.size}`, digest);
  }
  return report;
}

// src/store/gc.ts
import { readdir as readdir3, stat as stat4, unlink as unlink4 } from "node:fs/promises";
import { join as join8 } from "node:path";

// src/store/lease.ts
import { appendFile, readFile as readFile3, unlink as unlink3 } from "node:fs/promises";
import { join as join7 } from "node:path";
var LEASE_SUFFIX = ".lease";
function isLeaseName(name) {
  return name.endsWith(LEASE_SUFFIX);
}
var BlobLease = class {
  constructor(root) {
    this.root = root;
  }
  root;
  path;
  unregister;
  /** Records `d` before the caller relies on the blob; appends are atomic lines (O_APPEND). */
  async hold(d) {
    if (!this.path) {
      this.path = join7(blobsDir(this.root), `${tempBlobName()}${LEASE_SUFFIX}`);
      const path = this.path;
      this.unregister = onInterruptCleanup(() => unlink3(path).catch(() => void 0));
    }
    try {
      await appendFile(this.path, `${d}
`);
    } catch (err) {
      throw fromSystemError(err, this.path);
    }
  }
  async release() {
    const path = this.path;
    this.path = void 0;
    this.unregister?.();
    this.unregister = void 0;
    if (path) await unlink3(path).catch(() => void 0);
  }
};
async function readLease(path) {
  const text = await readFile3(path, "utf8").catch(() => "");
  return text.split("\n").filter(isDigest);
}

// src/store/lock.ts
import lockfile from "proper-lockfile";
var STALE_MS = 1e4;
async function withLayoutLock(root, fn) {
  let compromised;
  let release;
  try {
    release = await lockfile.lock(root, {
      lockfilePath: lockPath(root),
      realpath: false,
      stale: STALE_MS,
      update: STALE_MS / 4,
      // long enough to outwait a stale lock left by a crash, then take it over
      retries: { retries: 80, factor: 1.3, minTimeout: 20, maxTimeout: 1e3, randomize: true },
      onCompromised: (err) => {
        compromised = err;
      }
    });
  } catch (err) {
    if (err.code === "ELOCKED") {
      throw new BalerError("E_LOCKED", `${root}: locked by another process (${lockPath(root)}); try again when it finishes`, { cause: err });
    }
    throw fromSystemError(err, lockPath(root));
  }
  const held = {
    assertHeld() {
      if (compromised) throw new BalerError("E_LOCKED", `${root}: lost the lock ${lockPath(root)} (${compromised.message}); nothing was changed`);
    }
  };
  try {
    return await fn(held);
  } finally {
    await release().catch(() => void 0);
  }
}

// src/store/gc.ts
var HEX642 = /^[0-9a-f]{64}$/;
var STALE_TEMP_MS = 24 * 3600 * 1e3;
var STALE_ROOT_TEMP_MS = 60 * 1e3;
function isProcessAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === "EPERM";
  }
}
function isStaleTemp(name, mtimeMs, now) {
  const pid = tempBlobOwner(name);
  if (now - mtimeMs > STALE_TEMP_MS) return true;
  return pid !== void 0 && pid !== process.pid && !isProcessAlive(pid);
}
async function pruneLayout(root, opts) {
  return withLayoutLock(root, async () => {
    const entries = indexEntries(await readIndexDocument(root));
    const walk = await walkReachable(root, entries);
    const first = walk.unreadable[0];
    if (first) {
      throw new BalerError("E_STORE_CORRUPT", `${root}: cannot prune, manifest ${first.digest} (${first.from}) is unreadable: ${first.message}; run 'baler fsck'`);
    }
    const result = { blobs: [], temps: [], bytes: 0, dryRun: opts.dryRun };
    const now = Date.now();
    const dir = blobsDir(root);
    let names;
    try {
      names = await readdir3(dir);
    } catch (err) {
      throw fromSystemError(err, dir);
    }
    const leased = /* @__PURE__ */ new Set();
    const candidates = [];
    for (const name of names) {
      const path = join8(dir, name);
      const st = await stat4(path).catch(() => void 0);
      if (!st?.isFile()) continue;
      if (isTempBlobName(name)) {
        if (isStaleTemp(name, st.mtimeMs, now)) result.temps.push({ name: join8("blobs", "sha256", name), size: st.size });
        else if (isLeaseName(name)) for (const d of await readLease(path)) leased.add(d);
        continue;
      }
      if (!HEX642.test(name)) continue;
      const digest = digestFromHex(name);
      if (!walk.reachable.has(digest)) candidates.push({ name: join8("blobs", "sha256", name), digest, size: st.size });
    }
    result.blobs = candidates.filter((c) => c.digest === void 0 || !leased.has(c.digest));
    for (const name of await readdir3(root)) {
      if (!/^\..+\.baler-tmp-[0-9a-f]+$/.test(name)) continue;
      const st = await stat4(join8(root, name)).catch(() => void 0);
      if (st?.isFile() && now - st.mtimeMs > STALE_ROOT_TEMP_MS) result.temps.push({ name, size: st.size });
    }
    for (const f of [...result.blobs, ...result.temps]) {
      result.bytes += f.size;
      if (!opts.dryRun) {
        await unlink4(join8(root, f.name)).catch((err) => {
          if (err.code !== "ENOENT") throw fromSystemError(err, join8(root, f.name));
        });
      }
    }
    return result;
  });
}

// src/store/images.ts
function stripNames(d) {
  if (!d.annotations) return d;
  const ann = { ...d.annotations };
  delete ann[Annotations.refName];
  delete ann[Annotations.containerdName];
  const { annotations: _drop, ...rest } = d;
  return Object.keys(ann).length ? { ...rest, annotations: ann } : rest;
}
async function imageFacts(root, manifest, sizes) {
  const bytes = await readBlobBytes(root, manifest, JsonLimits.manifest);
  const refs = manifestReferences(bytes, `manifest ${manifest}`);
  let configDigest;
  for (const r of refs.refs) {
    sizes.set(r.digest, r.size);
    if (r.role === "config") configDigest = r.digest;
  }
  if (!configDigest) return { configDigest: manifest };
  try {
    const config = parseImageConfig(await readBlobBytes(root, configDigest, JsonLimits.config), `config ${configDigest}`);
    const facts = { configDigest, platform: { os: config.os, architecture: config.architecture, ...config.variant ? { variant: config.variant } : {} } };
    if (typeof config.created === "string") facts.created = config.created;
    return facts;
  } catch {
    return { configDigest };
  }
}
async function describe(root, d, names, refNames) {
  const descriptor = stripNames(d);
  const sizes = /* @__PURE__ */ new Map([[d.digest, d.size]]);
  try {
    const refs = manifestReferences(await readBlobBytes(root, d.digest, JsonLimits.manifest), `manifest ${d.digest}`);
    if (refs.kind !== "index") {
      const facts = await imageFacts(root, d.digest, sizes);
      const size2 = [...sizes.values()].reduce((a, b) => a + b, 0);
      return { digest: d.digest, id: facts.configDigest, names, refNames, descriptor, kind: "image", platforms: facts.platform ? [facts.platform] : [], ...facts.created ? { created: facts.created } : {}, size: size2 };
    }
    const platforms = [];
    let created;
    for (const child of refs.refs) {
      sizes.set(child.digest, child.size);
      if (child.role !== "manifest") continue;
      const facts = await imageFacts(root, child.digest, sizes);
      const platform = child.platform ?? facts.platform;
      if (platform && platform.os !== "unknown") platforms.push(platform);
      if (facts.created && (!created || facts.created > created)) created = facts.created;
    }
    const size = [...sizes.values()].reduce((a, b) => a + b, 0);
    return { digest: d.digest, id: d.digest, names, refNames, descriptor, kind: "index", platforms, ...created ? { created } : {}, size };
  } catch (err) {
    const size = [...sizes.values()].reduce((a, b) => a + b, 0);
    return { digest: d.digest, id: d.digest, names, refNames, descriptor, kind: "image", platforms: [], size, broken: err.message };
  }
}
async function describeImages(root, entries) {
  const groups = /* @__PURE__ */ new Map();
  for (const e of entries) {
    let g = groups.get(e.descriptor.digest);
    if (!g) {
      g = { descriptor: e.descriptor, names: [], refNames: [] };
      groups.set(e.descriptor.digest, g);
    }
    const refName = e.descriptor.annotations?.[Annotations.refName];
    if (refName !== void 0) g.refNames.push(refName);
    const n = nameFromIndexEntry(e.descriptor);
    if (n && !g.names.some((x) => fullName(x) === fullName(n))) g.names.push(n);
  }
  const out = [];
  for (const g of groups.values()) out.push(await describe(root, g.descriptor, g.names, g.refNames));
  return out;
}

// src/store/index-edit.ts
var NAME_KEYS = [Annotations.refName, Annotations.containerdName];
function digestOf(entry) {
  return parseDescriptor(entry, "index.json entry").digest;
}
function entryName(entry) {
  return nameFromIndexEntry(parseDescriptor(entry, "index.json entry"));
}
function isBlank(entry) {
  const ann = entry.annotations;
  return !ann || NAME_KEYS.every((k) => !(k in ann));
}
function withoutNames(entry) {
  const ann = { ...entry.annotations ?? {} };
  for (const k of NAME_KEYS) delete ann[k];
  const out = { ...entry };
  if (Object.keys(ann).length) out.annotations = ann;
  else delete out.annotations;
  return out;
}
function dropRedundantBlanks(doc) {
  const seenBlank = /* @__PURE__ */ new Set();
  const referencedByNamed = new Set(doc.manifests.filter((m) => !isBlank(m)).map(digestOf));
  doc.manifests = doc.manifests.filter((m) => {
    if (!isBlank(m)) return true;
    const d = digestOf(m);
    if (referencedByNamed.has(d) || seenBlank.has(d)) return false;
    seenBlank.add(d);
    return true;
  });
}
function addImageToIndex(doc, d, name, opts = {}) {
  const base = withoutNames(descriptorJson(d));
  if (name === void 0 && opts.refName === void 0) {
    if (!doc.manifests.some((m) => digestOf(m) === d.digest)) doc.manifests.push(base);
    return void 0;
  }
  let move;
  let present = false;
  doc.manifests = doc.manifests.map((m) => {
    const same = opts.refName !== void 0 ? m.annotations?.[Annotations.refName] === opts.refName : isNamed(m, name);
    if (!same) return m;
    const from = digestOf(m);
    if (from === d.digest) {
      present = true;
      return m;
    }
    if (name) move = { name, from, to: d.digest };
    return withoutNames(m);
  });
  if (!present) {
    const annotations = { ...base.annotations ?? {} };
    if (name) Object.assign(annotations, annotationsForName(name));
    if (opts.refName !== void 0) annotations[Annotations.refName] = opts.refName;
    const blank = doc.manifests.findIndex((m) => isBlank(m) && digestOf(m) === d.digest);
    if (blank >= 0) doc.manifests[blank] = { ...doc.manifests[blank], annotations: { ...doc.manifests[blank]?.annotations ?? {}, ...annotations } };
    else doc.manifests.push({ ...base, annotations });
  }
  dropRedundantBlanks(doc);
  return move;
}
function isNamed(entry, name) {
  if (!name) return false;
  const n = entryName(entry);
  return n !== void 0 && sameName(n, name);
}
function removeNameFromIndex(doc, name) {
  const i = doc.manifests.findIndex((m) => isNamed(m, name));
  const entry = doc.manifests[i];
  if (entry === void 0) return void 0;
  const digest = digestOf(entry);
  doc.manifests.splice(i, 1);
  return { digest, imageGone: !doc.manifests.some((m) => digestOf(m) === digest) };
}
function removeImageFromIndex(doc, digest) {
  const before = doc.manifests.length;
  doc.manifests = doc.manifests.filter((m) => digestOf(m) !== digest);
  return before - doc.manifests.length;
}

// src/store/writer.ts
var LayoutWriter = class {
  constructor(root, location) {
    this.root = root;
    this.location = location;
    this.lease = new BlobLease(root);
  }
  root;
  location;
  pending = [];
  state = "open";
  lease;
  assertOpen() {
    if (this.state !== "open") throw new BalerError("E_INTERNAL", `Internal error: ${this.root}: writer used after ${this.state}`);
  }
  /** A present blob is leased first, so a concurrent prune does not take it before commit. */
  async hasBlob(d) {
    this.assertOpen();
    await this.lease.hold(d);
    return hasBlob(this.root, d);
  }
  async putBlob(body, info, signal) {
    this.assertOpen();
    if (info.digest) await this.lease.hold(info.digest);
    const d = await writeBlobAtomic(this.root, body, info, signal);
    if (!info.digest) await this.lease.hold(d.digest);
    return d;
  }
  async putManifest(bytes, d) {
    this.assertOpen();
    const got = sha256Of(bytes);
    if (got !== d.digest || bytes.byteLength !== d.size) {
      throw new BalerError("E_DIGEST_MISMATCH", `manifest ${d.digest}: got ${bytes.byteLength} bytes hashing to ${got}, expected ${d.size} bytes`);
    }
    await this.lease.hold(d.digest);
    if (await hasBlob(this.root, d.digest)) return;
    await writeBytesBlob(this.root, bytes, d);
  }
  /** Queues an index entry; `refName` forces the exact ref.name (oci:DIR:IMAGE). */
  addImage(image) {
    this.assertOpen();
    this.pending.push(image);
  }
  async commit() {
    this.assertOpen();
    const moved = await withLayoutLock(this.root, async (lock) => {
      const entries = this.pending.map((p, i) => ({ descriptor: p.descriptor, position: i }));
      const walk = await walkReachable(this.root, entries);
      const missing = walk.missing[0] ?? walk.unreadable[0];
      if (missing) {
        throw new BalerError("E_CONFLICT", `${this.root}: blob ${missing.digest} vanished before commit (removed by a concurrent prune?); nothing was changed, run the command again`);
      }
      const doc = await readIndexDocument(this.root);
      const moves = [];
      for (const p of this.pending) {
        const move = addImageToIndex(doc, p.descriptor, p.name, p.refName !== void 0 ? { refName: p.refName } : {});
        if (move) moves.push(move);
      }
      await writeIndexLocked(this.root, doc, lock);
      return collapseMoves(moves);
    });
    this.state = "committed";
    await this.lease.release();
    return { moved, location: this.location };
  }
  /** Without commit: the index is untouched; blobs written stay, unreferenced, for prune. */
  async dispose() {
    if (this.state === "open") this.state = "disposed";
    await this.lease.release();
  }
};
function collapseMoves(moves) {
  const byName = /* @__PURE__ */ new Map();
  for (const m of moves) {
    const key = fullName(m.name);
    const prev = byName.get(key);
    byName.set(key, prev ? { name: m.name, from: prev.from, to: m.to } : m);
  }
  return [...byName.values()].filter((m) => m.from !== m.to);
}

// src/store/store.ts
var Store = class {
  constructor(root) {
    this.root = root;
  }
  root;
  async images() {
    return describeImages(this.root, indexEntries(await readIndexDocument(this.root)));
  }
  async resolve(query) {
    return resolveImage(await this.images(), query);
  }
  hasBlob(d) {
    return hasBlob(this.root, d);
  }
  openBlob(d) {
    return openBlob(this.root, d);
  }
  readManifest(d) {
    return readBlobBytes(this.root, d, JsonLimits.manifest);
  }
  readConfig(d) {
    return readBlobBytes(this.root, d, JsonLimits.config);
  }
  /** `baler tag SRC DST`: DST now names SRC's image; returns the move when DST named another image. */
  async tag(source, target) {
    if (target.digest) throw new BalerError("E_USAGE", `tag: ${familiarName(target)}: a target name cannot carry a digest`);
    return withLayoutLock(this.root, async (lock) => {
      const doc = await readIndexDocument(this.root);
      const { image } = resolveImage(await describeImages(this.root, indexEntries(doc)), source);
      const moved = addImageToIndex(doc, image.descriptor, target);
      await writeIndexLocked(this.root, doc, lock);
      return moved ? { image, moved } : { image };
    });
  }
  /**
   * `baler rm`: a name removes that name (and the image when it was the last one); an ID or digest
   * removes the image, which needs `force` when several names point at it (docker's rule).
   */
  async remove(queries, opts) {
    return withLayoutLock(this.root, async (lock) => {
      const doc = await readIndexDocument(this.root);
      const outcomes = [];
      for (const query of queries) {
        const images = await describeImages(this.root, indexEntries(doc));
        const hit = resolveImage(images, query);
        const outcome = { query, untagged: [] };
        if (hit.by === "name" && hit.name) {
          const r = removeNameFromIndex(doc, hit.name);
          outcome.untagged.push(hit.name);
          if (r?.imageGone) outcome.deleted = hit.image.id;
        } else {
          if (hit.image.names.length > 1 && !opts.force) {
            throw new BalerError(
              "E_CONFLICT",
              `unable to delete ${query} (must be forced): image is referenced by ${hit.image.names.length} names (${hit.image.names.map(familiarName).join(", ")}); use -f or remove the names`
            );
          }
          outcome.untagged.push(...hit.image.names);
          removeImageFromIndex(doc, hit.image.digest);
          outcome.deleted = hit.image.id;
        }
        outcomes.push(outcome);
      }
      await writeIndexLocked(this.root, doc, lock);
      return outcomes;
    });
  }
  prune(opts) {
    return pruneLayout(this.root, opts);
  }
  fsck(signal) {
    return fsckLayout(this.root, signal);
  }
  /** A writer for new images; see store/writer.ts for the ordering that makes it crash-safe. */
  writer(location = this.root) {
    return new LayoutWriter(this.root, location);
  }
};
async function openStore(path) {
  await ensureLayout(path);
  return new Store(path);
}
async function openExistingLayout(path) {
  await checkLayout(path);
  return new Store(path);
}

// src/transports/oci-layout/sink.ts
var layoutSinkCaps = {
  manifestTypes: [MediaTypes.ociManifest, MediaTypes.ociIndex, MediaTypes.dockerManifest, MediaTypes.dockerList],
  layerCompressions: ["none", "gzip", "zstd"],
  needsSizeFirst: false,
  parallelPuts: true,
  multiImage: true,
  keepsIndexes: true
};
var LayoutSink = class {
  constructor(ref2, writer, fixedRefName) {
    this.ref = ref2;
    this.writer = writer;
    this.fixedRefName = fixedRefName;
    this.fixedName = fixedRefName === void 0 ? void 0 : nameIfReference(fixedRefName);
  }
  ref;
  writer;
  fixedRefName;
  caps = layoutSinkCaps;
  fixedName;
  hasBlob(d) {
    return this.writer.hasBlob(d);
  }
  putBlob(body, info, signal) {
    return this.writer.putBlob(body, info, signal);
  }
  putManifest(bytes, d) {
    return this.writer.putManifest(bytes, d);
  }
  async addImage(d, name) {
    if (this.fixedRefName !== void 0) {
      this.writer.addImage(this.fixedName ? { descriptor: d, name: this.fixedName, refName: this.fixedRefName } : { descriptor: d, refName: this.fixedRefName });
      return;
    }
    this.writer.addImage(name ? { descriptor: d, name } : { descriptor: d });
  }
  async commit() {
    return this.writer.commit();
  }
  async [Symbol.asyncDispose]() {
    await this.writer.dispose();
  }
};
function nameIfReference(s) {
  if (!/[:@/]/.test(s)) return void 0;
  try {
    const n = parseImageName(s);
    return n.tag !== void 0 || n.digest !== void 0 ? n : void 0;
  } catch {
    return void 0;
  }
}

// src/transports/oci-layout/source.ts
var LayoutSource = class {
  constructor(ref2, store) {
    this.ref = ref2;
    this.store = store;
  }
  ref;
  store;
  async list() {
    const images = await this.store.images();
    const selected = this.ref.image === void 0 ? images.map((image) => ({ image, names: image.names })) : [this.select(images, this.ref.image)];
    return selected.map(({ image, names }) => {
      const entry = { descriptor: image.descriptor, names };
      if (image.created) entry.created = image.created;
      return entry;
    });
  }
  /** The image IMAGE picks, with only the name(s) IMAGE stands for (all of them when given by ID). */
  select(images, wanted) {
    const asName = parseNameOrUndefined(wanted);
    const only = (image) => asName ? image.names.filter((n) => sameName(n, asName)) : [];
    const byRefName = images.find((i) => i.refNames.includes(wanted));
    if (byRefName) return { image: byRefName, names: only(byRefName) };
    try {
      const hit = resolveImage(images, wanted);
      return { image: hit.image, names: hit.by === "name" && hit.name ? [hit.name] : hit.image.names };
    } catch (err) {
      if (err instanceof BalerError && err.code === "E_NOT_FOUND") {
        const known = images.flatMap((i) => i.names.map(familiarName));
        throw new BalerError("E_NOT_FOUND", `${this.store.root}: no image ${JSON.stringify(wanted)} in this layout${known.length ? ` (it has ${known.slice(0, 5).join(", ")}${known.length > 5 ? ", \u2026" : ""})` : ""}`);
      }
      throw err;
    }
  }
  fetchManifest(d) {
    return this.store.readManifest(d.digest);
  }
  fetchBlob(d) {
    return this.store.openBlob(d.digest);
  }
  async [Symbol.asyncDispose]() {
  }
};
function parseNameOrUndefined(s) {
  try {
    return parseImageName(s, { defaultTag: "latest" });
  } catch {
    return void 0;
  }
}

// src/transports/store/transport.ts
var StoreRef = class {
  transport = storeTransport;
  location;
  constructor(path) {
    this.location = resolve(path);
  }
  toString() {
    return `store:${this.location}`;
  }
  async openSource(_o) {
    return new LayoutSource(this, await openStore(this.location));
  }
  async openSink(_o) {
    const store = await openStore(this.location);
    return new LayoutSink(this, store.writer(this.location));
  }
};
function storeRef(path) {
  return new StoreRef(path);
}
function parseStoreSpec(spec) {
  if (spec === "store") return new StoreRef(resolveStorePath(void 0, process.env, process.cwd()));
  if (spec.startsWith("store:") && spec.length > "store:".length) return new StoreRef(spec.slice("store:".length));
  throw new BalerError("E_USAGE", `${JSON.stringify(spec)}: expected store or store:/path`);
}
var storeTransport = {
  name: "store",
  parse: parseStoreSpec
};

// src/transports/registry.ts
import { isAbsolute as isAbsolute2, resolve as resolve4 } from "node:path";

// src/transports/archive-ref.ts
function splitArchiveSpec(transport, spec) {
  const body = spec.startsWith(`${transport}:`) ? spec.slice(transport.length + 1) : spec;
  const colon = body.indexOf(":");
  const location = colon < 0 ? body : body.slice(0, colon);
  const image = colon < 0 ? void 0 : body.slice(colon + 1);
  if (location === "") throw new BalerError("E_USAGE", `${transport}: missing archive path in ${JSON.stringify(spec)}`);
  if (image !== void 0 && image === "") throw new BalerError("E_USAGE", `${transport}: empty image name in ${JSON.stringify(spec)}`);
  return image === void 0 ? { location } : { location, image };
}
var ArchiveRef = class {
  constructor(transport, location, image, openers) {
    this.transport = transport;
    this.location = location;
    this.openers = openers;
    if (image !== void 0) this.image = image;
  }
  transport;
  location;
  openers;
  image;
  toString() {
    return `${this.transport.name}:${this.location}${this.image !== void 0 ? `:${this.image}` : ""}`;
  }
  openSource(o = {}) {
    return this.openers.source(this, o);
  }
  openSink(o = {}) {
    return this.openers.sink(this, o);
  }
};

// src/transports/archive-output.ts
import { existsSync } from "node:fs";
import { PassThrough as PassThrough2 } from "node:stream";
import { finished as finished2, pipeline as pipeline6 } from "node:stream/promises";
async function openArchiveOutput(location, o = {}) {
  const codec = o.outerCompression && o.outerCompression !== "none" ? compressor(o.outerCompression) : new PassThrough2({ highWaterMark: 1024 * 1024 });
  if (location === "-") return stdoutOutput(codec, o.stdout ?? process.stdout);
  if (!o.overwrite && existsSync(location)) throw new BalerError("E_CONFLICT", `${location}: already exists`);
  const file = await createAtomicFile(location, o.overwrite ? { overwrite: true } : {});
  const flowing = pipeline6(codec, file.stream);
  flowing.catch(() => void 0);
  let done = false;
  return {
    stream: codec,
    async commit() {
      if (done) return;
      if (!codec.writableEnded) codec.end();
      try {
        await flowing;
      } catch (err) {
        await file.discard();
        throw err;
      }
      await file.commit();
      done = true;
    },
    async discard() {
      if (done) return;
      done = true;
      codec.destroy();
      await file.discard();
    }
  };
}
function stdoutOutput(codec, out) {
  const src = codec;
  src.pipe(out, { end: false });
  let done = false;
  return {
    stream: src,
    async commit() {
      if (done) return;
      done = true;
      if (!src.writableEnded) src.end();
      await finished2(src);
    },
    async discard() {
      if (done) return;
      done = true;
      src.unpipe(out);
      src.destroy();
    }
  };
}

// src/transports/layout-tar-writer.ts
import { createReadStream as createReadStream2 } from "node:fs";
import { unlink as unlink5 } from "node:fs/promises";
import { Writable as Writable2 } from "node:stream";
import { pipeline as pipeline7 } from "node:stream/promises";
var OCI_LAYOUT_BYTES = Buffer.from('{"imageLayoutVersion": "1.0.0"}');
var FILE_MODE = 420;
var DIR_MODE = 493;
var LayoutTarWriter = class {
  constructor(out, what) {
    this.what = what;
    this.tar = new TarWriter(out);
  }
  what;
  tar;
  written = /* @__PURE__ */ new Map();
  queue = Promise.resolve();
  broken;
  started = false;
  spoolDir;
  spools = 0;
  has(d) {
    return this.written.has(d);
  }
  /** Blobs written so far, by digest, with their sizes. */
  blobs() {
    return this.written;
  }
  /**
   * Streams a blob into `blobs/sha256/<hex>`, verifying digest and size while writing. An unknown digest
   * or size is learned by spooling to a temp file first (a tar header needs both before the bytes).
   * A blob already written is drained and not written again.
   */
  putBlob(body, info, signal) {
    return this.serialized(async () => {
      if (info.digest !== void 0 && info.size !== void 0) return this.putKnown(body, info.mediaType, info.digest, info.size, signal);
      return this.putSpooled(body, info, signal);
    });
  }
  putBytes(bytes, mediaType, expect) {
    return this.serialized(async () => {
      const digest = sha256Of(bytes);
      if (expect !== void 0 && digest !== expect) {
        throw new BalerError("E_DIGEST_MISMATCH", `${this.what}: blob ${expect}: digest mismatch, expected ${expect}, got ${digest}`);
      }
      if (!this.written.has(digest)) await this.addEntry(blobName(digest), Buffer.from(bytes), bytes.length, digest);
      return { mediaType, digest, size: bytes.length };
    });
  }
  /** A top-level file (index.json, manifest.json, repositories). */
  addFile(name, bytes) {
    return this.serialized(async () => {
      await this.tar.add(fileHeader(name, bytes.length), bytes);
    });
  }
  finish() {
    return this.serialized(async () => {
      await this.tar.finish();
      await this.spoolDir?.remove();
    });
  }
  /** Releases temp files; the output itself is the caller's to discard. */
  async abort(reason) {
    this.broken ??= reason ?? new BalerError("E_CANCELLED", `${this.what}: aborted`);
    await this.queue.catch(() => void 0);
    await this.spoolDir?.remove();
  }
  async putKnown(body, mediaType, digest, size, signal) {
    if (this.written.has(digest)) {
      await drain(body, signal);
      return { mediaType, digest, size };
    }
    const verify = new VerifyingStream(digest, size, `${this.what}: blob ${digest}`);
    const piping = pipeline7(body, verify, signal ? { signal } : {});
    piping.catch(() => void 0);
    await this.addEntry(blobName(digest), verify, size, digest);
    await piping;
    return { mediaType, digest, size };
  }
  async putSpooled(body, info, signal) {
    this.spoolDir ??= await makeTempDir("baler-spool-");
    const spooled = await spoolToFile(body, this.spoolDir.path, `blob-${this.spools++}`, signal);
    try {
      if (info.digest !== void 0 && spooled.digest !== info.digest) {
        throw new BalerError("E_DIGEST_MISMATCH", `${this.what}: blob ${info.digest}: digest mismatch, expected ${info.digest}, got ${spooled.digest}`);
      }
      if (info.size !== void 0 && spooled.size !== info.size) {
        throw new BalerError("E_DIGEST_MISMATCH", `${this.what}: blob ${spooled.digest}: size mismatch, expected ${info.size} bytes, got ${spooled.size}`);
      }
      if (!this.written.has(spooled.digest)) {
        await this.addEntry(blobName(spooled.digest), createReadStream2(spooled.path, { highWaterMark: 1024 * 1024 }), spooled.size, spooled.digest);
      }
      return { mediaType: info.mediaType, digest: spooled.digest, size: spooled.size };
    } finally {
      await unlink5(spooled.path).catch(() => void 0);
    }
  }
  async addEntry(name, body, size, digest) {
    await this.ensureStarted();
    await this.tar.add(fileHeader(name, size), body);
    this.written.set(digest, size);
  }
  async ensureStarted() {
    if (this.started) return;
    this.started = true;
    await this.tar.add(dirHeader("blobs/"));
    await this.tar.add(dirHeader("blobs/sha256/"));
    await this.tar.add(fileHeader("oci-layout", OCI_LAYOUT_BYTES.length), OCI_LAYOUT_BYTES);
  }
  /** One operation at a time (a tar is one stream); the first failure breaks every later call. */
  serialized(op) {
    const run = async () => {
      if (this.broken !== void 0) throw brokenError(this.broken, this.what);
      try {
        return await op();
      } catch (err) {
        this.broken ??= err;
        throw err;
      }
    };
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => void 0);
    return result;
  }
  /** Makes sure the layout files exist even when no blob was ever put (an empty layout). */
  start() {
    return this.serialized(() => this.ensureStarted());
  }
};
function brokenError(cause, what) {
  if (cause instanceof BalerError) return new BalerError(cause.code, `${what}: an earlier write failed: ${cause.message}`, { cause });
  return new BalerError("E_IO", `${what}: an earlier write failed: ${String(cause?.message ?? cause)}`, { cause });
}
function blobName(d) {
  return `blobs/sha256/${hexOf(d)}`;
}
function fileHeader(name, size) {
  return { name, type: "file", size, mode: FILE_MODE, uid: 0, gid: 0, mtime: 0 };
}
function dirHeader(name) {
  return { name, type: "dir", size: 0, mode: DIR_MODE, uid: 0, gid: 0, mtime: 0 };
}
async function drain(body, signal) {
  await pipeline7(body, new Writable2({ write: (_c, _e, cb) => cb() }), signal ? { signal } : {});
}

// src/transports/layout-archive-sink.ts
var LayoutArchiveSink = class {
  constructor(ref2, output, what) {
    this.ref = ref2;
    this.output = output;
    this.what = what;
    this.writer = new LayoutTarWriter(output.stream, what);
  }
  ref;
  output;
  what;
  images = /* @__PURE__ */ new Map();
  manifests = /* @__PURE__ */ new Map();
  /** Configs are small; kept so the docker flavour can name top layers in `repositories`. */
  configs = /* @__PURE__ */ new Map();
  writer;
  state = "open";
  failure;
  static async output(ref2, o) {
    const opts = {};
    if (o.overwrite) opts.overwrite = true;
    if (o.outerCompression) opts.outerCompression = o.outerCompression;
    if (o.stdout) opts.stdout = o.stdout;
    return openArchiveOutput(ref2.location, opts);
  }
  async hasBlob(d) {
    return this.writer.has(d);
  }
  putBlob(body, info, signal) {
    return this.failOnError(() => this.putBlobOnce(body, info, signal));
  }
  async putBlobOnce(body, info, signal) {
    this.assertOpen();
    if (isConfigMediaType(info.mediaType)) {
      const bytes = await readAtMost(body, JsonLimits.config, `${this.what}: config ${info.digest ?? ""}`.trimEnd());
      if (info.size !== void 0 && bytes.length !== info.size) {
        throw new BalerError("E_DIGEST_MISMATCH", `${this.what}: config ${info.digest ?? ""}: size mismatch, expected ${info.size} bytes, got ${bytes.length}`);
      }
      const d = await this.writer.putBytes(bytes, info.mediaType, info.digest);
      this.configs.set(d.digest, bytes);
      return d;
    }
    return this.writer.putBlob(body, info, signal);
  }
  putManifest(bytes, d) {
    return this.failOnError(() => this.putManifestOnce(bytes, d));
  }
  async putManifestOnce(bytes, d) {
    this.assertOpen();
    this.checkManifest(bytes, d);
    if (bytes.length !== d.size) {
      throw new BalerError("E_DIGEST_MISMATCH", `${this.what}: manifest ${d.digest}: size mismatch, expected ${d.size} bytes, got ${bytes.length}`);
    }
    await this.writer.putBytes(bytes, d.mediaType, d.digest);
    this.manifests.set(d.digest, Buffer.from(bytes));
  }
  /** Subclass hook: refuse manifests the format cannot hold (E_UNSUPPORTED). */
  checkManifest(_bytes, _d) {
  }
  /**
   * `docker-archive:x.tar:NAME` as a destination names what is written NAME (containers/image does the
   * same); otherwise the name given by the pipeline is used. A name added again moves to the new image.
   */
  async addImage(d, name) {
    this.assertOpen();
    if (!this.manifests.has(d.digest)) {
      throw new BalerError("E_INTERNAL", `Internal error: ${this.what}: addImage(${d.digest}) before putManifest`);
    }
    const effective = this.ref.image !== void 0 ? parseImageName(this.ref.image, { defaultTag: "latest" }) : name;
    let img = this.images.get(d.digest);
    if (!img) {
      img = { descriptor: { mediaType: d.mediaType, digest: d.digest, size: d.size }, names: [] };
      if (d.platform) img.descriptor.platform = d.platform;
      this.images.set(d.digest, img);
    }
    if (!effective) return;
    const key = fullName(effective);
    for (const other of this.images.values()) other.names = other.names.filter((n) => fullName(n) !== key);
    img.names.push(effective);
  }
  async commit() {
    this.assertOpen();
    try {
      await this.writer.start();
      await this.writer.addFile("index.json", this.indexJson());
      for (const [name, bytes] of this.extraFiles()) await this.writer.addFile(name, bytes);
      await this.writer.finish();
      await this.output.commit();
      this.state = "committed";
    } catch (err) {
      this.failure ??= err;
      await this.discard();
      throw err;
    }
    return { moved: [], location: this.ref.location === "-" ? "stdout" : this.ref.location };
  }
  /** Subclass hook: files written after index.json (docker: manifest.json, repositories). */
  extraFiles() {
    return [];
  }
  /** One entry per name; an unnamed image gets one entry without annotations (formats.md §1.2). */
  indexJson() {
    const manifests = [];
    for (const img of this.images.values()) {
      if (img.names.length === 0) manifests.push(img.descriptor);
      for (const n of img.names) manifests.push({ ...img.descriptor, annotations: annotationsForName(n) });
    }
    return serializeIndex({ schemaVersion: 2, mediaType: MediaTypes.ociIndex, manifests });
  }
  /**
   * A tar cannot take back an entry: the first failed write discards the whole output at once (nothing
   * is left at the target) and every later call repeats that failure.
   */
  async failOnError(op) {
    try {
      return await op();
    } catch (err) {
      if (this.state === "open") {
        this.failure = err;
        await this.discard();
      }
      throw err;
    }
  }
  assertOpen() {
    if (this.failure !== void 0) {
      const f = this.failure;
      const msg = f instanceof Error ? f.message : String(f);
      throw new BalerError(f instanceof BalerError ? f.code : "E_IO", `${this.what}: not written, an earlier step failed: ${msg}`, { cause: f });
    }
    if (this.state !== "open") throw new BalerError("E_INTERNAL", `Internal error: ${this.what}: sink used after ${this.state === "committed" ? "commit" : "dispose"}`);
  }
  async discard() {
    if (this.state !== "open") return;
    this.state = "discarded";
    await this.writer.abort();
    await this.output.discard();
  }
  [Symbol.asyncDispose]() {
    return this.discard();
  }
};

// src/transports/docker-archive/manifest-json.ts
function parseManifestJson(bytes, what) {
  const arr = expectArray(parseJsonBytes(bytes, what, JsonLimits.manifest), what);
  return arr.map((v, i) => {
    const at = `${what}[${i}]`;
    const o = expectObject(v, at);
    const item = {
      Config: expectString(o.Config, `${at}.Config`),
      RepoTags: o.RepoTags === void 0 || o.RepoTags === null ? null : expectArray(o.RepoTags, `${at}.RepoTags`).map((t, j) => expectString(t, `${at}.RepoTags[${j}]`)),
      Layers: expectArray(o.Layers ?? [], `${at}.Layers`).map((l, j) => expectString(l, `${at}.Layers[${j}]`))
    };
    if (typeof o.Parent === "string") item.Parent = o.Parent;
    if (item.Config === "") throw new BalerError("E_FORMAT", `${at}.Config: empty path`);
    return item;
  });
}
function blobPath2(d) {
  return `blobs/sha256/${hexOf(d)}`;
}
function repoTagOf(n) {
  return n.tag === void 0 ? void 0 : `${familiarRepository(n)}:${n.tag}`;
}
function serializeManifestJson(images) {
  const items = images.map((img) => {
    const tags = [...new Set(img.names.map(repoTagOf).filter((t) => t !== void 0))];
    return { Config: blobPath2(img.config), RepoTags: tags.length ? tags : null, Layers: img.layers.map(blobPath2) };
  });
  return Buffer.concat([jsonBytes(items), Buffer.from("\n")]);
}
function serializeRepositories(images) {
  const repos = {};
  let any = false;
  for (const img of images) {
    if (!img.topDiffId) continue;
    for (const n of img.names) {
      if (n.tag === void 0) continue;
      const repo = familiarRepository(n);
      (repos[repo] ??= {})[n.tag] = hexOf(img.topDiffId);
      any = true;
    }
  }
  return any ? Buffer.concat([jsonBytes(repos), Buffer.from("\n")]) : void 0;
}

// src/transports/docker-archive/sink.ts
var DockerArchiveSink = class _DockerArchiveSink extends LayoutArchiveSink {
  caps = {
    manifestTypes: [MediaTypes.ociManifest, MediaTypes.dockerManifest],
    layerCompressions: ["none", "gzip"],
    needsSizeFirst: true,
    parallelPuts: false,
    multiImage: true,
    keepsIndexes: false
  };
  static async open(ref2, o = {}) {
    const what = ref2.location === "-" ? "stdout" : ref2.location;
    return new _DockerArchiveSink(ref2, await LayoutArchiveSink.output(ref2, o), what);
  }
  checkManifest(bytes, d) {
    if (!isImageManifestMediaType(d.mediaType)) {
      throw new BalerError("E_UNSUPPORTED", `${this.what}: docker-archive holds single-platform images only, not ${d.mediaType} (pick a platform)`);
    }
    const m = parseImageManifest(bytes, `${this.what}: manifest ${d.digest}`, d.mediaType);
    for (const [i, l] of m.layers.entries()) {
      if (declaredLayerCompression(l.mediaType) === "zstd") {
        throw new BalerError("E_UNSUPPORTED", `${this.what}: layer ${i} of ${d.digest} is zstd-compressed; docker-archive keeps layers uncompressed or gzip (Docker \u226424 rejects zstd)`);
      }
    }
  }
  extraFiles() {
    const items = [];
    for (const img of this.images.values()) {
      const bytes = this.manifests.get(img.descriptor.digest);
      const m = parseImageManifest(bytes, `${this.what}: manifest ${img.descriptor.digest}`, img.descriptor.mediaType);
      for (const d of [m.config, ...m.layers]) {
        if (!this.writer.has(d.digest)) {
          throw new BalerError("E_INTERNAL", `Internal error: ${this.what}: blob ${d.digest} of ${img.descriptor.digest} was never written`);
        }
      }
      const item = { config: m.config.digest, layers: m.layers.map((l) => l.digest), names: img.names };
      const top = this.topDiffId(m.config.digest) ?? m.layers[m.layers.length - 1]?.digest;
      if (top) item.topDiffId = top;
      items.push(item);
    }
    const files = [["manifest.json", serializeManifestJson(items)]];
    const repositories = serializeRepositories(items);
    if (repositories) files.push(["repositories", repositories]);
    return files;
  }
  topDiffId(config) {
    const bytes = this.configs.get(config);
    if (!bytes) return void 0;
    const diffIds = parseImageConfig(bytes, `${this.what}: config ${config}`).rootfs.diff_ids;
    return diffIds[diffIds.length - 1];
  }
};

// src/transports/archive-file.ts
import { createReadStream as createReadStream4, createWriteStream as createWriteStream4 } from "node:fs";
import { open as open4, stat as stat5 } from "node:fs/promises";
import { join as join9, posix } from "node:path";
import { pipeline as pipeline8 } from "node:stream/promises";

// src/tar/toc.ts
import { createReadStream as createReadStream3 } from "node:fs";
import { open as open3 } from "node:fs/promises";
import { Readable as Readable4 } from "node:stream";
var WINDOW = 64 * 1024;
var HeaderWindow = class {
  constructor(fh, fileSize) {
    this.fh = fh;
    this.fileSize = fileSize;
  }
  fh;
  fileSize;
  buf = Buffer.alloc(WINDOW);
  start = 0;
  len = 0;
  async read(offset, n) {
    if (offset >= this.start && offset + n <= this.start + this.len) {
      return this.buf.subarray(offset - this.start, offset - this.start + n);
    }
    if (n > this.buf.length) this.buf = Buffer.alloc(n);
    const want = Math.min(this.buf.length, this.fileSize - offset);
    const { bytesRead } = await this.fh.read(this.buf, 0, Math.max(want, 0), offset);
    this.start = offset;
    this.len = bytesRead;
    return this.buf.subarray(0, Math.min(n, bytesRead));
  }
};
function truncated(what, detail) {
  return new BalerError("E_TRUNCATED", `${what}: truncated tar archive (${detail})`);
}
async function buildToc(file, what) {
  let fh;
  try {
    fh = await open3(file, "r");
  } catch (err) {
    throw fromSystemError(err, what);
  }
  try {
    const size = (await fh.stat()).size;
    if (size === 0) throw new BalerError("E_FORMAT", `${what}: empty file, not a tar archive`);
    const win = new HeaderWindow(fh, size);
    const meta = new ExtendedHeaderState();
    const entries = [];
    let offset = 0;
    let entryStart = 0;
    let endOffset = -1;
    while (offset < size) {
      const block = await win.read(offset, BLOCK);
      if (block.length < BLOCK) throw truncated(what, `header at offset ${offset} is cut short`);
      if (isZeroBlock(block)) {
        endOffset = Math.min(offset + 2 * BLOCK, size);
        break;
      }
      const raw = decodeRawHeader(block, offset, what);
      const dataOffset = offset + BLOCK;
      if (isMetaType(raw.typeflag)) {
        meta.checkMetaSize(raw, what, offset);
        if (dataOffset + raw.size > size) throw truncated(what, `extended header at offset ${offset} is cut short`);
        const body = Buffer.from(await win.read(dataOffset, raw.size));
        meta.absorb(raw, body, what, offset);
        offset = dataOffset + padded(raw.size);
        continue;
      }
      const h = meta.resolve(raw, what, offset);
      if (dataOffset + h.size > size) {
        throw truncated(what, `entry "${h.name}" needs ${h.size} bytes at offset ${dataOffset}, the file has ${size - dataOffset}`);
      }
      entries.push({ ...h, path: normalizeEntryPath(h.name, what), headerOffset: entryStart, dataOffset });
      offset = dataOffset + padded(h.size);
      entryStart = offset;
    }
    if (endOffset === -1) {
      if (offset > size) throw truncated(what, "last entry padding is cut short");
      if (meta.pending) throw truncated(what, "extended header without an entry at the end");
      endOffset = offset;
    }
    return makeToc(entries, endOffset);
  } finally {
    await fh.close();
  }
}
function padded(n) {
  return Math.ceil(n / BLOCK) * BLOCK;
}
function makeToc(entries, endOffset) {
  const byPath = /* @__PURE__ */ new Map();
  for (const e of entries) byPath.set(e.path, e);
  const lookup = (p) => {
    try {
      return byPath.get(normalizeEntryPath(p, "path"));
    } catch {
      return void 0;
    }
  };
  const get = lookup;
  const resolve6 = (p) => {
    let e = get(p);
    for (let hops = 0; e && hops < 40; hops++) {
      if (e.type === "symlink" && e.linkname !== void 0) {
        const target = resolveLinkTarget(e.path, e.linkname);
        e = target === void 0 ? void 0 : byPath.get(target);
      } else if (e.type === "hardlink" && e.linkname !== void 0) {
        e = lookup(e.linkname);
      } else return e;
    }
    return void 0;
  };
  return { entries, get, resolve: resolve6, endOffset };
}
function openTocEntry(file, e) {
  if (e.size === 0) return Readable4.from([]);
  return createReadStream3(file, { start: e.dataOffset, end: e.dataOffset + e.size - 1, highWaterMark: 1024 * 1024 });
}

// src/transports/archive-file.ts
var MAX_LINK_HOPS = 16;
async function openArchiveFile(path, what = path === "-" ? "stdin" : path, o = {}) {
  if (path === "-") return spoolAndIndex(o.stdin ?? process.stdin, what, o.signal);
  let st;
  try {
    st = await stat5(path);
  } catch (err) {
    throw fromSystemError(err, what);
  }
  if (st.isDirectory()) throw new BalerError("E_USAGE", `${what}: is a directory, not an archive file`);
  if (!st.isFile()) return spoolAndIndex(createReadStream4(path), what, o.signal);
  if (st.size === 0) throw emptyError(what);
  const compression = sniffCompression(await readFileHead(path, 8, what));
  if (compression !== "none") return spoolAndIndex(createReadStream4(path, { highWaterMark: 1024 * 1024 }), what, o.signal);
  return indexArchive(path, what, "none", void 0);
}
function emptyError(what) {
  return new BalerError("E_FORMAT", `${what}: empty file, not an image archive`);
}
async function readFileHead(path, n, what) {
  try {
    const fh = await open4(path, "r");
    try {
      const buf = Buffer.alloc(n);
      const { bytesRead } = await fh.read(buf, 0, n, 0);
      return buf.subarray(0, bytesRead);
    } finally {
      await fh.close();
    }
  } catch (err) {
    throw fromSystemError(err, what);
  }
}
async function spoolAndIndex(input, what, signal) {
  const temp = await makeTempDir("baler-archive-");
  try {
    const file = join9(temp.path, "archive.tar");
    const { compression, stream } = await decompressAuto(input, what);
    try {
      await pipeline8(stream, createWriteStream4(file, { highWaterMark: 1024 * 1024 }), signal ? { signal } : {});
    } catch (err) {
      if (err?.name === "AbortError") throw new BalerError("E_CANCELLED", `${what}: cancelled`, { cause: err });
      throw fromSystemError(err, what);
    }
    if ((await stat5(file)).size === 0) throw emptyError(what);
    return await indexArchive(file, what, compression, temp);
  } catch (err) {
    await temp.remove();
    throw err;
  }
}
async function indexArchive(file, what, compression, temp) {
  const toc = await buildToc(file, what);
  if (toc.entries.length === 0) throw new BalerError("E_FORMAT", `${what}: not an image archive (the tar has no entries)`);
  return new TocArchive(what, file, compression, toc, temp);
}
var TocArchive = class {
  constructor(what, file, compression, toc, temp) {
    this.what = what;
    this.file = file;
    this.compression = compression;
    this.toc = toc;
    this.temp = temp;
  }
  what;
  file;
  compression;
  toc;
  temp;
  kind() {
    if (this.has("manifest.json")) return "docker-archive";
    if (this.has("index.json") && this.has("oci-layout")) return "oci-archive";
    return "unknown-tar";
  }
  has(path) {
    return this.toc.get(path) !== void 0;
  }
  resolve(path, role) {
    const e = this.find(path, role);
    if (!e) throw new BalerError("E_NOT_FOUND", `${this.what}: ${role} ${JSON.stringify(path)} is not in the archive`);
    return e;
  }
  find(path, role) {
    const where = `${this.what}: ${role} ${JSON.stringify(path)}`;
    let current = normalizeEntryPath(path, where);
    for (let hop = 0; hop <= MAX_LINK_HOPS; hop++) {
      const e = this.toc.get(current);
      if (!e) return void 0;
      if (e.type === "file" || e.type === "contiguous") return e;
      if (e.type === "symlink" && e.linkname !== void 0) {
        const target = e.linkname.startsWith("/") ? e.linkname : posix.join(posix.dirname(e.path), e.linkname);
        current = normalizeEntryPath(target, `${where} (link to ${JSON.stringify(e.linkname)})`);
      } else if (e.type === "hardlink" && e.linkname !== void 0) {
        current = normalizeEntryPath(e.linkname, `${where} (link to ${JSON.stringify(e.linkname)})`);
      } else {
        throw new BalerError("E_FORMAT", `${where} is a ${e.type}, not a regular file`);
      }
    }
    throw new BalerError("E_FORMAT", `${where}: more than ${MAX_LINK_HOPS} links (a link loop?)`);
  }
  open(e) {
    return openTocEntry(this.file, e);
  }
  async readSmall(e, limit, role) {
    if (e.size > limit) throw new BalerError("E_FORMAT", `${this.what}: ${role} (${e.path}) is larger than ${limit} bytes`);
    return readAtMost(this.open(e), limit, `${this.what}: ${role}`);
  }
  async head(e, n) {
    const want = Math.min(n, e.size);
    if (want === 0) return Buffer.alloc(0);
    const fh = await open4(this.file, "r");
    try {
      const buf = Buffer.alloc(want);
      const { bytesRead } = await fh.read(buf, 0, want, e.dataOffset);
      return buf.subarray(0, bytesRead);
    } finally {
      await fh.close();
    }
  }
  async close() {
    await this.temp?.remove();
  }
  [Symbol.asyncDispose]() {
    return this.close();
  }
};

// src/transports/archive-source.ts
import { pipeline as pipeline9, Readable as Readable5 } from "node:stream";

// src/transports/archive-layout.ts
var ArchiveLayout = class {
  constructor(archive) {
    this.archive = archive;
  }
  archive;
  index;
  static isLayout(a) {
    return a.has("index.json") && a.has("oci-layout");
  }
  /** index.json, after checking oci-layout (parsed, never string-compared: writers differ in spacing). */
  readIndex() {
    this.index ??= this.loadIndex();
    return this.index;
  }
  async loadIndex() {
    const what = this.archive.what;
    const layoutBytes = await this.archive.readSmall(this.archive.resolve("oci-layout", "oci-layout"), JsonLimits.small, "oci-layout");
    const layout = expectObject(parseJsonBytes(layoutBytes, `${what}: oci-layout`, JsonLimits.small), `${what}: oci-layout`);
    if (typeof layout.imageLayoutVersion !== "string") {
      throw new BalerError("E_FORMAT", `${what}: oci-layout: missing "imageLayoutVersion"`);
    }
    if (!layout.imageLayoutVersion.startsWith("1.")) {
      throw new BalerError("E_UNSUPPORTED", `${what}: oci-layout: unsupported imageLayoutVersion ${JSON.stringify(layout.imageLayoutVersion)}`);
    }
    const bytes = await this.archive.readSmall(this.archive.resolve("index.json", "index.json"), JsonLimits.manifest, "index.json");
    return parseIndexManifest(bytes, `${what}: index.json`);
  }
  /** The member holding a blob, or undefined when the archive lacks it. */
  findBlob(d) {
    return this.archive.find(`blobs/sha256/${hexOf(d)}`, `blob ${d}`);
  }
  requireBlob(d) {
    const e = this.findBlob(d);
    if (!e) throw new BalerError("E_NOT_FOUND", `${this.archive.what}: blob ${d} is not in the archive (blobs/sha256/${hexOf(d)})`);
    return e;
  }
  /** Raw manifest or index bytes of a descriptor, capped; NOT verified (the pipeline verifies). */
  async readManifest(d) {
    return this.archive.readSmall(this.requireBlob(d.digest), JsonLimits.manifest, `manifest ${d.digest}`);
  }
  openBlob(d) {
    return this.archive.open(this.requireBlob(d));
  }
};

// src/transports/archive-source.ts
var ArchiveSource = class {
  constructor(ref2, archive) {
    this.ref = ref2;
    this.archive = archive;
    this.layout = ArchiveLayout.isLayout(archive) ? new ArchiveLayout(archive) : void 0;
  }
  ref;
  archive;
  generated = /* @__PURE__ */ new Map();
  members = /* @__PURE__ */ new Map();
  /** Members served decompressed: layers in codecs OCI has no media type for (xz, bzip2). */
  decoded = /* @__PURE__ */ new Map();
  layout;
  listing;
  list() {
    this.listing ??= this.listAll().then((all) => selectRefImage(all, this.ref.image, this.archive.what));
    return this.listing;
  }
  async fetchManifest(d) {
    await this.list();
    const made = this.generated.get(d.digest);
    if (made) return made;
    const member = this.members.get(d.digest);
    if (member) return this.archive.readSmall(member, JsonLimits.manifest, `manifest ${d.digest}`);
    if (this.layout) return this.layout.readManifest(d);
    throw this.missing(d.digest);
  }
  async fetchBlob(d, signal) {
    await this.list();
    const made = this.generated.get(d.digest);
    const stream = made ? Readable5.from([made]) : (() => {
      const member = this.members.get(d.digest);
      if (member) return this.archive.open(member);
      const dec = this.decoded.get(d.digest);
      if (dec) return this.openDecoded(dec.entry, dec.compression);
      if (this.layout) return this.layout.openBlob(d.digest);
      throw this.missing(d.digest);
    })();
    if (signal) {
      const onAbort = () => {
        stream.destroy(new BalerError("E_CANCELLED", `${this.archive.what}: cancelled`));
      };
      if (signal.aborted) onAbort();
      else {
        signal.addEventListener("abort", onAbort, { once: true });
        stream.once("close", () => signal.removeEventListener("abort", onAbort));
      }
    }
    return stream;
  }
  /** A member's bytes through a decompressor; errors of either end reach the returned stream. */
  openDecoded(entry, c) {
    const dec = decompressor(c, `${this.archive.what}: ${entry.path}`);
    pipeline9(this.archive.open(entry), dec, () => void 0);
    return dec;
  }
  missing(d) {
    return new BalerError("E_NOT_FOUND", `${this.archive.what}: blob ${d} is not in the archive`);
  }
  async [Symbol.asyncDispose]() {
    await this.archive.close();
  }
};
function addNames(into, more) {
  const seen = new Set(into.map(fullName));
  for (const n of more) {
    if (!seen.has(fullName(n))) {
      seen.add(fullName(n));
      into.push(n);
    }
  }
}
function mergeByDigest(entries) {
  const out = /* @__PURE__ */ new Map();
  for (const e of entries) {
    const have = out.get(e.descriptor.digest);
    if (have) addNames(have.names, e.names);
    else out.set(e.descriptor.digest, { ...e, names: [...e.names] });
  }
  return [...out.values()];
}
function selectRefImage(all, image, what) {
  if (image === void 0) return all;
  const index = /^@(\d+)$/.exec(image);
  if (index) {
    const e = all[Number(index[1])];
    if (!e) throw new BalerError("E_NOT_FOUND", `${what}: no image ${image} (the archive holds ${all.length})`);
    return [e];
  }
  const hex = image.replace(/^sha256:/, "");
  if (/^[0-9a-f]{12,64}$/.test(hex)) {
    const byDigest = all.filter((e) => e.descriptor.digest.slice("sha256:".length).startsWith(hex));
    if (byDigest.length > 0) return byDigest;
  }
  let wanted;
  try {
    wanted = fullName(parseImageName(image, { defaultTag: "latest" }));
  } catch {
    wanted = void 0;
  }
  const found = all.filter((e) => e.names.some((n) => fullName(n) === wanted) || e.descriptor.annotations?.[Annotations.refName] === image);
  if (found.length === 0) throw new BalerError("E_NOT_FOUND", `${what}: no image named ${image}`);
  return found.map((e) => ({ ...e, names: e.names.filter((n) => fullName(n) === wanted) }));
}

// src/transports/docker-archive/synthesized-manifest.ts
function synthesizeOciManifest(config, layers) {
  return jsonBytes({
    schemaVersion: 2,
    mediaType: MediaTypes.ociManifest,
    config: { mediaType: MediaTypes.ociConfig, digest: config.digest, size: config.size },
    layers: layers.map((l) => ({ mediaType: layerMediaType("oci", l.compression), digest: l.digest, size: l.size }))
  });
}

// src/transports/docker-archive/source.ts
var DockerArchiveSource = class _DockerArchiveSource extends ArchiveSource {
  compressedDigests = /* @__PURE__ */ new Map();
  decodedSizes = /* @__PURE__ */ new Map();
  static async open(ref2, o = {}) {
    const archive = await openArchiveFile(ref2.location, ref2.location === "-" ? "stdin" : ref2.location, o);
    try {
      const kind = archive.kind();
      if (kind !== "docker-archive") {
        const hint = kind === "oci-archive" ? " (it is an oci-archive)" : "";
        throw new BalerError("E_FORMAT", `${archive.what}: not a docker-archive, no manifest.json${hint}`);
      }
      return new _DockerArchiveSource(ref2, archive);
    } catch (err) {
      await archive.close();
      throw err;
    }
  }
  async listAll() {
    const what = this.archive.what;
    const bytes = await this.archive.readSmall(this.archive.resolve("manifest.json", "manifest.json"), JsonLimits.manifest, "manifest.json");
    const items = parseManifestJson(bytes, `${what}: manifest.json`);
    const indexed = await this.indexedManifests();
    const entries = [];
    for (const [i, item] of items.entries()) entries.push(await this.entryFor(item, i, indexed));
    return mergeByDigest(entries);
  }
  async entryFor(item, i, indexed) {
    const what = this.archive.what;
    const at = `manifest.json[${i}]`;
    const configEntry = this.archive.resolve(item.Config, `${at}.Config`);
    const configBytes = await this.archive.readSmall(configEntry, JsonLimits.config, `${at}.Config`);
    const config = parseImageConfig(configBytes, `${what}: ${configEntry.path}`);
    const configDigest = sha256Of(configBytes);
    const diffIds = config.rootfs.diff_ids;
    if (item.Layers.length !== diffIds.length) {
      throw new BalerError("E_FORMAT", `${what}: ${at}: layers length mismatch (${item.Layers.length} layers, config has ${diffIds.length} diff_ids)`);
    }
    const layerEntries = item.Layers.map((p, j) => this.archive.resolve(p, `${at}.Layers[${j}]`));
    const names = [];
    addNames(names, (item.RepoTags ?? []).map((t, j) => parseRepoTag(t, `${what}: ${at}.RepoTags[${j}]`)));
    this.members.set(configDigest, configEntry);
    const match = indexed.find((c) => c.manifest.config.digest === configDigest && c.manifest.layers.length === layerEntries.length);
    let descriptor;
    if (match) {
      descriptor = match.descriptor;
      addNames(names, match.names);
      for (const [j, l] of match.manifest.layers.entries()) {
        const entry2 = layerEntries[j];
        if (entry2 && !this.layout?.findBlob(l.digest)) this.members.set(l.digest, entry2);
      }
    } else {
      const layers = [];
      for (const [j, entry2] of layerEntries.entries()) {
        layers.push(await this.describeLayer(entry2, diffIds[j], `${at}.Layers[${j}]`));
      }
      const manifest = synthesizeOciManifest({ digest: configDigest, size: configBytes.length }, layers);
      descriptor = { mediaType: MediaTypes.ociManifest, digest: sha256Of(manifest), size: manifest.length };
      this.generated.set(descriptor.digest, manifest);
      for (const [j, l] of layers.entries()) if (!this.decoded.has(l.digest)) this.members.set(l.digest, layerEntries[j]);
    }
    const entry = { descriptor, names };
    if (typeof config.created === "string") entry.created = config.created;
    return entry;
  }
  /** formats.md §3.4: an uncompressed layer's digest is its diff_id; a compressed file's is the hash of its bytes. */
  async describeLayer(entry, diffId, role) {
    const c = sniffCompression(await this.archive.head(entry, 8));
    if (c === "none") return { compression: "none", digest: diffId, size: entry.size };
    if (c === "gzip" || c === "zstd") return { compression: c, digest: await this.compressedDigest(entry), size: entry.size };
    const size = await this.decodedSize(entry, c, role);
    this.decoded.set(diffId, { entry, compression: c });
    return { compression: "none", digest: diffId, size };
  }
  decodedSize(entry, c, role) {
    let n = this.decodedSizes.get(entry.path);
    if (!n) {
      n = sha256OfStream(this.openDecoded(entry, c)).then(
        (r) => r.size,
        (err) => {
          throw err instanceof BalerError ? err : new BalerError("E_FORMAT", `${this.archive.what}: ${role} (${entry.path}): ${String(err?.message ?? err)}`);
        }
      );
      this.decodedSizes.set(entry.path, n);
    }
    return n;
  }
  compressedDigest(entry) {
    let d = this.compressedDigests.get(entry.path);
    if (!d) {
      d = sha256OfStream(this.archive.open(entry)).then((r) => r.digest);
      this.compressedDigests.set(entry.path, d);
    }
    return d;
  }
  /** A hybrid's index.json image manifests (one level into nested indexes; absent children skipped). */
  async indexedManifests() {
    if (!this.layout) return [];
    const what = this.archive.what;
    const index = await this.layout.readIndex();
    const out = [];
    for (const d of index.manifests) {
      const names = [nameFromIndexEntry(d)].filter((n) => n !== void 0);
      if (isImageManifestMediaType(d.mediaType)) {
        const bytes = await this.layout.readManifest(d);
        out.push({ descriptor: plainDescriptor(d), manifest: parseImageManifest(bytes, `${what}: manifest ${d.digest}`, d.mediaType), names });
      } else if (isIndexMediaType(d.mediaType)) {
        const child = parseIndexManifest(await this.layout.readManifest(d), `${what}: index ${d.digest}`, d.mediaType);
        for (const m of child.manifests) {
          if (!isImageManifestMediaType(m.mediaType) || !this.layout.findBlob(m.digest)) continue;
          const bytes = await this.layout.readManifest(m);
          out.push({ descriptor: plainDescriptor(m), manifest: parseImageManifest(bytes, `${what}: manifest ${m.digest}`, m.mediaType), names });
        }
      }
    }
    return out;
  }
};
function plainDescriptor(d) {
  const out = { mediaType: d.mediaType, digest: d.digest, size: d.size };
  if (d.platform) out.platform = d.platform;
  return out;
}
function parseRepoTag(tag, what) {
  let n;
  try {
    n = parseImageName(tag);
  } catch (err) {
    throw new BalerError("E_FORMAT", `${what}: bad tag ${JSON.stringify(tag)} (${err.message})`, { cause: err });
  }
  if (n.tag === void 0) throw new BalerError("E_FORMAT", `${what}: bad tag ${JSON.stringify(tag)} (no tag)`);
  return n;
}

// src/transports/docker-archive/transport.ts
var dockerArchiveTransport = {
  name: "docker-archive",
  parse(spec) {
    const { location, image } = splitArchiveSpec("docker-archive", spec);
    return new ArchiveRef(dockerArchiveTransport, location, image, {
      source: (ref2, o) => DockerArchiveSource.open(ref2, o.signal ? { signal: o.signal } : {}),
      sink: (ref2, o) => DockerArchiveSink.open(ref2, o)
    });
  }
};

// src/transports/docker-root/ref.ts
import { isAbsolute, resolve as resolve2 } from "node:path";
var DEFAULT_DOCKER_ROOT = "/var/lib/docker";
var DockerRootRef = class {
  constructor(transport, location, image, open6) {
    this.transport = transport;
    this.open = open6;
    this.location = location;
    if (image !== void 0) this.image = image;
  }
  transport;
  open;
  location;
  image;
  toString() {
    return `docker-root:${this.location}${this.image !== void 0 ? `:${this.image}` : ""}`;
  }
  openSource(o = {}) {
    return this.open(this, o);
  }
  openSink() {
    return Promise.reject(
      new BalerError("E_UNSUPPORTED", `${this.toString()}: a Docker data root is read-only for baler; load into a running daemon with "baler load --into docker" instead`)
    );
  }
};
function splitDockerRootSpec(spec, cwd = process.cwd()) {
  const body = spec.startsWith("docker-root:") ? spec.slice("docker-root:".length) : spec === "docker-root" ? "" : spec;
  const colon = body.indexOf(":");
  const dir = colon >= 0 ? body.slice(0, colon) : body;
  const image = colon >= 0 ? body.slice(colon + 1) : void 0;
  if (image === "") throw new BalerError("E_USAGE", `docker-root:${body}: empty image name after ":"`);
  const location = dir === "" ? DEFAULT_DOCKER_ROOT : isAbsolute(dir) ? resolve2(dir) : resolve2(cwd, dir);
  return image === void 0 ? { location } : { location, image };
}

// src/transports/docker-root/source.ts
import { createReadStream as createReadStream6 } from "node:fs";
import { Readable as Readable7 } from "node:stream";

// src/model/ids.ts
function chainIds(diffIds) {
  const out = [];
  for (const d of diffIds) {
    const prev = out[out.length - 1];
    out.push(prev === void 0 ? d : sha256Of(`${prev} ${d}`));
  }
  return out;
}

// src/transports/docker-root/drivers.ts
import { readdir as readdir4, stat as stat6 } from "node:fs/promises";
import { join as join10 } from "node:path";
var SUPPORTED = ["overlay2", "vfs"];
async function detectStorageDriver(root) {
  let names;
  try {
    names = (await readdir4(join10(root, "image"), { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name);
  } catch (err) {
    const e = fromSystemError(err, join10(root, "image"));
    if (e.code !== "E_NOT_FOUND") throw e;
    if (await stat6(join10(root, "containerd")).then((s) => s.isDirectory(), () => false)) {
      throw new BalerError("E_UNSUPPORTED", `${root}: uses the containerd image store (Docker 29 default), which baler cannot read offline yet; save with a running daemon (--from docker) instead`);
    }
    throw new BalerError("E_NOT_FOUND", `${root}: not a Docker data root (no image/ directory)`);
  }
  const supported = SUPPORTED.filter((d) => names.includes(d));
  if (supported.length > 1) {
    for (const d of supported) {
      const images = await readdir4(join10(root, "image", d, "imagedb", "content", "sha256")).catch(() => []);
      if (images.length > 0) return d;
    }
  }
  if (supported[0]) return supported[0];
  const other = names[0];
  if (other) throw new BalerError("E_UNSUPPORTED", `${root}: storage driver ${other} is not supported yet (supported: ${SUPPORTED.join(", ")})`);
  throw new BalerError("E_NOT_FOUND", `${root}: not a Docker data root (image/ holds no storage driver directory)`);
}
function layerDataDir(root, driver, cacheId) {
  return driver === "overlay2" ? join10(root, "overlay2", cacheId, "diff") : join10(root, "vfs", "dir", cacheId);
}
function mountDataDir(root, driver, mountId) {
  return layerDataDir(root, driver, mountId);
}

// src/transports/docker-root/image-select.ts
function imageMatches(want, id, names) {
  const hex = want.startsWith("sha256:") ? want.slice("sha256:".length) : want;
  if (/^[0-9a-f]{4,64}$/.test(hex) && hexOf(id).startsWith(hex)) return true;
  let parsed;
  try {
    parsed = parseImageName(want, { defaultTag: "latest" });
  } catch {
    return false;
  }
  const wanted = fullName(parsed);
  return names.some((n) => fullName(n) === wanted);
}

// src/transports/docker-root/layerdb.ts
import { readFile as readFile4, stat as stat7 } from "node:fs/promises";
import { join as join11 } from "node:path";
var ID_RE = /^[0-9a-f]{64}$/;
async function readSmall(path, optional = false) {
  try {
    const st = await stat7(path);
    if (st.size > 4096) throw new BalerError("E_FORMAT", `${path}: larger than 4096 bytes`);
    return (await readFile4(path, "utf8")).trim();
  } catch (err) {
    if (optional && err.code === "ENOENT") return void 0;
    throw fromSystemError(err, path);
  }
}
function parseCacheId(s, what) {
  if (!/^[0-9a-zA-Z_.-]+$/.test(s) || s === "." || s === "..") throw new BalerError("E_FORMAT", `${what}: invalid id ${JSON.stringify(s)}`);
  return s;
}
function layerDbDir(root, driver) {
  return join11(root, "image", driver, "layerdb");
}
async function readLayerDbEntry(root, driver, chainId) {
  const dir = join11(layerDbDir(root, driver), "sha256", hexOf(chainId));
  try {
    await stat7(dir);
  } catch (err) {
    const e = fromSystemError(err, dir);
    if (e.code === "E_NOT_FOUND") throw new BalerError("E_NOT_FOUND", `${root}: layer ${chainId} is missing from the layer database (${dir})`);
    throw e;
  }
  const diffId = parseDigest(await readSmall(join11(dir, "diff")), join11(dir, "diff"));
  const cacheId = parseCacheId(await readSmall(join11(dir, "cache-id")), join11(dir, "cache-id"));
  const parentText = await readSmall(join11(dir, "parent"), true);
  const tarSplit = join11(dir, "tar-split.json.gz");
  const hasTarSplit = await stat7(tarSplit).then((s) => s.isFile(), () => false);
  const entry = { chainId, diffId, cacheId, dir };
  if (parentText) entry.parent = parseDigest(parentText, join11(dir, "parent"));
  if (hasTarSplit) entry.tarSplitPath = tarSplit;
  return entry;
}
async function readMountEntry(root, driver, containerId) {
  if (!ID_RE.test(containerId)) throw new BalerError("E_FORMAT", `invalid container id ${JSON.stringify(containerId)}`);
  const dir = join11(layerDbDir(root, driver), "mounts", containerId);
  const mountId = parseCacheId(await readSmall(join11(dir, "mount-id")), join11(dir, "mount-id"));
  const out = { containerId, mountId };
  const initId = await readSmall(join11(dir, "init-id"), true);
  if (initId) out.initId = parseCacheId(initId, join11(dir, "init-id"));
  const parent = await readSmall(join11(dir, "parent"), true);
  if (parent) out.parent = parseDigest(parent, join11(dir, "parent"));
  return out;
}

// src/transports/docker-root/layer-tar.ts
import { Readable as Readable6 } from "node:stream";

// src/transports/docker-root/crc64.ts
var SLICES = 8;
var TABLE_LO = new Int32Array(SLICES * 256);
var TABLE_HI = new Int32Array(SLICES * 256);
{
  const POLY_HI = 3623878656 | 0;
  for (let i = 0; i < 256; i++) {
    let lo = i;
    let hi = 0;
    for (let bit = 0; bit < 8; bit++) {
      const carry = lo & 1;
      lo = lo >>> 1 | hi << 31;
      hi = hi >>> 1;
      if (carry) hi ^= POLY_HI;
    }
    TABLE_LO[i] = lo;
    TABLE_HI[i] = hi;
  }
  for (let k = 1; k < SLICES; k++) {
    for (let i = 0; i < 256; i++) {
      const pLo = TABLE_LO[(k - 1) * 256 + i];
      const pHi = TABLE_HI[(k - 1) * 256 + i];
      const idx = pLo & 255;
      TABLE_LO[k * 256 + i] = (pLo >>> 8 | pHi << 24) ^ TABLE_LO[idx];
      TABLE_HI[k * 256 + i] = pHi >>> 8 ^ TABLE_HI[idx];
    }
  }
}
var Crc64 = class {
  // the state is kept inverted (Go's `crc = ^crc` on entry and exit)
  lo = -1;
  hi = -1;
  update(data) {
    let lo = this.lo;
    let hi = this.hi;
    const n = data.length;
    let i = 0;
    const T = TABLE_LO;
    const H = TABLE_HI;
    for (const end = n - n % 8; i < end; i += 8) {
      const xl = lo ^ (data[i] | data[i + 1] << 8 | data[i + 2] << 16 | data[i + 3] << 24);
      const xh = hi ^ (data[i + 4] | data[i + 5] << 8 | data[i + 6] << 16 | data[i + 7] << 24);
      const a = 7 * 256 + (xl & 255);
      const b = 6 * 256 + (xl >>> 8 & 255);
      const c = 5 * 256 + (xl >>> 16 & 255);
      const d = 4 * 256 + (xl >>> 24);
      const e = 3 * 256 + (xh & 255);
      const f = 2 * 256 + (xh >>> 8 & 255);
      const g = 256 + (xh >>> 16 & 255);
      const h = xh >>> 24;
      lo = T[a] ^ T[b] ^ T[c] ^ T[d] ^ T[e] ^ T[f] ^ T[g] ^ T[h];
      hi = H[a] ^ H[b] ^ H[c] ^ H[d] ^ H[e] ^ H[f] ^ H[g] ^ H[h];
    }
    for (; i < n; i++) {
      const idx = (lo ^ data[i]) & 255;
      lo = (lo >>> 8 | hi << 24) ^ T[idx];
      hi = hi >>> 8 ^ H[idx];
    }
    this.lo = lo;
    this.hi = hi;
    return this;
  }
  /** The checksum as 8 big-endian bytes, the form tar-split stores (base64) in its payload. */
  digestBytes() {
    const out = Buffer.alloc(8);
    out.writeUInt32BE(~this.hi >>> 0, 0);
    out.writeUInt32BE(~this.lo >>> 0, 4);
    return out;
  }
  digestBigInt() {
    return this.digestBytes().readBigUInt64BE(0);
  }
};

// src/transports/docker-root/layer-files.ts
import { constants } from "node:fs";
import { lstat, open as open5 } from "node:fs/promises";
var LayerDir = class {
  constructor(root) {
    this.root = root;
    this.rootBytes = Buffer.from(root, "utf8");
  }
  root;
  rootBytes;
  checkedDirs = /* @__PURE__ */ new Set();
  /** `a/./b/` → ['a','b']; throws E_PATH_ESCAPE for `..` (never present in names Docker wrote). */
  static components(name, what) {
    const parts = name.toString("latin1").split("/").filter((p) => p !== "" && p !== ".");
    if (parts.includes("..")) throw new BalerError("E_PATH_ESCAPE", `${what}: entry ${JSON.stringify(name.toString("utf8"))} leaves the layer directory`);
    return parts;
  }
  pathOf(parts) {
    if (parts.length === 0) return this.rootBytes;
    return Buffer.concat([this.rootBytes, Buffer.from(`/${parts.join("/")}`, "latin1")]);
  }
  /** Display form of a path for messages. */
  display(parts) {
    return `${this.root}/${Buffer.from(parts.join("/"), "latin1").toString("utf8")}`;
  }
  /** Ensures every parent of `parts` is a directory, not a symlink; returns a reason when it is not. */
  async checkParents(parts) {
    for (let i = 1; i < parts.length; i++) {
      const key = parts.slice(0, i).join("/");
      if (this.checkedDirs.has(key)) continue;
      const p = parts.slice(0, i);
      let isDir;
      try {
        isDir = (await lstat(this.pathOf(p))).isDirectory();
      } catch (err) {
        const code = err.code;
        if (code === "ENOENT" || code === "ENOTDIR") return `${this.display(p)} is missing`;
        throw fromSystemError(err, this.display(p));
      }
      if (!isDir) return `${this.display(p)} is not a directory (a symlink is never followed)`;
      this.checkedDirs.add(key);
    }
    return void 0;
  }
  /** Why the regular file at `parts` cannot supply `size` bytes, or undefined when it can. */
  async checkFile(parts, size) {
    const parentProblem = await this.checkParents(parts);
    if (parentProblem) return parentProblem;
    try {
      const st = await lstat(this.pathOf(parts));
      if (!st.isFile()) return `${this.display(parts)} is not a regular file`;
      if (st.size !== size) return `${this.display(parts)} has ${st.size} bytes, the layer records ${size}`;
      return void 0;
    } catch (err) {
      const code = err.code;
      if (code === "ENOENT" || code === "ENOTDIR") return `${this.display(parts)} is missing`;
      throw fromSystemError(err, this.display(parts));
    }
  }
  /** Opens a regular file for reading (O_NOFOLLOW, O_NONBLOCK so a fifo put in its place cannot hang us). */
  async openFile(parts, size) {
    const problem = await this.checkParents(parts);
    if (problem) throw new BalerError("E_IO", problem);
    const what = this.display(parts);
    let fh;
    try {
      fh = await open5(this.pathOf(parts), constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    } catch (err) {
      if (err.code === "ELOOP") throw new BalerError("E_IO", `${what}: is a symlink where the layer has a regular file`);
      throw fromSystemError(err, what);
    }
    try {
      const st = await fh.stat();
      if (!st.isFile()) throw new BalerError("E_IO", `${what}: is not a regular file`);
      if (st.size !== size) throw new BalerError("E_IO", `${what}: has ${st.size} bytes, the layer records ${size}`);
    } catch (err) {
      await fh.close();
      throw err;
    }
    return fh;
  }
};

// src/transports/docker-root/tar-split.ts
import { createReadStream as createReadStream5 } from "node:fs";
import { createGunzip as createGunzip2 } from "node:zlib";
var MAX_RECORD_LINE = 64 * 1024 * 1024;
function decodeBase64(v, what) {
  if (v === null || v === void 0) return Buffer.alloc(0);
  if (typeof v !== "string" || !/^[A-Za-z0-9+/]*={0,2}$/.test(v)) throw new BalerError("E_FORMAT", `${what}: payload is not base64`);
  return Buffer.from(v, "base64");
}
function parseTarSplitLine(line, what) {
  let o;
  try {
    o = JSON.parse(line);
  } catch {
    throw new BalerError("E_FORMAT", `${what}: invalid JSON record`);
  }
  if (!isObject(o)) throw new BalerError("E_FORMAT", `${what}: record is not a JSON object`);
  const position = typeof o.position === "number" ? o.position : -1;
  if (o.type === 2) return { kind: "segment", position, bytes: decodeBase64(o.payload, what) };
  if (o.type !== 1) throw new BalerError("E_FORMAT", `${what}: unknown record type ${JSON.stringify(o.type)}`);
  const size = o.size === void 0 || o.size === null ? 0 : o.size;
  if (typeof size !== "number" || !Number.isSafeInteger(size) || size < 0) throw new BalerError("E_FORMAT", `${what}: bad size`);
  let name;
  if (typeof o.name_raw === "string" && o.name_raw !== "") name = decodeBase64(o.name_raw, what);
  else if (typeof o.name === "string") name = Buffer.from(o.name, "utf8");
  else throw new BalerError("E_FORMAT", `${what}: file record without a name`);
  const crc = decodeBase64(o.payload, what);
  if (size > 0 && crc.length !== 8) throw new BalerError("E_FORMAT", `${what}: file record for ${JSON.stringify(name.toString("utf8"))} has no 8-byte CRC-64`);
  return crc.length === 8 ? { kind: "file", position, name, size, crc } : { kind: "file", position, name, size };
}
async function* readTarSplitRecords(lines, what) {
  let pending = [];
  let pendingLen = 0;
  let lineNo = 0;
  const flush = function* (end) {
    const whole = pending.length === 0 ? end : Buffer.concat([...pending, end]);
    pending = [];
    pendingLen = 0;
    lineNo++;
    const text = whole.toString("utf8").trim();
    if (text !== "") yield parseTarSplitLine(text, `${what}: line ${lineNo}`);
  };
  for await (const chunk of lines) {
    let buf = chunk;
    let nl;
    while ((nl = buf.indexOf(10)) >= 0) {
      yield* flush(buf.subarray(0, nl));
      buf = buf.subarray(nl + 1);
    }
    if (buf.length > 0) {
      pendingLen += buf.length;
      if (pendingLen > MAX_RECORD_LINE) throw new BalerError("E_FORMAT", `${what}: record longer than ${MAX_RECORD_LINE} bytes`);
      pending.push(Buffer.from(buf));
    }
  }
  if (pendingLen > 0) yield* flush(Buffer.alloc(0));
}
async function* readTarSplitFile(path) {
  const file = createReadStream5(path);
  const gunzip = createGunzip2();
  file.on("error", (err) => gunzip.destroy(fromSystemError(err, path)));
  file.pipe(gunzip);
  try {
    yield* readTarSplitRecords(gunzip, path);
  } catch (err) {
    if (err instanceof BalerError) throw err;
    const code = err.code;
    if (code === "Z_BUF_ERROR") throw new BalerError("E_TRUNCATED", `${path}: gzip stream ends early`, { cause: err });
    if (typeof code === "string" && code.startsWith("Z_")) throw new BalerError("E_FORMAT", `${path}: not a valid gzip file`, { cause: err });
    throw fromSystemError(err, path);
  } finally {
    file.destroy();
    gunzip.destroy();
  }
}

// src/transports/docker-root/layer-tar.ts
async function planLayerTar(tarSplitPath, layerRoot) {
  const dir = new LayerDir(layerRoot);
  let size = 0;
  let files = 0;
  let problem;
  for await (const r of readTarSplitFile(tarSplitPath)) {
    if (r.kind === "segment") {
      size += r.bytes.length;
      continue;
    }
    if (r.size === 0) continue;
    size += r.size;
    files++;
    if (problem === void 0) problem = await dir.checkFile(LayerDir.components(r.name, tarSplitPath), r.size);
  }
  return problem === void 0 ? { size, files } : { size, files, problem };
}
var READ_CHUNK = 1024 * 1024;
function regenerateLayerTar(tarSplitPath, layerRoot, what, signal) {
  const dir = new LayerDir(layerRoot);
  async function* generate() {
    for await (const r of readTarSplitFile(tarSplitPath)) {
      if (signal?.aborted) throw new BalerError("E_CANCELLED", `${what}: cancelled`);
      if (r.kind === "segment") {
        if (r.bytes.length > 0) yield r.bytes;
        continue;
      }
      if (r.size === 0) continue;
      const parts = LayerDir.components(r.name, tarSplitPath);
      const fh = await dir.openFile(parts, r.size);
      const crc = new Crc64();
      try {
        let left = r.size;
        while (left > 0) {
          if (signal?.aborted) throw new BalerError("E_CANCELLED", `${what}: cancelled`);
          const buf = Buffer.allocUnsafe(Math.min(left, READ_CHUNK));
          const { bytesRead } = await fh.read(buf, 0, buf.length, null);
          if (bytesRead === 0) throw new BalerError("E_IO", `${dir.display(parts)}: file shrank while it was read`);
          const got = bytesRead === buf.length ? buf : buf.subarray(0, bytesRead);
          crc.update(got);
          left -= bytesRead;
          yield got;
        }
      } finally {
        await fh.close();
      }
      if (r.crc && !crc.digestBytes().equals(r.crc)) {
        throw new BalerError("E_DIGEST_MISMATCH", `${what}: ${dir.display(parts)} does not match its recorded CRC-64 (the layer directory was changed after Docker stored it)`);
      }
    }
  }
  return Readable6.from(generate(), { objectMode: false, highWaterMark: READ_CHUNK });
}
async function verifyLayerContent(tarSplitPath, layerRoot, what, signal) {
  try {
    for await (const _ of regenerateLayerTar(tarSplitPath, layerRoot, what, signal)) {
    }
    return void 0;
  } catch (err) {
    if (err instanceof BalerError && (err.code === "E_DIGEST_MISMATCH" || err.code === "E_NOT_FOUND")) return err.message;
    throw err;
  }
}

// src/transports/docker-root/repositories.ts
import { readdir as readdir5, readFile as readFile5, stat as stat8 } from "node:fs/promises";
import { join as join12 } from "node:path";
function parseRepositoriesJson(bytes, what) {
  const o = expectObject(parseJsonBytes(bytes, what, JsonLimits.config), what);
  const repos = o.Repositories ?? {};
  const out = /* @__PURE__ */ new Map();
  if (!isObject(repos)) throw new BalerError("E_FORMAT", `${what}: "Repositories" is not an object`);
  for (const refs of Object.values(repos)) {
    if (!isObject(refs)) continue;
    for (const [ref2, id] of Object.entries(refs)) {
      if (!isDigest(id) || ref2.includes("@")) continue;
      let name;
      try {
        name = parseImageName(ref2);
      } catch {
        continue;
      }
      if (name.tag === void 0) continue;
      const list2 = out.get(id) ?? [];
      list2.push(name);
      out.set(id, list2);
    }
  }
  return out;
}
function imageDbDir(root, driver) {
  return join12(root, "image", driver, "imagedb");
}
async function readRepositories(root, driver) {
  const path = join12(root, "image", driver, "repositories.json");
  let bytes;
  try {
    bytes = await readFile5(path);
  } catch (err) {
    if (err.code === "ENOENT") return /* @__PURE__ */ new Map();
    throw fromSystemError(err, path);
  }
  return parseRepositoriesJson(bytes, path);
}
async function listStoredImages(root, driver) {
  const contentDir = join12(imageDbDir(root, driver), "content", "sha256");
  let names;
  try {
    names = await readdir5(contentDir);
  } catch (err) {
    if (err.code === "ENOENT") return [];
    throw fromSystemError(err, contentDir);
  }
  const out = [];
  for (const hex of names.sort()) {
    if (!/^[0-9a-f]{64}$/.test(hex)) continue;
    const id = digestFromHex(hex);
    const img = { id, configPath: join12(contentDir, hex) };
    const parentPath = join12(imageDbDir(root, driver), "metadata", "sha256", hex, "parent");
    const parent = await readFile5(parentPath, "utf8").then((s) => s.trim(), () => "");
    if (isDigest(parent)) img.parent = parent;
    out.push(img);
  }
  return out;
}
async function readConfigBytes(root, driver, id) {
  const path = join12(imageDbDir(root, driver), "content", "sha256", hexOf(id));
  try {
    const st = await stat8(path);
    if (st.size > JsonLimits.config) throw new BalerError("E_FORMAT", `${path}: larger than ${JsonLimits.config} bytes`);
    return await readFile5(path);
  } catch (err) {
    throw fromSystemError(err, path);
  }
}

// src/transports/docker-root/source.ts
var DockerRootSource = class {
  constructor(ref2, root, driver, options = {}) {
    this.ref = ref2;
    this.root = root;
    this.driver = driver;
    this.options = options;
  }
  ref;
  root;
  driver;
  options;
  warnings = [];
  visible;
  resolved = /* @__PURE__ */ new Map();
  layerByChain = /* @__PURE__ */ new Map();
  manifests = /* @__PURE__ */ new Map();
  configs = /* @__PURE__ */ new Map();
  layers = /* @__PURE__ */ new Map();
  temp;
  /** Names of every stored image (filled by images()), for messages. */
  names = /* @__PURE__ */ new Map();
  /** Images with their names; unnamed images that are only a build step of another image are hidden, as `docker images` does. */
  images() {
    this.visible ??= (async () => {
      const [stored, names] = await Promise.all([listStoredImages(this.root, this.driver), readRepositories(this.root, this.driver)]);
      this.names = names;
      const parents = new Set(stored.map((s) => s.parent).filter((p) => p !== void 0));
      const all = stored.map((s) => ({ stored: s, names: names.get(s.id) ?? [] }));
      const wanted = this.ref.image;
      if (wanted !== void 0) {
        const picked = all.filter((v) => imageMatches(wanted, v.stored.id, v.names));
        if (picked.length === 0) throw new BalerError("E_NOT_FOUND", `${this.ref.toString()}: no such image ${JSON.stringify(wanted)} in ${this.root}`);
        return picked;
      }
      return all.filter((v) => v.names.length > 0 || !parents.has(v.stored.id));
    })();
    return this.visible;
  }
  /**
   * One entry per visible image. Listing the whole root skips (with a warning) an image whose files are
   * damaged beyond repair, so one broken image does not hide the others; a named image fails instead.
   */
  async list() {
    const out = [];
    for (const v of await this.images()) {
      let img;
      try {
        img = await this.resolve(v.stored.id);
      } catch (err) {
        if (this.ref.image !== void 0 || !(err instanceof BalerError) || err.code === "E_CANCELLED" || err.code === "E_PATH_ESCAPE") throw err;
        this.warn("W_IMAGE_SKIPPED", `skipped image ${v.stored.id}${this.nameHint(v.stored.id)}: ${err.message}`);
        continue;
      }
      const entry = {
        descriptor: { mediaType: MediaTypes.ociManifest, digest: img.manifestDigest, size: img.manifest.length },
        names: v.names
      };
      const created = parseImageConfig(img.config, `${this.root}: image ${img.id}`).created;
      if (created) entry.created = created;
      out.push(entry);
    }
    return out;
  }
  async fetchManifest(d) {
    const m = this.manifests.get(d.digest);
    if (!m) throw new BalerError("E_NOT_FOUND", `${this.ref.toString()}: no manifest ${d.digest} (list the images first)`);
    return m;
  }
  async fetchBlob(d, signal) {
    const config = this.configs.get(d.digest);
    if (config) return Readable7.from([config], { objectMode: false });
    const layer = this.layers.get(d.digest);
    if (layer) return layer.open(signal);
    throw new BalerError("E_NOT_FOUND", `${this.ref.toString()}: no blob ${d.digest} in ${this.root}`);
  }
  /** Config bytes, layers and synthesized manifest of one stored image (memoised). */
  resolve(storedId) {
    let p = this.resolved.get(storedId);
    if (!p) {
      p = this.resolveUncached(storedId);
      this.resolved.set(storedId, p);
    }
    return p;
  }
  async resolveUncached(storedId) {
    const what = `${this.root}: image ${shortId(storedId)}`;
    const stored = await readConfigBytes(this.root, this.driver, storedId);
    if (sha256Of(stored) !== storedId) throw new BalerError("E_DIGEST_MISMATCH", `${what}: config does not hash to its image ID (got ${sha256Of(stored)})`);
    const parsed = parseImageConfig(stored, what);
    const diffIds = parsed.rootfs.diff_ids;
    const chains = chainIds(diffIds);
    const layers = [];
    for (const [i, chain] of chains.entries()) {
      const entry = await readLayerDbEntry(this.root, this.driver, chain);
      if (entry.diffId !== diffIds[i]) {
        throw new BalerError("E_FORMAT", `${what}: layer ${i} (${chain}) has diff ${entry.diffId} in the layer database, the config says ${diffIds[i]}`);
      }
      layers.push(await this.layer(entry, what));
    }
    const rebuilt = layers.some((l, i) => l.digest !== diffIds[i]);
    const config = rebuilt ? reidentifiedConfig(stored, parsed, layers.map((l) => l.digest)) : stored;
    const id = sha256Of(config);
    if (rebuilt) {
      this.warn("W_REIDENTIFIED", `${what}${this.nameHint(storedId)}: some layers were rebuilt from their directories, so the copy gets a new config and image ID ${id} (was ${storedId})`);
    }
    const manifest = serializeManifest({
      schemaVersion: 2,
      mediaType: MediaTypes.ociManifest,
      config: { mediaType: MediaTypes.ociConfig, digest: id, size: config.length },
      layers: layers.map((l) => ({ mediaType: MediaTypes.ociLayer, digest: l.digest, size: l.size }))
    });
    const manifestDigest = sha256Of(manifest);
    this.manifests.set(manifestDigest, manifest);
    this.configs.set(id, config);
    for (const l of layers) this.layers.set(l.digest, l);
    return { id, storedId, config, manifest, manifestDigest, layers };
  }
  nameHint(id) {
    const names = this.names.get(id);
    return names && names.length > 0 ? ` (${names.map(familiarName).join(", ")})` : "";
  }
  layer(entry, what) {
    let p = this.layerByChain.get(entry.chainId);
    if (!p) {
      p = this.layerUncached(entry, what);
      this.layerByChain.set(entry.chainId, p);
    }
    return p;
  }
  async layerUncached(entry, what) {
    const dir = layerDataDir(this.root, this.driver, entry.cacheId);
    const label = `${what}: layer ${entry.diffId}`;
    let problem;
    if (entry.tarSplitPath) {
      const tarSplit = entry.tarSplitPath;
      const plan = await planLayerTar(tarSplit, dir).catch((err) => {
        if (err instanceof BalerError && (err.code === "E_FORMAT" || err.code === "E_TRUNCATED")) return { size: 0, files: 0, problem: err.message };
        throw err;
      });
      const deep = plan.problem === void 0 && this.options.deepCheck ? await verifyLayerContent(tarSplit, dir, label, this.options.signal) : void 0;
      if (plan.problem === void 0 && deep === void 0) {
        return { digest: entry.diffId, size: plan.size, open: (signal) => regenerateLayerTar(tarSplit, dir, label, signal) };
      }
      problem = plan.problem ?? deep ?? "unknown";
    } else {
      problem = `${entry.dir}/tar-split.json.gz is missing`;
    }
    const parentDir = await this.parentDataDir(entry);
    const temp = await this.tempDir();
    const { buildLayerTarFromDir } = await import("./dir-tar-TH3JUDUX.js");
    const built = await buildLayerTarFromDir({
      dir,
      mode: this.driver === "overlay2" ? "overlay-diff" : parentDir !== void 0 ? "vfs-diff" : "rootfs",
      ...parentDir !== void 0 ? { parentDir } : {},
      tempDir: temp.path,
      what: label,
      onWarning: (code, message) => this.warn(code, message),
      ...this.options.signal ? { signal: this.options.signal } : {}
    });
    this.warn(
      "W_LAYER_REBUILT",
      `${label}: cannot be regenerated byte for byte (${problem}); rebuilt it from ${dir}, new digest ${built.digest}`
    );
    return { digest: built.digest, size: built.size, open: () => createReadStream6(built.path, { highWaterMark: 1024 * 1024 }) };
  }
  /** vfs keeps full copies, so a layer's own changes are found by comparing with its parent's copy. */
  async parentDataDir(entry) {
    if (this.driver !== "vfs" || !entry.parent) return void 0;
    const parent = await readLayerDbEntry(this.root, this.driver, entry.parent);
    return layerDataDir(this.root, this.driver, parent.cacheId);
  }
  tempDir() {
    this.temp ??= makeTempDir("baler-docker-root-");
    return this.temp;
  }
  warn(code, message) {
    this.warnings.push(message);
    this.options.onWarning?.(code, message);
  }
  async [Symbol.asyncDispose]() {
    const t = this.temp;
    this.temp = void 0;
    if (t) await (await t).remove();
  }
};
function reidentifiedConfig(stored, parsed, diffIds) {
  const raw = JSON.parse(stored.toString("utf8"));
  raw.rootfs = { ...raw.rootfs, type: parsed.rootfs.type, diff_ids: diffIds };
  return Buffer.from(JSON.stringify(raw), "utf8");
}
async function openDockerRootSource(ref2, o = {}) {
  const driver = await detectStorageDriver(ref2.location);
  return new DockerRootSource(ref2, ref2.location, driver, o);
}

// src/transports/docker-root/transport.ts
var dockerRootTransport = {
  name: "docker-root",
  parse(spec) {
    const { location, image } = splitDockerRootSpec(spec);
    return new DockerRootRef(dockerRootTransport, location, image, (ref2, o) => openDockerRootSource(ref2, o));
  }
};

// src/transports/docker-daemon/client.ts
import { request } from "node:http";
var DEFAULT_DOCKER_SOCKET = "/var/run/docker.sock";
function dockerSocketFromEnv(env = process.env) {
  const host = env.DOCKER_HOST;
  if (!host) return DEFAULT_DOCKER_SOCKET;
  if (host.startsWith("unix://")) return host.slice("unix://".length);
  if (host.startsWith("/")) return host;
  throw new BalerError("E_UNSUPPORTED", `DOCKER_HOST=${host}: only unix:// sockets are supported`);
}
var DockerEngine = class {
  constructor(socketPath) {
    this.socketPath = socketPath;
  }
  socketPath;
  get label() {
    return `docker daemon at unix://${this.socketPath}`;
  }
  /** Sends a request and resolves with the response once its status is known; ≥400 becomes a BalerError. */
  async send(method, path, o = {}) {
    const res = await new Promise((resolve6, reject) => {
      const req = request({ socketPath: this.socketPath, method, path, headers: { Host: "docker", ...o.headers ?? {} }, ...o.signal ? { signal: o.signal } : {} }, resolve6);
      req.on("error", (err) => {
        if (err.name === "AbortError") reject(new BalerError("E_CANCELLED", `${this.label}: cancelled`, { cause: err }));
        else if (err.code === "ENOENT" || err.code === "ECONNREFUSED") reject(new BalerError("E_IO", `cannot connect to the ${this.label}: is the daemon running?`, { cause: err }));
        else if (err.code === "EACCES") reject(new BalerError("E_IO", `cannot connect to the ${this.label}: permission denied (root or the docker group is needed)`, { cause: err }));
        else reject(new BalerError("E_IO", `${this.label}: ${err.message}`, { cause: err }));
      });
      if (o.body) {
        o.body.on("error", (err) => req.destroy(err));
        o.body.pipe(req);
      } else req.end();
    });
    const status = res.statusCode ?? 0;
    if (status >= 400) {
      const text = (await readAtMost(res, 64 * 1024, `${this.label} error body`).catch(() => Buffer.alloc(0))).toString("utf8");
      let message = text.trim();
      try {
        const o2 = JSON.parse(text);
        if (isObject(o2) && typeof o2.message === "string") message = o2.message;
      } catch {
      }
      const code = status === 404 ? "E_NOT_FOUND" : "E_PEER";
      throw new BalerError(code, `${this.label}: ${method} ${path.split("?")[0]}: ${message || `HTTP ${status}`}`);
    }
    return res;
  }
  async json(method, path) {
    const res = await this.send(method, path);
    return parseJsonBytes(await readAtMost(res, 64 * 1024 * 1024, `${this.label} ${path}`), `${this.label} ${path}`, 64 * 1024 * 1024);
  }
  async ping() {
    (await this.send("GET", "/_ping")).resume();
  }
  async listImages() {
    const rows = await this.json("GET", "/images/json");
    if (!Array.isArray(rows)) throw new BalerError("E_PEER", `${this.label}: /images/json did not return a list`);
    return rows.filter(isObject).map((r) => ({
      id: typeof r.Id === "string" ? r.Id : "",
      repoTags: Array.isArray(r.RepoTags) ? r.RepoTags.filter((t) => typeof t === "string" && t !== "<none>:<none>") : [],
      created: typeof r.Created === "number" ? r.Created : 0,
      size: typeof r.Size === "number" ? r.Size : 0
    }));
  }
  /** `docker save`: a docker-archive stream of the named images (names or IDs). */
  async exportImages(names, signal) {
    const q = names.map((n) => `names=${encodeURIComponent(n)}`).join("&");
    return this.send("GET", `/images/get?${q}`, signal ? { signal } : {});
  }
  /**
   * `docker load`: posts a docker-archive and returns the daemon's progress messages ("Loaded image: …").
   * The daemon reports a failed load inside a 200 response as {"errorDetail"…}: that becomes E_PEER.
   */
  async loadImages(body, size, signal) {
    const res = await this.send("POST", "/images/load?quiet=1", {
      body,
      headers: { "Content-Type": "application/x-tar", "Content-Length": String(size) },
      ...signal ? { signal } : {}
    });
    const text = (await readAtMost(res, 16 * 1024 * 1024, `${this.label} load response`)).toString("utf8");
    const messages = [];
    for (const line of text.split(/\r?\n/)) {
      if (line.trim() === "") continue;
      let o;
      try {
        o = JSON.parse(line);
      } catch {
        messages.push(line.trim());
        continue;
      }
      if (!isObject(o)) continue;
      if (typeof o.error === "string") throw new BalerError("E_PEER", `${this.label}: load failed: ${o.error}`);
      if (typeof o.stream === "string" && o.stream.trim()) messages.push(o.stream.trim());
    }
    return messages;
  }
};

// src/transports/docker-daemon/sink.ts
import { createReadStream as createReadStream7 } from "node:fs";
import { stat as stat9 } from "node:fs/promises";
var DockerDaemonSink = class _DockerDaemonSink {
  constructor(ref2, engine, inner, file, temp, signal) {
    this.ref = ref2;
    this.engine = engine;
    this.inner = inner;
    this.file = file;
    this.temp = temp;
    this.signal = signal;
    this.caps = inner.caps;
  }
  ref;
  engine;
  inner;
  file;
  temp;
  signal;
  caps;
  static async open(ref2, engine, o = {}) {
    await engine.ping();
    const temp = await makeTempDir("baler-docker-load-");
    try {
      const file = `${temp.path}/load.tar`;
      const inner = await dockerArchiveTransport.parse(`docker-archive:${file}`).openSink({ overwrite: true });
      return new _DockerDaemonSink(ref2, engine, inner, file, temp, o.signal);
    } catch (err) {
      await temp.remove();
      throw err;
    }
  }
  hasBlob(d) {
    return this.inner.hasBlob(d);
  }
  putBlob(body, info, signal) {
    return this.inner.putBlob(body, info, signal);
  }
  putManifest(bytes, d) {
    return this.inner.putManifest(bytes, d);
  }
  addImage(d, name) {
    return this.inner.addImage(d, name);
  }
  async commit() {
    await this.inner.commit();
    const size = (await stat9(this.file)).size;
    await this.engine.loadImages(createReadStream7(this.file, { highWaterMark: 1024 * 1024 }), size, this.signal);
    return { moved: [], location: this.engine.label };
  }
  async [Symbol.asyncDispose]() {
    try {
      await this.inner[Symbol.asyncDispose]();
    } finally {
      await this.temp.remove();
    }
  }
};

// src/transports/docker-daemon/source.ts
var DockerDaemonSource = class {
  constructor(ref2, engine, o = {}) {
    this.ref = ref2;
    this.engine = engine;
    this.o = o;
  }
  ref;
  engine;
  o;
  inner;
  temp;
  archive() {
    this.inner ??= (async () => {
      const names = this.ref.image !== void 0 ? [this.ref.image] : await this.allImageNames();
      if (names.length === 0) throw new BalerError("E_NOT_FOUND", `${this.engine.label}: holds no images`);
      this.temp = await makeTempDir("baler-docker-save-");
      const body = await this.engine.exportImages(names, this.o.signal);
      const spooled = await spoolToFile(body, this.temp.path, "save.tar", this.o.signal);
      return dockerArchiveTransport.parse(`docker-archive:${spooled.path}`).openSource(this.o.signal ? { signal: this.o.signal } : {});
    })();
    return this.inner;
  }
  /** Tags for named images (so names survive), IDs for the rest. */
  async allImageNames() {
    const out = [];
    for (const img of await this.engine.listImages()) {
      if (img.repoTags.length > 0) out.push(...img.repoTags);
      else if (img.id) out.push(img.id);
    }
    return out;
  }
  async list() {
    return (await this.archive()).list();
  }
  async fetchManifest(d) {
    return (await this.archive()).fetchManifest(d);
  }
  async fetchBlob(d, signal) {
    return (await this.archive()).fetchBlob(d, signal);
  }
  async [Symbol.asyncDispose]() {
    const inner = this.inner;
    this.inner = void 0;
    if (inner) await (await inner.catch(() => void 0))?.[Symbol.asyncDispose]();
    await this.temp?.remove();
  }
};

// src/transports/docker-daemon/transport.ts
var DockerDaemonRef = class {
  constructor(transport, location, image) {
    this.transport = transport;
    this.location = location;
    if (image !== void 0) this.image = image;
  }
  transport;
  location;
  image;
  toString() {
    return `docker${this.image !== void 0 ? `:${this.image}` : ""}`;
  }
  async openSource(o = {}) {
    const engine = new DockerEngine(this.location);
    await engine.ping();
    return new DockerDaemonSource(this, engine, o);
  }
  openSink(o = {}) {
    if (this.image !== void 0) {
      return Promise.reject(new BalerError("E_USAGE", `${this.toString()}: name the images with the verb (e.g. --tag), not in the docker: reference`));
    }
    return DockerDaemonSink.open(this, new DockerEngine(this.location), o);
  }
};
var dockerDaemonTransport = {
  name: "docker",
  parse(spec) {
    const body = spec === "docker" ? "" : spec.startsWith("docker:") ? spec.slice("docker:".length) : spec;
    return dockerDaemonRefAt(dockerSocketFromEnv(), body === "" ? void 0 : body);
  }
};
function dockerDaemonRefAt(socketPath, image) {
  return new DockerDaemonRef(dockerDaemonTransport, socketPath, image);
}

// src/transports/oci-archive/sink.ts
var OciArchiveSink = class _OciArchiveSink extends LayoutArchiveSink {
  caps = {
    manifestTypes: [MediaTypes.ociManifest, MediaTypes.dockerManifest, MediaTypes.ociIndex, MediaTypes.dockerList],
    layerCompressions: ["gzip", "zstd", "none"],
    needsSizeFirst: true,
    parallelPuts: false,
    multiImage: true,
    keepsIndexes: true
  };
  static async open(ref2, o = {}) {
    const what = ref2.location === "-" ? "stdout" : ref2.location;
    return new _OciArchiveSink(ref2, await LayoutArchiveSink.output(ref2, o), what);
  }
};

// src/transports/oci-archive/source.ts
var OciArchiveSource = class _OciArchiveSource extends ArchiveSource {
  static async open(ref2, o = {}) {
    const archive = await openArchiveFile(ref2.location, ref2.location === "-" ? "stdin" : ref2.location, o);
    try {
      if (!ArchiveLayout.isLayout(archive)) {
        const hint = archive.kind() === "docker-archive" ? " (it is a docker-archive)" : "";
        throw new BalerError("E_FORMAT", `${archive.what}: not an oci-archive, no index.json and oci-layout${hint}`);
      }
      return new _OciArchiveSource(ref2, archive);
    } catch (err) {
      await archive.close();
      throw err;
    }
  }
  async listAll() {
    const index = await this.layout.readIndex();
    const entries = index.manifests.map((d) => {
      const name = nameFromIndexEntry(d);
      return { descriptor: d, names: [name].filter((n) => n !== void 0) };
    });
    return mergeByDigest(entries);
  }
};

// src/transports/oci-archive/transport.ts
var ociArchiveTransport = {
  name: "oci-archive",
  parse(spec) {
    const { location, image } = splitArchiveSpec("oci-archive", spec);
    return new ArchiveRef(ociArchiveTransport, location, image, {
      source: (ref2, o) => OciArchiveSource.open(ref2, o.signal ? { signal: o.signal } : {}),
      sink: (ref2, o) => OciArchiveSink.open(ref2, o)
    });
  }
};

// src/transports/oci-layout/transport.ts
import { resolve as resolve3 } from "node:path";
var OciLayoutRef = class {
  transport = ociLayoutTransport;
  location;
  image;
  constructor(dir, image) {
    this.location = resolve3(dir);
    if (image !== void 0) this.image = image;
  }
  toString() {
    return `oci:${this.location}${this.image !== void 0 ? `:${this.image}` : ""}`;
  }
  async openSource(_o) {
    return new LayoutSource(this, await openExistingLayout(this.location));
  }
  /** Creates the layout when missing, appends to it otherwise (other images stay). */
  async openSink(_o) {
    await ensureLayout(this.location);
    const store = new Store(this.location);
    return new LayoutSink(this, store.writer(this.location), this.image);
  }
};
function parseOciLayoutSpec(spec) {
  const body = spec.startsWith("oci:") ? spec.slice("oci:".length) : spec;
  const colon = body.indexOf(":");
  const dir = colon >= 0 ? body.slice(0, colon) : body;
  const image = colon >= 0 ? body.slice(colon + 1) : void 0;
  if (dir === "") throw new BalerError("E_USAGE", `${JSON.stringify(spec)}: expected oci:DIR[:IMAGE]`);
  if (image === "") throw new BalerError("E_USAGE", `${JSON.stringify(spec)}: empty IMAGE after the directory`);
  return new OciLayoutRef(dir, image);
}
var ociLayoutTransport = {
  name: "oci",
  parse: parseOciLayoutSpec
};

// src/transports/registry.ts
var transportSpecs = ["store", "store:DIR", "docker-archive:FILE[:IMAGE]", "oci-archive:FILE[:IMAGE]", "oci:DIR[:IMAGE]", "docker-root:DIR[:IMAGE]", "docker[:IMAGE]"];
function absolute(path, cwd) {
  return path === "-" || isAbsolute2(path) ? path : resolve4(cwd, path);
}
function splitLocation(body, spec) {
  const colon = body.indexOf(":");
  const path = colon < 0 ? body : body.slice(0, colon);
  if (path === "") throw new BalerError("E_USAGE", `${JSON.stringify(spec)}: missing the path after the transport name`);
  return colon < 0 ? { path } : { path, image: body.slice(colon + 1) };
}
function rejoin(transport, path, image) {
  return `${transport}:${path}${image !== void 0 ? `:${image}` : ""}`;
}
function parseTransportRef(spec, ctx) {
  const colon = spec.indexOf(":");
  const name = colon < 0 ? spec : spec.slice(0, colon);
  const body = colon < 0 ? "" : spec.slice(colon + 1);
  switch (name) {
    case "store":
      if (colon < 0) return storeRef(ctx.storePath);
      if (body === "") throw new BalerError("E_USAGE", `${JSON.stringify(spec)}: expected store or store:DIR`);
      return storeRef(absolute(body, ctx.cwd));
    case "docker-archive":
    case "oci-archive":
    case "oci": {
      const { path, image } = splitLocation(body, spec);
      const transport = name === "docker-archive" ? dockerArchiveTransport : name === "oci-archive" ? ociArchiveTransport : ociLayoutTransport;
      if (name === "oci" && path === "-") throw new BalerError("E_USAGE", `${JSON.stringify(spec)}: an OCI layout is a directory; use oci-archive:- for a stream`);
      return transport.parse(rejoin(name, absolute(path, ctx.cwd), image));
    }
    case "docker":
      return dockerDaemonTransport.parse(spec);
    case "docker-root": {
      if (colon < 0 || body === "") return dockerRootTransport.parse("docker-root:");
      const { path, image } = splitLocation(body, spec);
      return dockerRootTransport.parse(rejoin(name, absolute(path, ctx.cwd), image));
    }
    default:
      throw new BalerError("E_USAGE", `${JSON.stringify(spec)}: unknown transport ${JSON.stringify(name)}; expected one of ${transportSpecs.join(", ")}`);
  }
}

// src/pipeline/source-image.ts
import { pipeline as pipeline10 } from "node:stream";
var ONE_PLATFORM = { manifestTypes: [], layerCompressions: ["none"], needsSizeFirst: false, parallelPuts: false, multiImage: false, keepsIndexes: false };
async function resolveSourceImage(source, query, o = {}) {
  const sourceLabel = source.ref.toString();
  const cache = /* @__PURE__ */ new Map();
  const listed = await listImages(source, sourceLabel, cache);
  if (listed.length === 0) throw new BalerError("E_NOT_FOUND", `${sourceLabel}: holds no images`);
  const selected = selectImages(listed, query === void 0 ? { kind: "all" } : { kind: "refs", refs: [query] }, sourceLabel);
  if (selected.length !== 1 || !selected[0]) {
    const what = query === void 0 ? `${sourceLabel} holds ${selected.length} images` : `${JSON.stringify(query)} matches ${selected.length} images in ${sourceLabel}`;
    throw new BalerError("E_USAGE", `${what}; name exactly one (e.g. ${sourceLabel}:NAME:TAG)`);
  }
  const sel = selected[0];
  const names = sel.names.length ? sel.names : sel.image.names;
  const label = imageLabel(names, sel.image.id);
  const node = await loadNode(sel.image, {
    source,
    caps: ONE_PLATFORM,
    ...o.platform ? { platform: o.platform } : {},
    label,
    ...o.signal ? { signal: o.signal } : {},
    cache,
    warn: o.warn ?? (() => void 0)
  });
  const image = imagesOf(node)[0];
  if (!image) throw new BalerError("E_NOT_FOUND", `${label}: the index holds no image`);
  return { node: image, names, label };
}
function layerTarsOf(source, image) {
  const layers = image.node.manifest.layers;
  const diffIds = image.node.config.parsed.rootfs.diff_ids;
  const what = (i) => {
    const d = layers[i];
    return `layer ${i + 1}/${layers.length} (${d ? shortId(d.digest) : "?"}) of ${image.label}`;
  };
  return {
    count: layers.length,
    what,
    async open(i, signal) {
      const d = layers[i];
      const diffId = diffIds[i];
      if (!d || !diffId) throw new BalerError("E_INTERNAL", `Internal error: no layer ${i} in ${image.label}`);
      const raw = await source.fetchBlob(d, signal);
      const stored = new VerifyingStream(d.digest, d.size, what(i));
      pipeline10(raw, stored, () => void 0);
      const { stream } = await decompressAuto(stored, what(i));
      const tar = new VerifyingStream(diffId, void 0, `${what(i)}: uncompressed (diff_id)`);
      pipeline10(stream, tar, () => void 0);
      return tar;
    }
  };
}

// src/pipeline/export.ts
import { once as once2 } from "node:events";
import { pipeline as pipeline11 } from "node:stream/promises";
import micromatch from "micromatch";

// src/tar/flatten/tree.ts
var WHITEOUT_PREFIX = ".wh.";
var XATTR_PREFIXES = ["SCHILY.xattr.", "LIBARCHIVE.xattr."];
function xattrsOf(pax) {
  if (!pax) return void 0;
  let out;
  for (const [k, v] of Object.entries(pax)) {
    if (XATTR_PREFIXES.some((p) => k.startsWith(p))) (out ??= {})[k] = v;
  }
  return out;
}
function metaOf(e, type) {
  const m = { type, mode: e.mode & 4095, uid: e.uid, gid: e.gid, mtime: e.mtime };
  if (e.uname) m.uname = e.uname;
  if (e.gname) m.gname = e.gname;
  if (type === "symlink" && e.linkname !== void 0) m.linkname = e.linkname;
  if (type === "char" || type === "block") {
    m.devmajor = e.devmajor ?? 0;
    m.devminor = e.devminor ?? 0;
  }
  const x = xattrsOf(e.pax);
  if (x) m.xattrs = x;
  return m;
}
function compareNames(a, b) {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
var FsTree = class {
  root;
  nextInode = 1;
  /** Bytes of regular-file data across all layers, for "bytes reclaimed". */
  totalFileBytes = 0;
  constructor() {
    this.root = { kind: "dir", name: "", parent: void 0, children: /* @__PURE__ */ new Map(), meta: { type: "dir", mode: 493, uid: 0, gid: 0, mtime: 0 }, layer: -1, touched: -1 };
  }
  /**
   * Applies one header. `layer` counts from 0 at the base; `ordinal` is the entry's position in that
   * layer's tar stream (the emitter finds file bytes by it in pass 2). `what` names the layer in errors.
   */
  apply(layer, ordinal, e, what) {
    if (e.path === "") {
      if (e.type === "dir") this.root.meta = metaOf(e, "dir");
      return;
    }
    const slash = e.path.lastIndexOf("/");
    const dirPath = slash < 0 ? "" : e.path.slice(0, slash);
    const base = e.path.slice(slash + 1);
    if (base.startsWith(WHITEOUT_PREFIX)) {
      this.applyWhiteout(layer, dirPath, base);
      return;
    }
    const parent = this.ensureDir(dirPath, layer, e.mtime);
    const existing = parent.children.get(base);
    if (e.type === "dir") {
      if (existing?.kind === "dir") {
        existing.meta = metaOf(e, "dir");
        existing.layer = layer;
        existing.touched = layer;
        return;
      }
      if (existing) this.unlink(existing);
      parent.children.set(base, { kind: "dir", name: base, parent, children: /* @__PURE__ */ new Map(), meta: metaOf(e, "dir"), layer, touched: layer });
      return;
    }
    if (e.type === "hardlink") {
      this.applyHardlink(layer, parent, base, e, what);
      return;
    }
    if (e.type === "other") throw new BalerError("E_UNSUPPORTED", `${what}: entry ${JSON.stringify(e.path)} has an unsupported tar entry type`);
    const type = e.type === "contiguous" ? "file" : e.type;
    const inode = { id: this.nextInode++, meta: metaOf(e, type), size: type === "file" ? e.size : 0, names: /* @__PURE__ */ new Set() };
    if (type === "file") {
      inode.data = { layer, ordinal };
      this.totalFileBytes += e.size;
    }
    if (existing) this.unlink(existing);
    const leaf = { kind: "leaf", name: base, parent, inode, layer };
    inode.names.add(leaf);
    parent.children.set(base, leaf);
  }
  /** The node at a normalised path, if any. */
  lookup(path) {
    if (path === "") return this.root;
    let cur = this.root;
    for (const part of path.split("/")) {
      if (cur.kind !== "dir") return void 0;
      const next = cur.children.get(part);
      if (!next) return void 0;
      cur = next;
    }
    return cur;
  }
  /**
   * Every surviving node in `docker export`'s walk order: a directory before its children,
   * siblings sorted by name. The root itself is not yielded.
   */
  *walk(dir = this.root) {
    for (const n of this.walkChildren(dir)) {
      yield n;
      if (n.kind === "dir") yield* this.walk(n);
    }
  }
  /** The children of one directory, sorted by name. */
  walkChildren(dir) {
    return [...dir.children.keys()].sort(compareNames).map((name) => dir.children.get(name));
  }
  applyHardlink(layer, parent, base, e, what) {
    const target = e.linkname === void 0 ? void 0 : this.lookup(e.linkname);
    if (!target || target.kind !== "leaf") {
      throw new BalerError("E_FORMAT", `${what}: hard link ${JSON.stringify(e.path)} points at ${JSON.stringify(e.linkname ?? "")}, which is ${target ? "a directory" : "missing"}`);
    }
    const existing = parent.children.get(base);
    if (existing === target) return;
    const inode = target.inode;
    if (inode.meta.type !== "symlink") {
      inode.meta = { ...inode.meta, mode: e.mode & 4095, uid: e.uid, gid: e.gid, mtime: e.mtime };
      if (e.uname) inode.meta.uname = e.uname;
      if (e.gname) inode.meta.gname = e.gname;
    }
    if (existing) this.unlink(existing);
    const leaf = { kind: "leaf", name: base, parent, inode, layer };
    inode.names.add(leaf);
    parent.children.set(base, leaf);
  }
  applyWhiteout(layer, dirPath, base) {
    const dir = this.lookup(dirPath);
    if (!dir || dir.kind !== "dir") return;
    if (base === OPAQUE_MARKER) {
      this.removeLower(dir, layer);
      return;
    }
    if (base.startsWith(`${WHITEOUT_PREFIX}${WHITEOUT_PREFIX}`)) return;
    const victim = dir.children.get(base.slice(WHITEOUT_PREFIX.length));
    if (!victim) return;
    const sameLayer = victim.kind === "dir" ? victim.touched === layer : victim.layer === layer;
    if (!sameLayer) this.unlink(victim);
  }
  removeLower(dir, layer) {
    for (const child of [...dir.children.values()]) {
      if (child.kind === "dir" && child.touched === layer) {
        this.removeLower(child, layer);
      } else if (child.layer !== layer) {
        this.unlink(child);
      }
    }
  }
  /** Creates missing parents (rule 5): owned by root, 0755 (overlay2's choice; vfs uses 0600), the child's mtime. */
  ensureDir(path, layer, mtime) {
    let cur = this.root;
    cur.touched = layer;
    if (path === "") return cur;
    for (const part of path.split("/")) {
      let next = cur.children.get(part);
      if (!next || next.kind !== "dir") {
        if (next) this.unlink(next);
        next = { kind: "dir", name: part, parent: cur, children: /* @__PURE__ */ new Map(), meta: { type: "dir", mode: 493, uid: 0, gid: 0, uname: "root", gname: "root", mtime }, layer, touched: layer };
        cur.children.set(part, next);
      }
      next.touched = layer;
      cur = next;
    }
    return cur;
  }
  /** Removes a name (and a directory's whole subtree); an inode lives on while another name holds it. */
  unlink(n) {
    n.parent?.children.delete(n.name);
    this.dropNames(n);
  }
  dropNames(n) {
    if (n.kind === "leaf") n.inode.names.delete(n);
    else for (const c of n.children.values()) this.dropNames(c);
  }
};

// src/tar/flatten/emit.ts
function entryPath(name, what) {
  if (name.startsWith("/")) throw new BalerError("E_PATH_ESCAPE", `${what}: entry ${JSON.stringify(name)} is an absolute path`);
  return normalizeEntryPath(name, what);
}
function toFsEntry(h, what) {
  const e = { path: entryPath(h.name, what), type: h.type, size: h.size, mode: h.mode, uid: h.uid, gid: h.gid, mtime: h.mtime };
  if (h.uname) e.uname = h.uname;
  if (h.gname) e.gname = h.gname;
  if (h.linkname !== void 0) e.linkname = h.type === "hardlink" ? entryPath(h.linkname, `${what}: hard link ${JSON.stringify(h.name)}, target`) : h.linkname;
  if (h.devmajor !== void 0) e.devmajor = h.devmajor;
  if (h.devminor !== void 0) e.devminor = h.devminor;
  if (h.pax) e.pax = h.pax;
  return e;
}
async function forEachEntry(stream, what, signal, fn) {
  let ordinal = 0;
  try {
    for await (const { header, body } of readTarEntries(stream, what)) {
      if (signal?.aborted) throw new BalerError("E_CANCELLED", `${what}: cancelled`);
      if (await fn(header, body, ordinal++) === "stop") return;
    }
    if (!stream.readableEnded && !stream.destroyed) {
      for await (const _ of stream) {
      }
    }
  } finally {
    if (!stream.destroyed) stream.destroy();
  }
}
async function skipBody(body) {
  for await (const _ of body) {
  }
}
async function scanLayers(layers, signal) {
  const tree = new FsTree();
  for (let i = 0; i < layers.count; i++) {
    const what = layers.what(i);
    await forEachEntry(await layers.open(i, signal), what, signal, async (h, body, ordinal) => {
      await skipBody(body);
      tree.apply(i, ordinal, toFsEntry(h, what), what);
    });
  }
  return tree;
}
async function emitFlattened(layers, plan, writer, signal) {
  let entries = 0;
  let bytes = 0;
  for (const h of plan.upfront) {
    await writer.add(h);
    entries++;
  }
  for (let i = 0; i < layers.count; i++) {
    const wanted = plan.fromLayers.get(i);
    if (!wanted || wanted.size === 0) continue;
    const what = layers.what(i);
    let left = wanted.size;
    await forEachEntry(await layers.open(i, signal), what, signal, async (h, body, ordinal) => {
      const emit = wanted.get(ordinal);
      if (!emit) {
        await skipBody(body);
        return;
      }
      if (h.size !== emit.file.size) {
        throw new BalerError("E_DIGEST_MISMATCH", `${what}: entry ${JSON.stringify(h.name)} changed between reads`);
      }
      await writer.add(emit.file, body);
      entries++;
      bytes += emit.file.size;
      for (const link of emit.links) {
        await writer.add(link);
        entries++;
      }
      left--;
      return left === 0 ? "stop" : void 0;
    });
    if (left !== 0) throw new BalerError("E_DIGEST_MISMATCH", `${what}: ${left} entries seen in the first read were missing in the second`);
  }
  return { entries, bytes };
}

// src/tar/flatten/plan.ts
function headerOf(name, meta, size) {
  const h = { name, type: meta.type, size, mode: meta.mode, uid: meta.uid, gid: meta.gid, mtime: meta.mtime };
  if (meta.uname) h.uname = meta.uname;
  if (meta.gname) h.gname = meta.gname;
  if (meta.linkname !== void 0) h.linkname = meta.linkname;
  if (meta.devmajor !== void 0) h.devmajor = meta.devmajor;
  if (meta.devminor !== void 0) h.devminor = meta.devminor;
  if (meta.xattrs) h.pax = { ...meta.xattrs };
  return h;
}
function linkHeader(name, target, meta) {
  const h = headerOf(name, meta, 0);
  h.type = "hardlink";
  h.linkname = target;
  delete h.devmajor;
  delete h.devminor;
  return h;
}
function needsLayerBytes(inode) {
  return inode.meta.type === "file" && inode.size > 0 && inode.data !== void 0;
}
function planFlatten(tree, filter = () => true) {
  const kept = /* @__PURE__ */ new Map();
  const order = [];
  const visit = (dir, prefix) => {
    let keptBelow = 0;
    for (const n of tree.walkChildren(dir)) {
      const path = prefix === "" ? n.name : `${prefix}/${n.name}`;
      if (n.kind === "dir") {
        const slot = order.length;
        order.push({ path, node: n });
        const below = visit(n, path);
        if (below === 0 && !filter(path, true)) order.splice(slot, 1);
        else keptBelow += below + 1;
      } else if (filter(path, false)) {
        order.push({ path, node: n });
        const names = kept.get(n.inode) ?? [];
        names.push(path);
        kept.set(n.inode, names);
        keptBelow++;
      }
    }
    return keptBelow;
  };
  visit(tree.root, "");
  const upfront = [];
  const fromLayers = /* @__PURE__ */ new Map();
  let bytes = 0;
  for (const { path, node } of order) {
    if (node.kind === "dir") {
      upfront.push(headerOf(path, node.meta, 0));
      continue;
    }
    const inode = node.inode;
    const names = kept.get(inode) ?? [];
    const first = names[0];
    if (!needsLayerBytes(inode)) {
      upfront.push(first === path ? headerOf(path, inode.meta, 0) : linkHeader(path, first, inode.meta));
      continue;
    }
    if (first !== path) continue;
    const data = inode.data;
    let byOrdinal = fromLayers.get(data.layer);
    if (!byOrdinal) fromLayers.set(data.layer, byOrdinal = /* @__PURE__ */ new Map());
    byOrdinal.set(data.ordinal, { file: headerOf(path, inode.meta, inode.size), links: names.slice(1).map((n) => linkHeader(n, first, inode.meta)) });
    bytes += inode.size;
  }
  return { upfront, fromLayers, entries: order.length, bytes, reclaimedBytes: tree.totalFileBytes - survivingFileBytes(tree) };
}
function survivingFileBytes(tree) {
  const seen = /* @__PURE__ */ new Set();
  let total = 0;
  for (const n of tree.walk()) {
    if (n.kind === "leaf" && n.inode.data && !seen.has(n.inode)) {
      seen.add(n.inode);
      total += n.inode.size;
    }
  }
  return total;
}

// src/pipeline/export.ts
function globFilter(include, exclude) {
  if (include.length === 0 && exclude.length === 0) return void 0;
  const opts = { dot: true };
  const chain = (p) => p.split("/").map((_, i, parts) => parts.slice(0, i + 1).join("/"));
  return (path) => {
    const all = chain(path);
    if (exclude.length && all.some((p) => micromatch.isMatch(p, exclude, opts))) return false;
    return include.length === 0 || all.some((p) => micromatch.isMatch(p, include, opts));
  };
}
async function flattenImageTo(source, image, out, o = {}) {
  const layers = layerTarsOf(source, image);
  const tree = await scanLayers(layers, o.signal);
  const plan = planFlatten(tree, o.filter);
  const writer = new TarWriter(out);
  const r = await emitFlattened(layers, plan, writer, o.signal);
  await writer.finish();
  if (!out.writableEnded) out.end();
  return { plan, entries: r.entries, bytes: r.bytes };
}
async function copyInto(from, to, what) {
  try {
    for await (const chunk of from) {
      if (!to.write(chunk)) await once2(to, "drain");
    }
  } catch (err) {
    throw fromSystemError(err, what);
  }
}
async function exportImage(req) {
  const image = await resolveSourceImage(req.source, req.image, {
    ...req.platform ? { platform: req.platform } : {},
    ...req.signal ? { signal: req.signal } : {},
    ...req.warn ? { warn: req.warn } : {}
  });
  const comp = compressor(req.compression, req.level);
  const counter = new HashingStream();
  const flatten = () => flattenImageTo(req.source, image, comp, { ...req.filter ? { filter: req.filter } : {}, ...req.signal ? { signal: req.signal } : {} });
  let result;
  let location;
  if (req.to.kind === "file") {
    const file = await createAtomicFile(req.to.path, { overwrite: req.to.overwrite ?? false });
    try {
      const written = pipeline11(comp, counter, file.stream);
      written.catch(() => void 0);
      try {
        result = await flatten();
      } catch (err) {
        comp.destroy(err);
        throw err;
      }
      await written.catch((err) => {
        throw fromSystemError(err, req.to.kind === "file" ? req.to.path : "");
      });
      await file.commit();
    } finally {
      await file.discard();
    }
    location = req.to.path;
  } else {
    const to = req.to;
    const compressed = pipeline11(comp, counter);
    compressed.catch(() => void 0);
    const copied = copyInto(counter, to.stream, to.what);
    copied.catch(() => void 0);
    try {
      result = await flatten();
    } catch (err) {
      comp.destroy(err);
      throw err;
    }
    await compressed;
    await copied;
    location = to.what;
  }
  if (req.signal?.aborted) throw new BalerError("E_CANCELLED", "interrupted; nothing partial was left behind");
  return {
    image: image.label,
    id: image.node.config.descriptor.digest,
    layers: image.node.manifest.layers.length,
    entries: result.entries,
    fileBytes: result.bytes,
    bytesWritten: counter.bytes,
    reclaimedBytes: result.plan.reclaimedBytes,
    compression: req.compression,
    location
  };
}

// src/transports/detect.ts
import { stat as stat10 } from "node:fs/promises";
import { isAbsolute as isAbsolute3, resolve as resolve5 } from "node:path";
async function openInputSource(pathOrDash, ctx, signal) {
  const what = pathOrDash === "-" ? "stdin" : pathOrDash;
  const path = pathOrDash === "-" || isAbsolute3(pathOrDash) ? pathOrDash : resolve5(ctx.cwd, pathOrDash);
  if (path !== "-") {
    let isDir;
    try {
      isDir = (await stat10(path)).isDirectory();
    } catch (err) {
      throw fromSystemError(err, what);
    }
    if (isDir) return ociLayoutTransport.parse(`oci:${path}`).openSource(signal ? { signal } : {});
  }
  let archive;
  try {
    archive = await openArchiveFile(path, what, { ...signal ? { signal } : {}, ...ctx.stdin ? { stdin: ctx.stdin } : {} });
  } catch (err) {
    if (err instanceof BalerError && err.code === "E_FORMAT") throw notAnArchive(what, err);
    throw err;
  }
  try {
    switch (archive.kind()) {
      case "docker-archive":
        return new DockerArchiveSource(dockerArchiveTransport.parse(`docker-archive:${path}`), archive);
      case "oci-archive":
        return new OciArchiveSource(ociArchiveTransport.parse(`oci-archive:${path}`), archive);
      case "unknown-tar":
        throw new BalerError("E_FORMAT", `${what}: not a docker-archive or OCI archive (a tar without manifest.json or index.json)`);
    }
  } catch (err) {
    await archive.close();
    throw err;
  }
}
function notAnArchive(what, err) {
  const reason = err.message.startsWith(`${what}: `) ? err.message.slice(what.length + 2) : err.message;
  return new BalerError("E_FORMAT", `${what}: not a docker-archive or OCI archive (${reason})`, { cause: err });
}

export {
  runInterruptCleanups,
  isDigest,
  hexOf,
  shortId,
  sha256Of,
  parseImageName,
  familiarRepository,
  fullName,
  familiarName,
  MediaTypes,
  parseImageConfig,
  configPlatform,
  openStore,
  openExistingLayout,
  historyRows,
  parseImageManifest,
  serializeManifest,
  parseIndexManifest,
  manifestKind,
  detectStorageDriver,
  mountDataDir,
  splitDockerRootSpec,
  makeTempDir,
  compressionFromFileName,
  decompressAuto,
  spoolToFile,
  groupByDigest,
  listImages,
  loadNode,
  imagesOf,
  copyImages,
  readMountEntry,
  openDockerRootSource,
  dockerRootTransport,
  normalizeEntryPath,
  dockerArchiveTransport,
  storeRef,
  parseTransportRef,
  resolveSourceImage,
  layerTarsOf,
  globFilter,
  flattenImageTo,
  exportImage,
  openInputSource
};
