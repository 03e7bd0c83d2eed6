import {
  compressionFromFileName,
  configPlatform,
  copyImages,
  exportImage,
  familiarName,
  groupByDigest,
  historyRows,
  imagesOf,
  layerTarsOf,
  listImages,
  loadNode,
  normalizeEntryPath,
  openInputSource,
  parseTransportRef,
  resolveSourceImage,
  storeRef
} from "./chunk-FWP2UCIU.js";
import {
  readTarEntries
} from "./chunk-OSXEAJDC.js";
import {
  formatBytes
} from "./chunk-2UMOMZYG.js";
import {
  formatPlatform,
  parsePlatform
} from "./chunk-FL654ZV2.js";
import "./chunk-V5TBUXUW.js";
import {
  BalerError
} from "./chunk-FBHWHWP3.js";
import {
  __callDispose,
  __using
} from "./chunk-BPCHXMC3.js";

// src/tui/services.ts
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
var LIST_CAPS = { manifestTypes: [], layerCompressions: ["none", "gzip", "zstd"], needsSizeFirst: false, parallelPuts: false, multiImage: true, keepsIndexes: true };
var MAX_COMPLETIONS = 200;
function entryType(t) {
  return t === "file" || t === "contiguous" ? "file" : t === "dir" || t === "symlink" || t === "hardlink" ? t : "other";
}
async function sha256File(path) {
  const h = createHash("sha256");
  for await (const chunk of createReadStream(path)) h.update(chunk);
  return h.digest("hex");
}
function createTuiServices(o) {
  const abs = (p) => resolve(o.cwd, p.startsWith("~/") ? join(o.env.HOME || homedir(), p.slice(2)) : p);
  async function openSource(spec, signal) {
    if (spec.kind === "store") return storeRef(o.storePath).openSource(signal ? { signal } : {});
    if (spec.kind === "docker-root") return parseTransportRef(`docker-root:${abs(spec.path)}`, refs).openSource(signal ? { signal } : {});
    return openInputSource(abs(spec.path), { storePath: o.storePath, cwd: o.cwd }, signal);
  }
  const refs = { storePath: o.storePath, cwd: o.cwd };
  function sinkRef(req) {
    const out = abs(req.output);
    if (out.includes(":")) throw new BalerError("E_USAGE", `${JSON.stringify(req.output)}: output paths cannot contain ":"; name it differently`);
    const transport = req.format === "docker" ? "docker-archive" : req.format === "oci" ? "oci-archive" : "oci";
    return parseTransportRef(`${transport}:${out}`, refs);
  }
  async function exportTo(req, signal) {
    var _stack = [];
    try {
      const started = Date.now();
      const warnings = [];
      const source = __using(_stack, await openSource(req.source, signal), true);
      const file = abs(req.output);
      const compression = req.archive === "auto" ? compressionFromFileName(req.output) ?? "none" : req.archive;
      const report = await exportImage({
        source,
        image: req.image,
        ...req.platform ? { platform: parsePlatform(req.platform) } : {},
        to: { kind: "file", path: file, overwrite: true },
        compression,
        signal,
        warn: (_code, message) => warnings.push(message)
      });
      return {
        images: 1,
        bytesRead: report.fileBytes,
        bytesWritten: report.bytesWritten,
        blobsCopied: 0,
        blobsSkipped: 0,
        durationMs: Date.now() - started,
        location: report.location,
        warnings,
        archiveSha256: await sha256File(file),
        notes: [`${report.layers} layers flattened: ${report.entries} entries, ${formatBytes(report.fileBytes)} of files; ${formatBytes(report.reclaimedBytes)} hidden by later layers left out`]
      };
    } catch (_) {
      var _error = _, _hasError = true;
    } finally {
      var _promise = __callDispose(_stack, _error, _hasError);
      _promise && await _promise;
    }
  }
  function sinkOptions(req, signal) {
    const opts = { signal, overwrite: true };
    if (req.kind !== "save" || req.format === "oci-dir") return opts;
    const outer = req.archive === "auto" ? compressionFromFileName(req.output) ?? "none" : req.archive;
    if (outer !== "none") opts.outerCompression = outer;
    return opts;
  }
  const services = {
    storePath: o.storePath,
    ...o.storeFlag ? { storeFlag: o.storeFlag } : {},
    cwd: o.cwd,
    actions: { save: true, load: true, ociDir: true, export: true },
    sourceChoices() {
      return [
        { id: "store", label: "Embedded store", available: true, note: o.storePath },
        { id: "path", label: "Archive or OCI layout path\u2026", available: true, note: "docker-archive, oci-archive, OCI layout dir" },
        { id: "docker-root", label: "Docker store directory (offline)\u2026", available: true, note: "overlay2 or vfs, e.g. /var/lib/docker", defaultPath: "/var/lib/docker" },
        { id: "docker", label: "Docker daemon", available: false, note: "not available yet" }
      ];
    },
    async completePath(partial) {
      const full = abs(partial || "./");
      const dir = partial === "" || partial.endsWith("/") ? full : dirname(full);
      const base = partial === "" || partial.endsWith("/") ? "" : full.slice(dir.length).replace(/^\//, "");
      const shownDir = partial === "" ? "" : partial.endsWith("/") ? partial : partial.slice(0, partial.length - base.length);
      let names;
      try {
        names = await readdir(dir, { withFileTypes: true });
      } catch {
        return [];
      }
      return names.filter((d) => d.name.startsWith(base) && (base.startsWith(".") || !d.name.startsWith("."))).map((d) => `${shownDir}${d.name}${d.isDirectory() ? "/" : ""}`).sort().slice(0, MAX_COMPLETIONS);
    },
    async listImages(spec, signal) {
      var _stack = [];
      try {
        const source = __using(_stack, await openSource(spec, signal), true);
        const label = source.ref.toString();
        const cache = /* @__PURE__ */ new Map();
        const rows = [];
        for (const listed of groupByDigest(await listImages(source, label, cache))) {
          if (signal?.aborted) throw new BalerError("E_CANCELLED", "cancelled");
          const names = listed.names.map(familiarName);
          const row = { key: listed.digest, names, id: listed.id, size: 0, layers: [] };
          try {
            const node = await loadNode(listed, { source, caps: LIST_CAPS, label: names[0] ?? listed.digest, ...signal ? { signal } : {}, cache, warn: () => void 0 });
            const images = imagesOf(node);
            const seen = /* @__PURE__ */ new Set();
            for (const img of images) {
              row.size += img.config.descriptor.size;
              for (const l of img.manifest.layers) {
                if (seen.has(l.digest)) continue;
                seen.add(l.digest);
                row.layers.push({ digest: l.digest, size: l.size });
                row.size += l.size;
              }
            }
            const first = images[0];
            if (first?.config.parsed.created) row.created = first.config.parsed.created;
            row.platform = images.length === 1 && first ? formatPlatform(configPlatform(first.config.parsed)) : `${images.length} platforms`;
          } catch {
          }
          rows.push(row);
        }
        return rows;
      } catch (_) {
        var _error = _, _hasError = true;
      } finally {
        var _promise = __callDispose(_stack, _error, _hasError);
        _promise && await _promise;
      }
    },
    async listLayers(spec, image, signal) {
      var _stack = [];
      try {
        const source = __using(_stack, await openSource(spec, signal), true);
        const resolved = await resolveSourceImage(source, image.key, signal ? { signal } : {});
        const tars = layerTarsOf(source, resolved);
        const steps = /* @__PURE__ */ new Map();
        for (const r of historyRows(resolved.node.config.parsed)) {
          if (r.layerIndex !== void 0 && r.entry.created_by) steps.set(r.layerIndex, r.entry.created_by);
        }
        const out = [];
        for (let i = 0; i < tars.count; i++) {
          const d = resolved.node.manifest.layers[i];
          if (!d) break;
          const entries = [];
          for await (const { header, body } of readTarEntries(await tars.open(i, signal), tars.what(i))) {
            const path = normalizeEntryPath(header.name, tars.what(i));
            body.resume();
            if (path === "") continue;
            const e = { path, type: entryType(header.type), size: header.size };
            if (header.linkname) e.linkTarget = header.linkname;
            entries.push(e);
          }
          const step = steps.get(i);
          out.push({ digest: d.digest, size: d.size, entries, ...step ? { createdBy: step } : {} });
        }
        return out;
      } catch (_) {
        var _error = _, _hasError = true;
      } finally {
        var _promise = __callDispose(_stack, _error, _hasError);
        _promise && await _promise;
      }
    },
    async copy(req, onEvent, signal) {
      var _stack = [];
      try {
        if (req.kind === "export") return exportTo(req, signal);
        const from = __using(_stack, await openSource(req.source, signal), true);
        const ref = req.kind === "load" ? storeRef(o.storePath) : sinkRef(req);
        const to = __using(_stack, await ref.openSink(sinkOptions(req, signal)), true);
        const report = await copyImages({
          from,
          to,
          select: { kind: "refs", refs: req.images },
          ...req.platform ? { platform: parsePlatform(req.platform) } : {},
          layers: req.kind === "save" ? req.compression : "keep",
          signal,
          onEvent
        });
        const outcome = {
          images: report.images.length,
          bytesRead: report.bytesRead,
          bytesWritten: report.bytesWritten,
          blobsCopied: report.blobsCopied,
          blobsSkipped: report.blobsSkipped,
          durationMs: report.durationMs,
          location: report.location,
          warnings: report.warnings
        };
        if (req.kind === "save" && req.format !== "oci-dir") {
          const file = abs(req.output);
          if ((await stat(file)).isFile()) outcome.archiveSha256 = await sha256File(file);
        }
        return outcome;
      } catch (_) {
        var _error = _, _hasError = true;
      } finally {
        var _promise = __callDispose(_stack, _error, _hasError);
        _promise && await _promise;
      }
    }
  };
  return services;
}
export {
  createTuiServices
};
