import {
  HashingStream,
  OPAQUE_MARKER,
  TarWriter,
  readTarEntries
} from "./chunk-OSXEAJDC.js";
import {
  BalerError,
  fromSystemError
} from "./chunk-FBHWHWP3.js";

// src/transports/docker-root/dir-tar.ts
import { constants, createWriteStream } from "node:fs";
import { lstat, open, readdir, readlink } from "node:fs/promises";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { finished } from "node:stream/promises";

// src/transports/docker-root/overlay-opaque.ts
import { spawn } from "node:child_process";
var OPAQUE_XATTR = "SCHILY.xattr.trusted.overlay.opaque";
async function findOpaqueDirs(diffDir, dirs, signal) {
  const found = /* @__PURE__ */ new Set();
  if (dirs.length === 0) return found;
  const child = spawn("tar", ["--xattrs", "--xattrs-include=trusted.overlay.opaque", "--no-recursion", "--null", "-cf", "-", "-C", diffDir, "-T", "-"], {
    stdio: ["pipe", "pipe", "pipe"],
    ...signal ? { signal } : {}
  });
  const started = await new Promise((resolve) => {
    child.once("spawn", () => resolve(true));
    child.once("error", () => resolve(false));
  });
  if (!started) return void 0;
  const stderr = [];
  child.stderr.on("data", (b) => stderr.push(b));
  child.stdin.on("error", () => void 0);
  child.stdin.end(Buffer.concat(dirs.map((d) => Buffer.from(`./${d}\0`, "latin1"))));
  const exited = new Promise((resolve) => child.once("close", (code2) => resolve(code2 ?? 1)));
  for await (const { header, body } of readTarEntries(child.stdout, `tar --xattrs of ${diffDir}`)) {
    body.resume();
    if (header.pax?.[OPAQUE_XATTR] === "y") found.add(header.name.replace(/^\.\//, "").replace(/\/$/, ""));
  }
  const code = await exited;
  if (code !== 0) {
    const why = Buffer.concat(stderr).toString().trim().split("\n")[0] || `exit status ${code}`;
    throw new BalerError("E_PEER", `tar could not read the extended attributes under ${diffDir}: ${why}`);
  }
  return found;
}

// src/transports/docker-root/dir-tar.ts
async function writeDirTar(req, out) {
  const tar = new TarWriter(out);
  let opaque = /* @__PURE__ */ new Set();
  if (req.mode === "overlay-diff") {
    const dirs = [];
    await collectDirs(req.dir, [], dirs);
    const found = await findOpaqueDirs(req.dir, dirs, req.signal);
    if (found) opaque = found;
    else req.onWarning?.("W_NO_XATTRS", `${req.what}: GNU tar is not installed, so opaque directories under ${req.dir} cannot be detected; a directory deleted and re-created there may show files it no longer has`);
  }
  await new DirEmitter(tar, req, opaque).walk([]);
  await tar.finish();
  if (!out.writableEnded) out.end();
}
function dirTarStream(req) {
  const out = new PassThrough({ highWaterMark: 1024 * 1024 });
  writeDirTar(req, out).catch((err) => out.destroy(err instanceof Error ? err : new Error(String(err))));
  return out;
}
async function buildLayerTarFromDir(req) {
  const path = join(req.tempDir, `layer-${Date.now()}-${Math.random().toString(16).slice(2)}.tar`);
  const hash = new HashingStream();
  const file = createWriteStream(path);
  hash.pipe(file);
  await writeDirTar(req, hash);
  await finished(file);
  return { path, digest: hash.digest(), size: hash.bytes };
}
function fsPath(base, parts) {
  return parts.length === 0 ? Buffer.from(base) : Buffer.concat([Buffer.from(base), Buffer.from(`/${parts.join("/")}`, "latin1")]);
}
function displayPath(base, parts) {
  return fsPath(base, parts).toString("utf8");
}
function tarName(parts) {
  return Buffer.from(parts.join("/"), "latin1").toString("utf8");
}
async function sortedNames(base, parts, optional = false) {
  try {
    return (await readdir(fsPath(base, parts), { encoding: "buffer" })).sort(Buffer.compare).map((b) => b.toString("latin1"));
  } catch (err) {
    if (optional) return [];
    throw fromSystemError(err, displayPath(base, parts));
  }
}
async function collectDirs(root, parts, out) {
  for (const name of await sortedNames(root, parts)) {
    const child = [...parts, name];
    const st = await lstat(fsPath(root, child)).catch((err) => {
      throw fromSystemError(err, displayPath(root, child));
    });
    if (!st.isDirectory()) continue;
    out.push(child.join("/"));
    await collectDirs(root, child, out);
  }
}
var DirEmitter = class {
  constructor(tar, req, opaque) {
    this.tar = tar;
    this.req = req;
    this.opaque = opaque;
  }
  tar;
  req;
  opaque;
  /** dev:ino → first tar name, for hard links within the walk. */
  inodes = /* @__PURE__ */ new Map();
  /** vfs-diff: ancestors whose entry is written only once something below them is. */
  pendingDirs = [];
  async lstatIn(base, parts, optional) {
    try {
      return await lstat(fsPath(base, parts), { bigint: true });
    } catch (err) {
      const code = err.code;
      if (optional && (code === "ENOENT" || code === "ENOTDIR")) return void 0;
      throw fromSystemError(err, displayPath(base, parts));
    }
  }
  async walk(parts) {
    if (this.req.signal?.aborted) throw new BalerError("E_CANCELLED", `${this.req.what}: cancelled`);
    const names = await sortedNames(this.req.dir, parts);
    const parent = this.req.mode === "vfs-diff" ? this.req.parentDir : void 0;
    if (parent !== void 0) {
      const present = new Set(names);
      for (const gone of await sortedNames(parent, parts, true)) if (!present.has(gone)) await this.emitWhiteout([...parts, `.wh.${gone}`]);
    }
    for (const name of names) {
      const child = [...parts, name];
      const st = await this.lstatIn(this.req.dir, child, false);
      if (this.req.mode === "vfs-diff") {
        const old = parent === void 0 ? void 0 : await this.lstatIn(parent, child, true);
        const changed = old === void 0 || differs(old, st);
        if (st.isDirectory()) {
          const key = child.join("/");
          this.pendingDirs.push({ key, parts: child, st });
          if (changed) await this.flushPendingDirs();
          await this.walk(child);
          if (this.pendingDirs[this.pendingDirs.length - 1]?.key === key) this.pendingDirs.pop();
        } else if (changed) {
          await this.flushPendingDirs();
          await this.emit(child, st);
        }
        continue;
      }
      if (this.req.mode === "overlay-diff" && st.isCharacterDevice() && st.rdev === 0n) {
        await this.emitWhiteout([...parts, `.wh.${name}`]);
        continue;
      }
      await this.emit(child, st);
      if (st.isDirectory()) {
        if (this.opaque.has(tarName(child))) await this.emitWhiteout([...child, OPAQUE_MARKER]);
        await this.walk(child);
      }
    }
  }
  async flushPendingDirs() {
    for (const d of this.pendingDirs.splice(0)) await this.tar.add(this.header(d.parts, d.st, "dir"));
  }
  header(parts, st, type) {
    const name = tarName(parts);
    return {
      name: type === "dir" ? `${name}/` : name,
      type,
      size: 0,
      mode: Number(st.mode & 0o7777n),
      uid: Number(st.uid),
      gid: Number(st.gid),
      mtime: Number(st.mtimeMs / 1000n)
    };
  }
  async emitWhiteout(parts) {
    await this.flushPendingDirs();
    await this.tar.add({ name: tarName(parts), type: "file", size: 0, mode: 384, uid: 0, gid: 0, mtime: 0 });
  }
  async emit(parts, st) {
    const abs = fsPath(this.req.dir, parts);
    if (st.isDirectory()) return this.tar.add(this.header(parts, st, "dir"));
    if (st.isSymbolicLink()) {
      const target = await readlink(abs, { encoding: "buffer" }).catch((err) => {
        throw fromSystemError(err, displayPath(this.req.dir, parts));
      });
      return this.tar.add({ ...this.header(parts, st, "symlink"), linkname: target.toString("utf8") });
    }
    if (st.isFIFO()) return this.tar.add(this.header(parts, st, "fifo"));
    if (st.isCharacterDevice() || st.isBlockDevice()) {
      const rdev = Number(st.rdev);
      const h = this.header(parts, st, st.isCharacterDevice() ? "char" : "block");
      return this.tar.add({ ...h, devmajor: rdev >>> 8 & 4095, devminor: rdev & 255 | rdev >>> 12 & 1048320 });
    }
    if (!st.isFile()) return;
    if (st.nlink > 1n) {
      const key = `${st.dev}:${st.ino}`;
      const first = this.inodes.get(key);
      if (first !== void 0) return this.tar.add({ ...this.header(parts, st, "hardlink"), linkname: first });
      this.inodes.set(key, tarName(parts));
    }
    const fh = await open(abs, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK).catch((err) => {
      throw fromSystemError(err, displayPath(this.req.dir, parts));
    });
    const body = fh.createReadStream({ highWaterMark: 1024 * 1024 });
    return this.tar.add({ ...this.header(parts, st, "file"), size: Number(st.size) }, body);
  }
};
function differs(a, b) {
  if (a.mode !== b.mode || a.uid !== b.uid || a.gid !== b.gid || a.rdev !== b.rdev) return true;
  if (b.isDirectory()) return false;
  return a.size !== b.size || a.mtimeNs !== b.mtimeNs;
}

export {
  writeDirTar,
  dirTarStream,
  buildLayerTarFromDir
};
