// src/tui/format.ts
var UNITS = ["B", "kB", "MB", "GB", "TB"];
function formatBytes(n) {
  if (!Number.isFinite(n) || n < 0) return "?";
  let v = n;
  let u = 0;
  while (v >= 1e3 && u < UNITS.length - 1) {
    v /= 1e3;
    u++;
  }
  return u === 0 ? `${v} B` : `${v < 10 ? v.toFixed(1) : Math.round(v)} ${UNITS[u]}`;
}
function formatRate(bytesPerSecond) {
  return bytesPerSecond > 0 ? `${formatBytes(bytesPerSecond)}/s` : "\u2013";
}
function formatDuration(seconds) {
  if (seconds === void 0 || !Number.isFinite(seconds)) return "\u2013";
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`;
}
function formatCreated(iso) {
  if (!iso) return "";
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})/.exec(iso);
  return m ? `${m[1]} ${m[2]}` : iso.slice(0, 16);
}
function shortHex(digest, n = 12) {
  return digest.replace(/^sha256:/, "").slice(0, n);
}
function truncate(s, width) {
  if (width <= 0) return "";
  return s.length <= width ? s : `${s.slice(0, Math.max(0, width - 1))}\u2026`;
}

export {
  formatBytes,
  formatRate,
  formatDuration,
  formatCreated,
  shortHex,
  truncate
};
