import {
  BalerError
} from "./chunk-FBHWHWP3.js";

// src/model/json-limits.ts
var JsonLimits = {
  manifest: 4 * 1024 * 1024,
  config: 8 * 1024 * 1024,
  small: 1024 * 1024
};
function parseJsonBytes(bytes, what, limit = JsonLimits.manifest) {
  const len = typeof bytes === "string" ? Buffer.byteLength(bytes) : bytes.byteLength;
  if (len > limit) throw new BalerError("E_FORMAT", `${what}: larger than ${limit} bytes`);
  const text = typeof bytes === "string" ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8");
  try {
    return JSON.parse(text);
  } catch (err) {
    const msg = err.message.replace(/\s+/g, " ");
    throw new BalerError("E_FORMAT", `${what}: invalid JSON (${msg})`);
  }
}
function isObject(v) {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
function expectObject(v, what) {
  if (!isObject(v)) throw new BalerError("E_FORMAT", `${what}: expected a JSON object`);
  return v;
}
function expectString(v, what) {
  if (typeof v !== "string") throw new BalerError("E_FORMAT", `${what}: expected a string`);
  return v;
}
function optionalString(v, what) {
  return v === void 0 || v === null ? void 0 : expectString(v, what);
}
function expectArray(v, what) {
  if (!Array.isArray(v)) throw new BalerError("E_FORMAT", `${what}: expected a JSON array`);
  return v;
}
function expectSize(v, what) {
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) {
    throw new BalerError("E_FORMAT", `${what}: expected a non-negative integer size`);
  }
  return v;
}
function stringRecord(v, what) {
  if (v === void 0 || v === null) return void 0;
  const o = expectObject(v, what);
  const out = {};
  for (const [k, val] of Object.entries(o)) out[k] = expectString(val, `${what}.${k}`);
  return out;
}
function jsonBytes(v) {
  return Buffer.from(JSON.stringify(v), "utf8");
}

// src/model/platform.ts
function parsePlatform(spec) {
  const parts = spec.trim().toLowerCase().split("/");
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => p === "")) {
    throw new BalerError("E_USAGE", `invalid platform ${JSON.stringify(spec)}: expected os/arch[/variant]`);
  }
  const [os, arch, variant] = parts;
  return normalizePlatform(variant ? { os, architecture: arch, variant } : { os, architecture: arch });
}
var archAliases = {
  x86_64: "amd64",
  "x86-64": "amd64",
  aarch64: "arm64",
  i386: "386",
  i486: "386",
  i586: "386",
  i686: "386",
  x86: "386",
  armhf: "arm",
  armel: "arm"
};
function normalizePlatform(p) {
  const architecture = archAliases[p.architecture] ?? p.architecture;
  let variant = p.variant;
  if (architecture === "arm64" && (variant === void 0 || variant === "8")) variant = "v8";
  if (architecture === "arm" && variant === void 0) variant = p.architecture === "armel" ? "v6" : "v7";
  if (architecture === "amd64" && variant === "v1") variant = void 0;
  const out = { os: p.os, architecture };
  if (variant) out.variant = variant;
  if (p["os.version"]) out["os.version"] = p["os.version"];
  if (p["os.features"]) out["os.features"] = p["os.features"];
  return out;
}
function formatPlatform(p) {
  return [p.os, p.architecture, p.variant].filter(Boolean).join("/");
}
function platformMatches(want, have) {
  const a = normalizePlatform(want);
  const b = normalizePlatform(have);
  if (a.os !== b.os || a.architecture !== b.architecture) return false;
  if (a.variant && b.variant && a.variant !== b.variant) return false;
  return true;
}
function parsePlatformObject(v, what) {
  const o = expectObject(v, what);
  const p = { architecture: expectString(o.architecture, `${what}.architecture`), os: expectString(o.os, `${what}.os`) };
  const variant = optionalString(o.variant, `${what}.variant`);
  if (variant) p.variant = variant;
  const osv = optionalString(o["os.version"], `${what}.os.version`);
  if (osv) p["os.version"] = osv;
  return p;
}
function hostPlatform() {
  const archMap = { x64: "amd64", arm64: "arm64", arm: "arm", ia32: "386", ppc64: "ppc64le", s390x: "s390x", riscv64: "riscv64" };
  return normalizePlatform({ os: process.platform === "win32" ? "windows" : "linux", architecture: archMap[process.arch] ?? process.arch });
}

export {
  JsonLimits,
  parseJsonBytes,
  isObject,
  expectObject,
  expectString,
  expectArray,
  expectSize,
  stringRecord,
  jsonBytes,
  parsePlatform,
  formatPlatform,
  platformMatches,
  parsePlatformObject,
  hostPlatform
};
