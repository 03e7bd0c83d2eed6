import {
  formatBytes,
  formatCreated,
  formatDuration,
  formatRate,
  shortHex,
  truncate
} from "./chunk-2UMOMZYG.js";
import {
  parsePlatform
} from "./chunk-FL654ZV2.js";
import {
  useTheme
} from "./chunk-A5XGBVLT.js";
import "./chunk-FBHWHWP3.js";
import "./chunk-BPCHXMC3.js";

// src/tui/App.tsx
import { Box as Box12, Text as Text15, useApp, useInput, useStdout as useStdout2 } from "ink";
import { useCallback as useCallback2, useEffect as useEffect3, useReducer, useRef as useRef2 } from "react";

// src/cli/command-line.ts
function shellQuote(word) {
  if (word !== "" && /^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}
function formatCommandLine(argv) {
  return argv.map(shellQuote).join(" ");
}
function tail(a) {
  const out = [];
  if (a.compression !== "keep") out.push("--layers", a.compression);
  if (a.platform) out.push("--platform", a.platform);
  return out;
}
function equivalentArgv(action, ctx = {}) {
  const store = ctx.storeFlag ? ["--store", ctx.storeFlag] : [];
  switch (action.verb) {
    case "save":
      return [
        "baler",
        "save",
        ...store,
        ...action.from ? ["--from", action.from] : [],
        "-o",
        action.output,
        ...action.format === "oci" ? ["--format", "oci"] : [],
        ...action.archive !== "auto" ? ["--compress", action.archive] : [],
        ...tail(action),
        ...action.images
      ];
    case "save-oci-dir":
      return ["baler", "save", ...store, ...action.from ? ["--from", action.from] : [], "-o", action.output, "--format", "oci-dir", ...tail(action), ...action.images];
    case "export":
      return [
        "baler",
        "export",
        ...store,
        "-o",
        action.output,
        ...action.archive !== "auto" ? ["--compress", action.archive] : [],
        ...action.platform ? ["--platform", action.platform] : [],
        action.image
      ];
    case "load":
      return ["baler", "load", ...store, "-i", action.input, ...action.platform ? ["--platform", action.platform] : [], ...action.images];
  }
}
function equivalentCommand(action, ctx = {}) {
  return formatCommandLine(equivalentArgv(action, ctx));
}

// src/image/layer-changes.ts
var OPAQUE = ".wh..wh..opq";
var WHITEOUT_PREFIX = ".wh.";
function newNode() {
  return { children: /* @__PURE__ */ new Map() };
}
function splitPath(p) {
  return p.split("/").filter((c) => c !== "" && c !== ".");
}
function lookup(root, parts) {
  let n = root;
  for (const p of parts) {
    n = n.children.get(p);
    if (!n) return void 0;
  }
  return n;
}
function ensure(root, parts) {
  let n = root;
  for (const p of parts) {
    let c = n.children.get(p);
    if (!c) {
      c = newNode();
      n.children.set(p, c);
    }
    n = c;
  }
  return n;
}
function collectFiles(node, path, out) {
  if (node.entry && node.entry.type === "file" && node.entry.size > 0) out.push({ path, layer: node.entry.layer, size: node.entry.size });
  for (const [name, child] of node.children) collectFiles(child, path ? `${path}/${name}` : name, out);
}
function computeImageChanges(layers) {
  const root = newNode();
  const hidden = [];
  const summaries = [];
  let totalBytes = 0;
  layers.forEach((entries, index) => {
    const changes = [];
    const hide = (node, path) => {
      const files = [];
      collectFiles(node, path, files);
      let bytes2 = 0;
      for (const f of files) {
        hidden.push({ ...f, hiddenBy: index });
        bytes2 += f.size;
      }
      return bytes2;
    };
    for (const e of entries) {
      const parts = splitPath(e.path);
      const base = parts[parts.length - 1];
      if (base === void 0 || !base.startsWith(WHITEOUT_PREFIX)) continue;
      const dirParts = parts.slice(0, -1);
      const dirPath = dirParts.join("/");
      if (base === OPAQUE) {
        const dir = lookup(root, dirParts);
        if (!dir) continue;
        let bytes3 = 0;
        for (const [name2, child] of dir.children) bytes3 += hide(child, dirPath ? `${dirPath}/${name2}` : name2);
        dir.children.clear();
        changes.push({ path: dirPath ? `${dirPath}/` : "/", kind: "removed", type: "dir", size: bytes3 });
        continue;
      }
      const targetParts = [...dirParts, base.slice(WHITEOUT_PREFIX.length)];
      const parent = lookup(root, dirParts);
      const name = targetParts[targetParts.length - 1];
      const target = parent?.children.get(name);
      const targetPath = targetParts.join("/");
      if (!parent || !target) {
        changes.push({ path: targetPath, kind: "removed", type: "other", size: 0 });
        continue;
      }
      const bytes2 = hide(target, targetPath);
      parent.children.delete(name);
      changes.push({ path: targetPath, kind: "removed", type: target.entry?.type ?? "dir", size: bytes2 });
    }
    let bytes = 0;
    for (const e of entries) {
      const parts = splitPath(e.path);
      const base = parts[parts.length - 1];
      if (base === void 0 || base.startsWith(WHITEOUT_PREFIX)) continue;
      const node = ensure(root, parts);
      const before = node.entry;
      const fileSize = e.type === "file" ? e.size : 0;
      if (before && before.layer !== index) {
        if (before.type === "file" && before.size > 0) hidden.push({ path: parts.join("/"), size: before.size, layer: before.layer, hiddenBy: index });
        if (e.type !== "dir" && node.children.size > 0) {
          for (const [n, child] of node.children) hide(child, `${parts.join("/")}/${n}`);
          node.children.clear();
        }
      }
      const kind = before && before.layer !== index ? "changed" : "added";
      node.entry = { layer: index, type: e.type, size: fileSize };
      changes.push({ path: parts.join("/"), kind, type: e.type, size: fileSize });
      bytes += fileSize;
    }
    totalBytes += bytes;
    summaries.push({
      index,
      changes,
      added: changes.filter((c) => c.kind === "added").length,
      changed: changes.filter((c) => c.kind === "changed").length,
      removed: changes.filter((c) => c.kind === "removed").length,
      bytes
    });
  });
  const wastedBytes = hidden.reduce((s, h) => s + h.size, 0);
  return { layers: summaries, hidden, wastedBytes, totalBytes, squash: squashHints(hidden) };
}
function squashHints(hidden, limit = 3) {
  const byRange = /* @__PURE__ */ new Map();
  for (const h of hidden) {
    const key = `${h.layer}-${h.hiddenBy}`;
    const cur = byRange.get(key) ?? { from: h.layer, to: h.hiddenBy, saves: 0 };
    cur.saves += h.size;
    byRange.set(key, cur);
  }
  return [...byRange.values()].sort((a, b) => b.saves - a.saves || a.from - b.from).slice(0, limit);
}

// src/tui/components/HelpOverlay.tsx
import { Box, Text } from "ink";
import { jsx, jsxs } from "react/jsx-runtime";
var KEYS = [
  ["\u2191 \u2193 / j k", "move"],
  ["space", "select or unselect an image"],
  ["a", "select every visible image (again: none)"],
  ["/", "filter images: text, or a glob like debian:* or */app*"],
  ["enter", "choose / continue / start"],
  ["\u2190 \u2192 / h l", "change a choice on the Action screen"],
  ["L", "layer browser for the image under the cursor"],
  ["tab", "complete a file name while typing a path"],
  ["esc", "back (or stop typing)"],
  ["ctrl-c", "cancel a running copy; quit elsewhere"],
  ["?", "this help"],
  ["q", "quit"]
];
function HelpOverlay() {
  const t = useTheme();
  return /* @__PURE__ */ jsxs(Box, { flexDirection: "column", borderStyle: "round", paddingX: 1, ...t.color ? { borderColor: "cyan" } : {}, children: [
    /* @__PURE__ */ jsx(Text, { bold: true, children: "Keys" }),
    KEYS.map(([k, what]) => /* @__PURE__ */ jsxs(Text, { wrap: "truncate", children: [
      /* @__PURE__ */ jsx(Text, { bold: true, children: k.padEnd(11) }),
      " ",
      what
    ] }, k)),
    /* @__PURE__ */ jsx(Text, { dimColor: true, wrap: "truncate", children: "Every action here is also a plain command; baler prints it when you quit." })
  ] });
}

// src/tui/components/KeyHints.tsx
import { Box as Box2, Text as Text2 } from "ink";
import { jsx as jsx2, jsxs as jsxs2 } from "react/jsx-runtime";
function KeyHints({ hints }) {
  const t = useTheme();
  return /* @__PURE__ */ jsx2(Box2, { flexWrap: "wrap", columnGap: 2, children: hints.map(([key, what]) => /* @__PURE__ */ jsxs2(Text2, { wrap: "truncate", children: [
    /* @__PURE__ */ jsx2(Text2, { bold: true, ...t.fg("cyan"), children: key }),
    " ",
    /* @__PURE__ */ jsx2(Text2, { dimColor: true, children: what })
  ] }, key)) });
}

// src/tui/hooks/use-copy-events.ts
import { useCallback, useEffect, useRef } from "react";
function useCopyEvents(dispatch, running, frameMs = 100) {
  const buffer = useRef([]);
  const flush = useCallback(() => {
    const events = buffer.current;
    buffer.current = [];
    if (events.length) dispatch({ type: "copy/events", events, at: Date.now() });
    else dispatch({ type: "copy/tick", at: Date.now() });
  }, [dispatch]);
  useEffect(() => {
    if (!running) return void 0;
    const timer = setInterval(flush, frameMs);
    return () => clearInterval(timer);
  }, [running, flush, frameMs]);
  const push = useCallback((e) => {
    buffer.current.push(e);
  }, []);
  return { push, flush };
}

// src/tui/hooks/use-terminal-size.ts
import { useStdout } from "ink";
import { useEffect as useEffect2, useState } from "react";
function useTerminalSize() {
  const { stdout } = useStdout();
  const read = () => ({ columns: stdout.columns || 80, rows: stdout.rows || 24 });
  const [size, setSize] = useState(read);
  useEffect2(() => {
    const onResize = () => setSize(read());
    stdout.on("resize", onResize);
    return () => {
      stdout.off("resize", onResize);
    };
  }, [stdout]);
  return size;
}

// src/tui/screens/ActionScreen.tsx
import { Box as Box3, Text as Text3 } from "ink";

// src/tui/state/action-form.ts
var FORMATS = ["docker", "oci"];
var COMPRESSIONS = ["keep", "gzip", "zstd", "none"];
var ARCHIVE_COMPRESSIONS = ["auto", "none", "gzip", "zstd"];
var KIND_LABELS = {
  save: "save to an archive file",
  "oci-dir": "save to an OCI layout directory",
  export: "export the flattened file system to a tar",
  load: "load into the store"
};
function initialActionForm() {
  return { kind: "save", format: "docker", compression: "keep", archive: "auto", output: "", platform: "", field: 0, editing: false };
}
function availableKinds(source, can) {
  if (!source) return [];
  const out = [];
  if (source.kind === "store") {
    if (can.save) out.push("save");
    if (can.ociDir) out.push("oci-dir");
    if (can.export) out.push("export");
  } else if (source.kind === "docker-root") {
    if (can.save) out.push("save");
    if (can.ociDir) out.push("oci-dir");
  } else if (can.load) out.push("load");
  return out;
}
function actionFields(form, kinds) {
  const fields = [{ id: "kind", label: "Action", type: "choice", value: form.kind, choices: kinds }];
  if (form.kind === "save") fields.push({ id: "format", label: "Format", type: "choice", value: form.format, choices: FORMATS });
  if (form.kind === "save" || form.kind === "oci-dir") fields.push({ id: "compression", label: "Layers", type: "choice", value: form.compression, choices: COMPRESSIONS });
  if (form.kind === "save" || form.kind === "export") fields.push({ id: "archive", label: "Compress", type: "choice", value: form.archive, choices: ARCHIVE_COMPRESSIONS });
  if (form.kind !== "load") {
    fields.push({ id: "output", label: form.kind === "oci-dir" ? "Directory" : "Output file", type: "text", value: form.output });
  }
  fields.push({ id: "platform", label: "Platform", type: "text", value: form.platform });
  fields.push({ id: "start", label: "Start", type: "button", value: "" });
  return fields;
}
function cycle(choices, current, delta) {
  const i = choices.indexOf(current);
  const n = choices.length;
  return choices[(((i < 0 ? 0 : i) + delta) % n + n) % n];
}
function cycleField(form, kinds, delta) {
  const field = actionFields(form, kinds)[form.field];
  if (!field || field.type !== "choice") return form;
  switch (field.id) {
    case "kind":
      return kinds.length ? { ...form, kind: cycle(kinds, form.kind, delta), field: 0 } : form;
    case "format":
      return { ...form, format: cycle(FORMATS, form.format, delta) };
    case "compression":
      return { ...form, compression: cycle(COMPRESSIONS, form.compression, delta) };
    case "archive":
      return { ...form, archive: cycle(ARCHIVE_COMPRESSIONS, form.archive, delta) };
    default:
      return form;
  }
}
function setTextField(form, kinds, value) {
  const field = actionFields(form, kinds)[form.field];
  if (field?.id === "output") return { ...form, output: value };
  if (field?.id === "platform") return { ...form, platform: value };
  return form;
}
function defaultOutput(kind, names, count) {
  const stem = count === 1 && names[0] ? names[0].replace(/^.*\//, "").replace(/[^A-Za-z0-9._-]+/g, "_") : "images";
  return kind === "oci-dir" ? `${stem}-oci` : kind === "export" ? `${stem}-rootfs.tar` : `${stem}.tar`;
}

// src/tui/state/selectors.ts
import micromatch from "micromatch";
var GLOB_CHARS = /[*?[\]{}!]/;
function imageMatches(row, pattern) {
  const p = pattern.trim();
  if (!p) return true;
  const hex = row.id.slice("sha256:".length);
  if (GLOB_CHARS.test(p)) return row.names.some((n) => micromatch.isMatch(n, p)) || micromatch.isMatch(hex.slice(0, 12), p);
  const lower = p.toLowerCase();
  return row.names.some((n) => n.toLowerCase().includes(lower)) || hex.startsWith(lower.replace(/^sha256:/, ""));
}
function visibleImages(s) {
  return s.images.filter((r) => imageMatches(r, s.filter));
}
function cursorImage(s) {
  return visibleImages(s)[s.cursor];
}
function selectedImages(s) {
  return s.selected.map((id) => s.images.find((r) => r.key === id)).filter((r) => r !== void 0);
}
function displayName(r) {
  return r.names[0] ?? r.id.slice("sha256:".length, "sha256:".length + 12);
}
function selectionSummary(rows) {
  const blobs = /* @__PURE__ */ new Map();
  let naiveBytes = 0;
  for (const r of rows) {
    naiveBytes += r.size;
    const configSize = r.size - r.layers.reduce((n, l) => n + l.size, 0);
    const seen = /* @__PURE__ */ new Set();
    for (const l of r.layers) {
      if (seen.has(l.digest)) continue;
      seen.add(l.digest);
      const cur = blobs.get(l.digest) ?? { size: l.size, images: [] };
      cur.images.push(displayName(r));
      blobs.set(l.digest, cur);
    }
    const configKey = r.id;
    const c = blobs.get(configKey) ?? { size: Math.max(0, configSize), images: [] };
    c.images.push(displayName(r));
    blobs.set(configKey, c);
  }
  let uniqueBytes = 0;
  const shared = [];
  for (const [digest, b] of blobs) {
    uniqueBytes += b.size;
    const isLayer = rows.some((r) => r.layers.some((l) => l.digest === digest));
    if (isLayer && b.images.length > 1) shared.push({ digest, size: b.size, images: b.images });
  }
  shared.sort((a, b) => b.size - a.size);
  return { count: rows.length, uniqueBytes, naiveBytes, savedBytes: naiveBytes - uniqueBytes, shared };
}
function formFields(s) {
  return actionFields(s.form, availableKinds(s.source, s.actions));
}
function selectionRefs(s) {
  return selectedImages(s).flatMap((r) => r.names.length ? r.names : [r.id]);
}
function plannedCopy(s) {
  const images = selectionRefs(s);
  const source = s.source;
  if (!source) return { error: "choose a source first" };
  if (images.length === 0) return { error: "select at least one image (space)" };
  const platform = s.form.platform.trim();
  if (platform) {
    try {
      parsePlatform(platform);
    } catch (err) {
      return { error: err instanceof Error ? err.message : String(err) };
    }
  }
  const plat = platform ? { platform } : {};
  if (s.form.kind === "load") {
    if (source.kind !== "path") return { error: "load reads an archive or layout path" };
    return { request: { kind: "load", source, images, ...plat }, action: { verb: "load", input: source.path, images, ...plat } };
  }
  const output = s.form.output.trim();
  if (!output) return { error: "type an output path" };
  if (s.form.kind === "export") {
    const image = images[0];
    if (selectedImages(s).length !== 1 || image === void 0) return { error: "export flattens one image: select exactly one" };
    const archive2 = s.form.archive;
    return { request: { kind: "export", source, image, output, archive: archive2, ...plat }, action: { verb: "export", image, output, archive: archive2, ...plat } };
  }
  const compression = s.form.compression;
  const from = source.kind === "docker-root" ? { from: `docker-root:${source.path}` } : {};
  if (s.form.kind === "oci-dir") {
    return { request: { kind: "save", source, images, output, format: "oci-dir", compression, archive: "none", ...plat }, action: { verb: "save-oci-dir", images, output, compression, ...plat, ...from } };
  }
  const format = s.form.format;
  const archive = s.form.archive;
  return { request: { kind: "save", source, images, output, format, compression, archive, ...plat }, action: { verb: "save", images, output, format, compression, archive, ...plat, ...from } };
}
function isFinishedBlob(b) {
  return b.state === "verified" || b.state === "skipped-present";
}
function overallProgress(p) {
  let done = 0;
  let seenTotal = 0;
  for (const b of p.blobs) {
    const t = b.total ?? b.done;
    seenTotal += t;
    done += isFinishedBlob(b) ? t : Math.min(b.done, t);
  }
  const total = Math.max(p.totalBytes, seenTotal);
  const elapsed = (p.now - p.startedAt) / 1e3;
  const rate = elapsed > 0 ? done / elapsed : 0;
  const out = {
    done,
    total,
    fraction: total > 0 ? Math.min(1, done / total) : 0,
    rate,
    finishedBlobs: p.blobs.filter(isFinishedBlob).length,
    plannedBlobs: Math.max(p.plannedBlobs, p.blobs.length)
  };
  if (rate > 0 && total >= done) out.etaSeconds = (total - done) / rate;
  return out;
}
function blobRate(b) {
  const secs = (b.updatedAt - b.startedAt) / 1e3;
  return secs > 0 ? b.done / secs : 0;
}
function blobEtaSeconds(b) {
  const rate = blobRate(b);
  if (rate <= 0 || b.total === void 0) return void 0;
  return Math.max(0, (b.total - b.done) / rate);
}

// src/tui/screens/ActionScreen.tsx
import { jsx as jsx3, jsxs as jsxs3 } from "react/jsx-runtime";
function ActionScreen({ state, width, storeFlag }) {
  const t = useTheme();
  const fields = formFields(state);
  const refs = selectionRefs(state);
  const plan = plannedCopy(state);
  const labelW = 12;
  return /* @__PURE__ */ jsxs3(Box3, { flexDirection: "column", children: [
    /* @__PURE__ */ jsx3(Text3, { bold: true, wrap: "truncate", children: `Action for ${refs.length} image${refs.length === 1 ? "" : "s"}: ${truncate(refs.join(" "), width - 20)}` }),
    /* @__PURE__ */ jsx3(Text3, { children: " " }),
    fields.length === 2 && fields[0]?.choices?.length === 0 ? /* @__PURE__ */ jsx3(Text3, { ...t.fg("red"), children: "Nothing this source can do yet." }) : null,
    fields.map((f, i) => {
      const at = i === state.form.field;
      if (f.type === "button") {
        return /* @__PURE__ */ jsx3(Text3, { inverse: at, bold: true, children: `${at ? "\u203A" : " "} [ Start ]` }, f.id);
      }
      const value = f.type === "choice" ? (f.choices ?? []).map((c) => c === f.value ? `\u2039${f.id === "kind" ? KIND_LABELS[c] : c}\u203A` : f.id === "kind" ? "" : ` ${c} `).filter(Boolean).join("") : `${f.value || (f.id === "platform" ? "(all / as stored)" : "")}${at && state.form.editing ? "\u258C" : ""}`;
      return /* @__PURE__ */ jsx3(Text3, { wrap: "truncate", inverse: at && !state.form.editing, children: `${at ? "\u203A" : " "} ${f.label.padEnd(labelW)} ${value}` }, f.id);
    }),
    /* @__PURE__ */ jsx3(Text3, { children: " " }),
    state.formError ? /* @__PURE__ */ jsx3(Text3, { ...t.fg("red"), children: `\u2717 ${state.formError}` }) : null,
    /* @__PURE__ */ jsx3(Text3, { dimColor: true, children: "Equivalent command:" }),
    /* @__PURE__ */ jsx3(Text3, { wrap: "wrap", ...t.fg("cyan"), children: "error" in plan ? `(${plan.error})` : equivalentCommand(plan.action, storeFlag ? { storeFlag } : {}) })
  ] });
}

// src/tui/screens/DoneScreen.tsx
import { Box as Box4, Text as Text4 } from "ink";
import { jsx as jsx4, jsxs as jsxs4 } from "react/jsx-runtime";
function DoneScreen({ done }) {
  const t = useTheme();
  const o = done.outcome;
  const secs = o.durationMs / 1e3;
  const rows = [
    ["Images", String(o.images)],
    ["Written", `${formatBytes(o.bytesWritten)}${o.blobsCopied + o.blobsSkipped > 0 ? ` (${o.blobsCopied} blobs copied, ${o.blobsSkipped} already there)` : ""}`],
    ["Dedupe saved", formatBytes(done.dedupeSaved)],
    ["Time", formatDuration(secs)],
    ["Throughput", formatRate(secs > 0 ? o.bytesRead / secs : 0)],
    ["Output", o.location]
  ];
  if (o.archiveSha256) rows.push(["sha256", o.archiveSha256]);
  return /* @__PURE__ */ jsxs4(Box4, { flexDirection: "column", children: [
    /* @__PURE__ */ jsx4(Text4, { bold: true, ...t.fg("green"), children: "\u2713 Done" }),
    /* @__PURE__ */ jsx4(Text4, { children: " " }),
    rows.map(([k, v]) => /* @__PURE__ */ jsxs4(Text4, { wrap: "truncate", children: [
      /* @__PURE__ */ jsx4(Text4, { bold: true, children: k.padEnd(14) }),
      v
    ] }, k)),
    (o.notes ?? []).map((n, i) => /* @__PURE__ */ jsx4(Text4, { wrap: "truncate", children: `  ${n}` }, `n${i}`)),
    o.warnings.map((w, i) => /* @__PURE__ */ jsx4(Text4, { wrap: "truncate", ...t.fg("yellow"), children: `! ${w}` }, i)),
    /* @__PURE__ */ jsx4(Text4, { children: " " }),
    /* @__PURE__ */ jsx4(Text4, { dimColor: true, children: "Equivalent command:" }),
    /* @__PURE__ */ jsx4(Text4, { wrap: "wrap", ...t.fg("cyan"), children: done.command })
  ] });
}

// src/tui/screens/ImagesScreen.tsx
import { Box as Box7, Text as Text7 } from "ink";

// src/tui/components/ImageTable.tsx
import { Box as Box5, Text as Text5 } from "ink";

// src/tui/components/window.ts
function windowStart(cursor, length, height) {
  if (length <= height) return 0;
  return Math.max(0, Math.min(cursor - Math.floor(height / 2), length - height));
}

// src/tui/components/ImageTable.tsx
import { jsx as jsx5, jsxs as jsxs5 } from "react/jsx-runtime";
var ID_W = 12;
var SIZE_W = 9;
var CREATED_W = 16;
function ImageTable({ rows, cursor, selected, width, height }) {
  const t = useTheme();
  const showCreated = width >= 70;
  const nameW = Math.max(10, width - 6 - ID_W - SIZE_W - (showCreated ? CREATED_W + 1 : 0) - 3);
  const bodyHeight = Math.max(1, height - 1);
  const start = windowStart(cursor, rows.length, bodyHeight);
  const shown = rows.slice(start, start + bodyHeight);
  const header = `      ${"NAME".padEnd(nameW)} ${"ID".padEnd(ID_W)} ${"SIZE".padStart(SIZE_W)}${showCreated ? ` ${"CREATED".padEnd(CREATED_W)}` : ""}`;
  return /* @__PURE__ */ jsxs5(Box5, { flexDirection: "column", height, children: [
    /* @__PURE__ */ jsx5(Text5, { bold: true, wrap: "truncate", children: header }),
    shown.map((r, i) => {
      const at = start + i === cursor;
      const sel = selected.includes(r.key);
      const name = r.names.length ? r.names.join(", ") : "<none>";
      const line = `${at ? "\u203A" : " "} ${sel ? "[x]" : "[ ]"} ${truncate(name, nameW).padEnd(nameW)} ${shortHex(r.id).padEnd(ID_W)} ${formatBytes(r.size).padStart(SIZE_W)}${showCreated ? ` ${formatCreated(r.created).padEnd(CREATED_W)}` : ""}`;
      return /* @__PURE__ */ jsx5(Text5, { wrap: "truncate", inverse: at, bold: sel, ...sel ? t.fg("yellow") : {}, children: line }, r.key);
    }),
    rows.length > shown.length ? /* @__PURE__ */ jsx5(Text5, { dimColor: true, wrap: "truncate", children: `  ${start + 1}-${start + shown.length} of ${rows.length}` }) : null
  ] });
}

// src/tui/components/SelectionPanel.tsx
import { Box as Box6, Text as Text6 } from "ink";
import { jsx as jsx6, jsxs as jsxs6 } from "react/jsx-runtime";
function SelectionPanel({ summary, width, height }) {
  const t = useTheme();
  const maxShared = Math.max(0, height - 5);
  const shared = summary.shared.slice(0, maxShared);
  return /* @__PURE__ */ jsxs6(Box6, { flexDirection: "column", width, height, borderStyle: "single", paddingX: 1, ...t.color ? { borderColor: "gray" } : {}, children: [
    /* @__PURE__ */ jsx6(Text6, { bold: true, wrap: "truncate", children: `Selected: ${summary.count} image${summary.count === 1 ? "" : "s"}` }),
    /* @__PURE__ */ jsx6(Text6, { wrap: "truncate", children: `Total size: ${formatBytes(summary.uniqueBytes)}` }),
    /* @__PURE__ */ jsx6(Text6, { wrap: "truncate", ...summary.savedBytes > 0 ? t.fg("green") : {}, children: `Shared layers save: ${formatBytes(summary.savedBytes)}` }),
    shared.map((l) => /* @__PURE__ */ jsx6(Text6, { wrap: "truncate", dimColor: true, children: truncate(`${shortHex(l.digest, 8)} ${formatBytes(l.size)} \u2190 ${l.images.join(", ")}`, width - 4) }, l.digest)),
    summary.shared.length > shared.length ? /* @__PURE__ */ jsx6(Text6, { dimColor: true, children: `\u2026 ${summary.shared.length - shared.length} more shared` }) : null
  ] });
}

// src/tui/screens/ImagesScreen.tsx
import { jsx as jsx7, jsxs as jsxs7 } from "react/jsx-runtime";
function sourceLabel(s) {
  if (!s.source) return "";
  return s.source.kind === "store" ? "store" : s.source.kind === "docker-root" ? `docker-root:${s.source.path}` : s.source.path;
}
function ImagesScreen({ state, width, height }) {
  const t = useTheme();
  const rows = visibleImages(state);
  const summary = selectionSummary(selectedImages(state));
  const side = width >= 110;
  const panelW = side ? 40 : width;
  const panelH = side ? height - 2 : Math.min(7, Math.max(5, height - 10));
  const tableH = side ? height - 2 : height - 2 - panelH;
  const filterLine = state.filtering || state.filter ? `/${state.filter}${state.filtering ? "\u258C" : ""}` : "";
  return /* @__PURE__ */ jsxs7(Box7, { flexDirection: "column", height, children: [
    /* @__PURE__ */ jsxs7(Text7, { wrap: "truncate", children: [
      /* @__PURE__ */ jsx7(Text7, { bold: true, children: "Images" }),
      /* @__PURE__ */ jsx7(Text7, { dimColor: true, children: ` in ${sourceLabel(state)} \xB7 ${rows.length}${state.filter ? ` of ${state.images.length}` : ""} shown \xB7 ${state.selected.length} selected` })
    ] }),
    /* @__PURE__ */ jsx7(Text7, { wrap: "truncate", ...t.fg("cyan"), children: filterLine || " " }),
    state.imagesStatus === "loading" ? /* @__PURE__ */ jsx7(Text7, { children: "Reading images\u2026" }) : null,
    state.imagesStatus === "error" ? /* @__PURE__ */ jsx7(Text7, { ...t.fg("red"), children: `\u2717 ${state.imagesError ?? "failed"}` }) : null,
    state.imagesStatus === "ready" && state.images.length === 0 ? /* @__PURE__ */ jsx7(Text7, { children: "No images here." }) : null,
    state.imagesStatus === "ready" && state.images.length > 0 ? /* @__PURE__ */ jsxs7(Box7, { flexDirection: side ? "row" : "column", children: [
      /* @__PURE__ */ jsxs7(Box7, { width: side ? width - panelW - 1 : width, flexDirection: "column", children: [
        rows.length === 0 ? /* @__PURE__ */ jsx7(Text7, { children: `No image matches ${JSON.stringify(state.filter)}.` }) : null,
        rows.length > 0 ? /* @__PURE__ */ jsx7(ImageTable, { rows, cursor: state.cursor, selected: state.selected, width: side ? width - panelW - 1 : width, height: tableH }) : null
      ] }),
      /* @__PURE__ */ jsx7(SelectionPanel, { summary, width: panelW, height: panelH })
    ] }) : null
  ] });
}

// src/tui/screens/LayerBrowser.tsx
import { Box as Box9, Text as Text10 } from "ink";

// src/tui/components/FileTree.tsx
import { Box as Box8, Text as Text8 } from "ink";
import { jsx as jsx8, jsxs as jsxs8 } from "react/jsx-runtime";
var MARK = { added: "+", changed: "~", removed: "-" };
function treeLines(changes) {
  const sorted = [...changes].sort((a, b) => a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
  const stack = [];
  const out = [];
  for (const c of sorted) {
    const path = c.path.replace(/\/$/, "");
    while (stack.length && !path.startsWith(`${stack[stack.length - 1].path}/`)) stack.pop();
    const parent = stack[stack.length - 1];
    const label = parent ? path.slice(parent.path.length + 1) : path || "/";
    const depth = parent ? parent.depth + 1 : 0;
    out.push({ depth, label: c.type === "dir" ? `${label}/` : label, change: c });
    if (path) stack.push({ path, depth });
  }
  return out;
}
function FileTree({ lines, scroll, height, width }) {
  const t = useTheme();
  const rows = lines.length > height ? Math.max(1, height - 1) : height;
  const shown = lines.slice(scroll, scroll + rows);
  return /* @__PURE__ */ jsxs8(Box8, { flexDirection: "column", height, children: [
    shown.map((l, i) => {
      const c = l.change;
      const size = c.type === "file" || c.kind === "removed" ? formatBytes(c.size).padStart(9) : "".padStart(9);
      const colour = c.kind === "added" ? t.fg("green") : c.kind === "removed" ? t.fg("red") : t.fg("yellow");
      return /* @__PURE__ */ jsx8(Text8, { wrap: "truncate", ...colour, children: `${MARK[c.kind]} ${size}  ${truncate(`${"  ".repeat(l.depth)}${l.label}`, width - 14)}` }, `${scroll + i}`);
    }),
    lines.length > height ? /* @__PURE__ */ jsx8(Text8, { dimColor: true, children: `  ${scroll + 1}-${Math.min(lines.length, scroll + rows)} of ${lines.length} (J/K scroll)` }) : null
  ] });
}

// src/tui/components/LayerRow.tsx
import { Text as Text9 } from "ink";
import { jsx as jsx9 } from "react/jsx-runtime";
function LayerRow(props) {
  const counts = `+${props.added} ~${props.changed} -${props.removed}`;
  const step = (props.createdBy ?? "").replace(/^\/bin\/sh -c #\(nop\)\s*/, "").replace(/^\/bin\/sh -c /, "RUN ").replace(/\s+/g, " ");
  const head = `${props.at ? "\u203A" : " "} ${String(props.index + 1).padStart(2)} ${shortHex(props.digest, 8)} ${formatBytes(props.size).padStart(9)} ${counts.padEnd(16)} `;
  return /* @__PURE__ */ jsx9(Text9, { wrap: "truncate", inverse: props.at, children: head + truncate(step || "(no history)", Math.max(8, props.width - head.length)) });
}

// src/tui/screens/LayerBrowser.tsx
import { jsx as jsx10, jsxs as jsxs9 } from "react/jsx-runtime";
function LayerBrowser({ state, width, height }) {
  const t = useTheme();
  const L = state.layers;
  const image = state.images.find((r) => r.key === L.image);
  const title = `Layers of ${image ? displayName(image) : "?"}`;
  if (L.status === "loading") return /* @__PURE__ */ jsx10(Text10, { children: `${title}: reading layer headers\u2026` });
  if (L.status === "error") return /* @__PURE__ */ jsx10(Text10, { ...t.fg("red"), children: `${title}: \u2717 ${L.error ?? "failed"}` });
  const changes = L.changes;
  if (!changes) return /* @__PURE__ */ jsx10(Text10, { children: title });
  const listH = Math.min(L.listings.length, Math.max(3, Math.floor((height - 6) / 3)));
  const start = windowStart(L.cursor, L.listings.length, listH);
  const layer = changes.layers[L.cursor];
  const lines = layer ? treeLines(layer.changes) : [];
  const hints = changes.squash.map((h) => `squash ${h.from + 1}\u2013${h.to + 1} saves ${formatBytes(h.saves)}`).join("; ");
  const treeH = Math.max(3, height - listH - 6);
  return /* @__PURE__ */ jsxs9(Box9, { flexDirection: "column", height, children: [
    /* @__PURE__ */ jsx10(Text10, { bold: true, wrap: "truncate", children: `${title} \xB7 ${L.listings.length} layers` }),
    L.listings.slice(start, start + listH).map((l, i) => {
      const idx = start + i;
      const s = changes.layers[idx];
      return /* @__PURE__ */ jsx10(
        LayerRow,
        {
          index: idx,
          at: idx === L.cursor,
          size: l.size,
          added: s?.added ?? 0,
          changed: s?.changed ?? 0,
          removed: s?.removed ?? 0,
          digest: l.digest,
          width,
          ...l.createdBy ? { createdBy: l.createdBy } : {}
        },
        `${idx}`
      );
    }),
    /* @__PURE__ */ jsx10(Text10, { bold: true, wrap: "truncate", children: `Layer ${L.cursor + 1}: ${lines.length} changes (+ added, ~ changed, - removed)` }),
    /* @__PURE__ */ jsx10(FileTree, { lines, scroll: L.scroll, height: treeH, width }),
    /* @__PURE__ */ jsx10(Text10, { wrap: "truncate", ...changes.wastedBytes > 0 ? t.fg("yellow") : {}, children: `Wasted space: ${formatBytes(changes.wastedBytes)} in ${changes.hidden.length} hidden file${changes.hidden.length === 1 ? "" : "s"} (of ${formatBytes(changes.totalBytes)} in all layers)` }),
    /* @__PURE__ */ jsx10(Text10, { wrap: "truncate", dimColor: true, children: hints ? `Suggest: ${hints}` : "Nothing to squash: no layer hides bytes of a lower one." })
  ] });
}

// src/tui/screens/ProgressScreen.tsx
import { Box as Box10, Static, Text as Text13 } from "ink";

// src/tui/components/BlobLine.tsx
import { Text as Text11 } from "ink";
import { jsx as jsx11 } from "react/jsx-runtime";
var ICON = {
  queued: "\xB7",
  hashing: "#",
  copying: "\u21BB",
  verified: "\u2713",
  "skipped-present": "="
};
function BlobLine({ blob }) {
  const t = useTheme();
  const finished = blob.state === "verified" || blob.state === "skipped-present";
  const total = blob.total ?? (finished ? blob.done : void 0);
  const bytes = `${formatBytes(finished ? total ?? blob.done : blob.done)} / ${total === void 0 ? "?" : formatBytes(total)}`;
  const moving = blob.state === "copying" || blob.state === "hashing";
  const extra = moving ? `  ${formatRate(blobRate(blob))}  ETA ${formatDuration(blobEtaSeconds(blob))}` : "";
  const colour = blob.state === "verified" ? t.fg("green") : blob.state === "skipped-present" ? t.fg("gray") : moving ? t.fg("cyan") : {};
  return /* @__PURE__ */ jsx11(Text11, { wrap: "truncate", ...colour, children: `${ICON[blob.state]} ${blob.role.padEnd(8)} ${shortHex(blob.digest)}  ${blob.state.padEnd(15)} ${bytes.padStart(21)}${extra}` });
}

// src/tui/components/ProgressBar.tsx
import { Text as Text12 } from "ink";
import { jsx as jsx12, jsxs as jsxs10 } from "react/jsx-runtime";
function ProgressBar({ fraction, width }) {
  const t = useTheme();
  const w = Math.max(4, width);
  const filled = Math.round(Math.max(0, Math.min(1, fraction)) * w);
  return /* @__PURE__ */ jsxs10(Text12, { children: [
    /* @__PURE__ */ jsx12(Text12, { ...t.fg("green"), children: "\u2588".repeat(filled) }),
    /* @__PURE__ */ jsx12(Text12, { dimColor: true, children: "\u2591".repeat(w - filled) })
  ] });
}

// src/tui/screens/ProgressScreen.tsx
import { jsx as jsx13, jsxs as jsxs11 } from "react/jsx-runtime";
var TITLE = /* @__PURE__ */ Symbol("title");
function ProgressScreen({ state, width, height, title }) {
  const t = useTheme();
  const p = state.progress;
  const byDigest = new Map(p.blobs.map((b) => [b.digest, b]));
  const finished = p.finished.map((d2) => byDigest.get(d2)).filter((b) => b !== void 0);
  const active = p.blobs.filter((b) => !isFinishedBlob(b) && b.state !== "queued");
  const queued = p.blobs.filter((b) => b.state === "queued").length;
  const room = Math.max(1, height - 6);
  const o = overallProgress(p);
  const pct = `${Math.floor(o.fraction * 100)}%`.padStart(4);
  return /* @__PURE__ */ jsxs11(Box10, { flexDirection: "column", children: [
    /* @__PURE__ */ jsx13(Static, { items: [TITLE, ...finished], children: (b) => b === TITLE ? /* @__PURE__ */ jsx13(Text13, { bold: true, children: `baler \xB7 Progress \xB7 ${title}` }, "title") : /* @__PURE__ */ jsx13(BlobLine, { blob: b }, b.digest) }),
    active.slice(0, room).map((b) => /* @__PURE__ */ jsx13(BlobLine, { blob: b }, b.digest)),
    active.length > room ? /* @__PURE__ */ jsx13(Text13, { dimColor: true, children: `  \u2026 ${active.length - room} more moving` }) : null,
    queued > 0 ? /* @__PURE__ */ jsx13(Text13, { dimColor: true, children: `  ${queued} queued` }) : null,
    p.blobs.length === 0 && p.status === "running" ? /* @__PURE__ */ jsx13(Text13, { children: "Working\u2026 (this action reports no per-blob progress)" }) : null,
    /* @__PURE__ */ jsx13(Text13, { children: " " }),
    /* @__PURE__ */ jsxs11(Text13, { wrap: "truncate", children: [
      /* @__PURE__ */ jsx13(ProgressBar, { fraction: o.fraction, width: Math.min(40, width - 44) }),
      ` ${pct} ${formatBytes(o.done)} / ${formatBytes(o.total)}  ${formatRate(o.rate)}  ETA ${formatDuration(o.etaSeconds)}`
    ] }),
    /* @__PURE__ */ jsx13(Text13, { wrap: "truncate", dimColor: true, children: `blobs ${o.finishedBlobs}/${o.plannedBlobs} \xB7 images done ${p.imagesDone}` }),
    p.status === "running" ? /* @__PURE__ */ jsx13(Text13, { dimColor: true, children: "ctrl-c cancels" }) : null,
    p.status === "cancelling" ? /* @__PURE__ */ jsx13(Text13, { ...t.fg("yellow"), children: "Cancelling\u2026 removing what was written" }) : null,
    p.status === "cancelled" ? /* @__PURE__ */ jsx13(Text13, { ...t.fg("yellow"), children: "Cancelled. Nothing partial was left behind. (esc: back, q: quit)" }) : null,
    p.status === "failed" ? /* @__PURE__ */ jsx13(Text13, { wrap: "wrap", ...t.fg("red"), children: `\u2717 ${p.error ?? "failed"} \u2014 nothing partial was left behind. (esc: back, q: quit)` }) : null
  ] });
}

// src/tui/screens/SourceScreen.tsx
import { Box as Box11, Text as Text14 } from "ink";
import { jsx as jsx14, jsxs as jsxs12 } from "react/jsx-runtime";
function SourceScreen({ state, width }) {
  const t = useTheme();
  return /* @__PURE__ */ jsxs12(Box11, { flexDirection: "column", children: [
    /* @__PURE__ */ jsx14(Text14, { bold: true, children: "Choose a source" }),
    /* @__PURE__ */ jsx14(Text14, { children: " " }),
    state.sourceChoices.map((c, i) => {
      const at = i === state.sourceCursor;
      const note = c.available ? c.note ? `  ${c.note}` : "" : `  (${c.note ?? "not available yet"})`;
      return /* @__PURE__ */ jsx14(Text14, { wrap: "truncate", inverse: at, dimColor: !c.available, children: truncate(`${at ? "\u203A" : " "} ${c.label}${note}`, width) }, c.id);
    }),
    state.pathEditing ? /* @__PURE__ */ jsxs12(Box11, { flexDirection: "column", marginTop: 1, children: [
      /* @__PURE__ */ jsxs12(Text14, { wrap: "truncate", children: [
        /* @__PURE__ */ jsx14(Text14, { bold: true, children: "Path: " }),
        state.pathInput,
        /* @__PURE__ */ jsx14(Text14, { inverse: true, children: " " })
      ] }),
      state.completions.slice(0, 8).map((c) => /* @__PURE__ */ jsx14(Text14, { dimColor: true, wrap: "truncate", children: `  ${c}` }, c)),
      state.completions.length > 8 ? /* @__PURE__ */ jsx14(Text14, { dimColor: true, children: `  \u2026 ${state.completions.length - 8} more` }) : null,
      /* @__PURE__ */ jsx14(Text14, { dimColor: true, children: "tab completes, enter opens, esc stops typing" })
    ] }) : null,
    state.imagesStatus === "error" && state.imagesError ? /* @__PURE__ */ jsx14(Box11, { marginTop: 1, children: /* @__PURE__ */ jsx14(Text14, { wrap: "wrap", ...t.fg("red"), children: `\u2717 ${state.imagesError}` }) }) : null
  ] });
}

// src/tui/state/keymap.ts
var d = (action) => ({ kind: "dispatch", action });
function isPrintable(input, key) {
  return !key.ctrl && !key.meta && input.length > 0 && !/[\x00-\x1f\x7f]/.test(input);
}
function edit(value, input, key) {
  if (key.backspace || key.delete) return value.slice(0, -1);
  if (isPrintable(input, key)) return value + input;
  return void 0;
}
function moveDelta(input, key) {
  if (key.upArrow || input === "k") return -1;
  if (key.downArrow || input === "j") return 1;
  if (key.pageUp) return -10;
  if (key.pageDown) return 10;
  return 0;
}
function isTyping(s) {
  return s.screen === "source" && s.pathEditing || s.screen === "images" && s.filtering || s.screen === "action" && s.form.editing;
}
function intentsForKey(s, input, key) {
  if (key.ctrl && input === "c") {
    if (s.screen === "progress" && s.progress.status === "running") return [{ kind: "cancel-copy" }];
    if (s.screen === "progress" && s.progress.status === "cancelling") return [];
    return [{ kind: "quit" }];
  }
  if (s.help) return [d({ type: "help/toggle" })];
  const typing = isTyping(s);
  if (!typing && input === "?") return [d({ type: "help/toggle" })];
  const busy = s.screen === "progress" && (s.progress.status === "running" || s.progress.status === "cancelling");
  if (!typing && input === "q" && !busy) return [{ kind: "quit" }];
  switch (s.screen) {
    case "source":
      return sourceKeys(s, input, key);
    case "images":
      return imagesKeys(s, input, key);
    case "action":
      return actionKeys(s, input, key);
    case "progress":
      if (!busy && (key.escape || key.return)) return [d({ type: "nav/to", screen: "images" })];
      return [];
    case "layers": {
      if (key.escape) return [d({ type: "nav/back" })];
      const max = (s.layers.changes?.layers[s.layers.cursor]?.changes.length ?? 0) - 1;
      if (input === "J" || key.pageDown) return [d({ type: "layers/scroll", delta: 10, max })];
      if (input === "K" || key.pageUp) return [d({ type: "layers/scroll", delta: -10, max })];
      const delta = moveDelta(input, key);
      return delta ? [d({ type: "layers/move", delta })] : [];
    }
    case "done":
      if (key.escape || key.return) return [d({ type: "nav/to", screen: "images" })];
      return [];
  }
}
function sourceKeys(s, input, key) {
  if (s.pathEditing) {
    if (key.escape) return [d({ type: "source/edit-path", editing: false })];
    if (key.tab) return [{ kind: "complete-path" }];
    if (key.return) return s.pathInput.trim() ? [{ kind: "choose-source", source: { kind: s.pathFor, path: s.pathInput.trim() } }] : [];
    const v = edit(s.pathInput, input, key);
    return v === void 0 ? [] : [d({ type: "source/path-input", value: v })];
  }
  const delta = moveDelta(input, key);
  if (delta) return [d({ type: "source/move", delta })];
  if (key.return || input === " ") {
    const choice = s.sourceChoices[s.sourceCursor];
    if (!choice || !choice.available) return [];
    if (choice.id === "store") return [{ kind: "choose-source", source: { kind: "store" } }];
    if (choice.id === "path" || choice.id === "docker-root") return [d({ type: "source/edit-path", editing: true, for: choice.id, ...choice.defaultPath ? { initial: choice.defaultPath } : {} })];
  }
  return [];
}
function imagesKeys(s, input, key) {
  const visible = visibleImages(s);
  const delta = key.upArrow ? -1 : key.downArrow ? 1 : key.pageUp ? -10 : key.pageDown ? 10 : 0;
  if (delta) return [d({ type: "images/move", delta, visible: visible.length })];
  const here = cursorImage(s);
  if (input === " ") return here ? [d({ type: "images/toggle", id: here.key })] : [];
  if (s.filtering) {
    if (key.escape) return [d({ type: "filter/end", keep: false })];
    if (key.return) return [d({ type: "filter/end", keep: true })];
    const v = edit(s.filter, input, key);
    return v === void 0 ? [] : [d({ type: "filter/input", value: v })];
  }
  const jk = input === "j" ? 1 : input === "k" ? -1 : 0;
  if (jk) return [d({ type: "images/move", delta: jk, visible: visible.length })];
  if (input === "/") return [d({ type: "filter/start" })];
  if (key.escape) return s.filter ? [d({ type: "filter/end", keep: false })] : [d({ type: "nav/back" })];
  if (input === "a") {
    const ids = visible.map((r) => r.key);
    const all = ids.length > 0 && ids.every((id) => s.selected.includes(id));
    return [d({ type: "images/select-only", ids: all ? s.selected.filter((id) => !ids.includes(id)) : [.../* @__PURE__ */ new Set([...s.selected, ...ids])] })];
  }
  if (input === "L" || input === "i") return here ? [{ kind: "open-layers", image: here.key }] : [];
  if (key.return) {
    if (s.selected.length === 0 && !here) return [];
    return [...s.selected.length === 0 && here ? [d({ type: "images/toggle", id: here.key })] : [], { kind: "open-action" }];
  }
  return [];
}
function actionKeys(s, input, key) {
  const field = formFields(s)[s.form.field];
  if (s.form.editing) {
    if (key.escape || key.return || key.tab) return [d({ type: "action/edit", editing: false })];
    const current = field?.value ?? "";
    const v = edit(current, input, key);
    return v === void 0 ? [] : [d({ type: "action/input", value: v })];
  }
  if (key.escape) return [d({ type: "nav/back" })];
  const delta = moveDelta(input, key) || (key.tab ? 1 : 0);
  if (delta) return [d({ type: "action/move", delta })];
  if (key.leftArrow || input === "h") return [d({ type: "action/cycle", delta: -1 })];
  if (key.rightArrow || input === "l") return [d({ type: "action/cycle", delta: 1 })];
  if (input === "s") return [{ kind: "start-copy" }];
  if (key.return || input === " ") {
    if (!field) return [];
    if (field.type === "choice") return [d({ type: "action/cycle", delta: 1 })];
    if (field.type === "text") return [d({ type: "action/edit", editing: true })];
    return [{ kind: "start-copy" }];
  }
  return [];
}
function splitKeys(input, key) {
  if (input === "" || key.ctrl || key.meta || input.includes("\x1B") || input.length === 1 && input >= " " && input !== "\x7F") return [[input, key]];
  const out = [];
  for (const ch of input) {
    if (ch === "\r" || ch === "\n") out.push(["", { return: true }]);
    else if (ch === "	") out.push(["", { tab: true }]);
    else if (ch === "\x7F" || ch === "\b") out.push(["", { backspace: true }]);
    else if (ch === "") out.push(["c", { ctrl: true }]);
    else if (ch >= " ") out.push([ch, {}]);
  }
  return out;
}

// src/tui/state/machine.ts
var idleProgress = { status: "idle", blobs: [], finished: [], totalBytes: 0, sharedBytes: 0, plannedBlobs: 0, imagesDone: 0, startedAt: 0, now: 0, warnings: [] };
function initialState(sourceChoices, actions) {
  return {
    screen: "source",
    help: false,
    quit: false,
    actions,
    sourceChoices,
    sourceCursor: 0,
    pathInput: "",
    pathEditing: false,
    pathFor: "path",
    completions: [],
    imagesStatus: "idle",
    images: [],
    cursor: 0,
    selected: [],
    filter: "",
    filtering: false,
    form: initialActionForm(),
    progress: idleProgress,
    layers: { status: "idle", listings: [], cursor: 0, scroll: 0 }
  };
}
function clamp(n, lo, hi) {
  return Math.max(lo, Math.min(hi, n));
}
var BACK = {
  source: void 0,
  images: "source",
  action: "images",
  progress: void 0,
  layers: "images",
  done: "images"
};
function kindsOf(s) {
  return availableKinds(s.source, s.actions);
}
function applyCopyEvent(p, e, at) {
  switch (e.kind) {
    case "plan":
      return { ...p, totalBytes: e.totalBytes, sharedBytes: e.sharedBytes, plannedBlobs: e.blobs, now: at };
    case "blob": {
      if (p.finished.includes(e.digest)) return { ...p, now: at };
      const i = p.blobs.findIndex((b) => b.digest === e.digest);
      const prev = i >= 0 ? p.blobs[i] : void 0;
      const row = {
        digest: e.digest,
        role: e.role,
        state: e.state,
        done: e.done,
        startedAt: prev && prev.state !== "queued" ? prev.startedAt : at,
        updatedAt: at
      };
      const total = e.total ?? prev?.total;
      if (total !== void 0) row.total = total;
      const blobs = i >= 0 ? p.blobs.map((b, j) => j === i ? row : b) : [...p.blobs, row];
      const isDone = (st) => st === "verified" || st === "skipped-present";
      const finished = isDone(e.state) && !isDone(prev?.state) ? [...p.finished, e.digest] : p.finished;
      return { ...p, blobs, finished, now: at };
    }
    case "image-done":
      return { ...p, imagesDone: p.imagesDone + 1, now: at };
    case "warning":
      return { ...p, warnings: [...p.warnings, e.message], now: at };
    case "name-moved":
      return p;
  }
}
function reduce(s, a) {
  switch (a.type) {
    case "help/toggle":
      return { ...s, help: !s.help };
    case "quit":
      return { ...s, quit: true };
    case "nav/back": {
      if (s.help) return { ...s, help: false };
      const to = BACK[s.screen];
      return to ? { ...s, screen: to, formError: void 0 } : s;
    }
    case "nav/to":
      return { ...s, screen: a.screen };
    case "source/move":
      return { ...s, sourceCursor: clamp(s.sourceCursor + a.delta, 0, s.sourceChoices.length - 1) };
    case "source/edit-path":
      if (!a.editing) return { ...s, pathEditing: false, completions: [] };
      return { ...s, pathEditing: true, pathFor: a.for ?? s.pathFor, pathInput: a.for && a.for !== s.pathFor ? a.initial ?? "" : s.pathInput || (a.initial ?? "") };
    case "source/path-input":
      return { ...s, pathInput: a.value };
    case "source/completions":
      return { ...s, completions: a.completions };
    case "source/choose":
      return {
        ...s,
        source: a.source,
        screen: "images",
        pathEditing: false,
        completions: [],
        imagesStatus: "loading",
        images: [],
        selected: [],
        cursor: 0,
        filter: "",
        filtering: false,
        form: { ...initialActionForm(), kind: availableKinds(a.source, s.actions)[0] ?? "save" }
      };
    case "images/loaded":
      return { ...s, imagesStatus: "ready", images: a.rows, cursor: 0 };
    case "images/failed":
      return { ...s, screen: "source", imagesStatus: "error", imagesError: a.message };
    case "images/move":
      return { ...s, cursor: clamp(s.cursor + a.delta, 0, Math.max(0, a.visible - 1)) };
    case "images/toggle":
      return { ...s, selected: s.selected.includes(a.id) ? s.selected.filter((x) => x !== a.id) : [...s.selected, a.id] };
    case "images/select-only":
      return { ...s, selected: [...a.ids] };
    case "filter/start":
      return { ...s, filtering: true };
    case "filter/input":
      return { ...s, filter: a.value, cursor: 0 };
    case "filter/end":
      return { ...s, filtering: false, filter: a.keep ? s.filter : "", cursor: a.keep ? s.cursor : 0 };
    case "action/open": {
      const kinds = kindsOf(s);
      const kind = kinds.includes(s.form.kind) ? s.form.kind : kinds[0] ?? "save";
      const output = s.form.output || defaultOutput(kind, a.names, s.selected.length);
      return { ...s, screen: "action", form: { ...s.form, kind, output, field: 0, editing: false }, formError: void 0 };
    }
    case "action/move": {
      const n = actionFields(s.form, kindsOf(s)).length;
      return { ...s, form: { ...s.form, field: clamp(s.form.field + a.delta, 0, n - 1) } };
    }
    case "action/cycle": {
      const before = s.form.kind;
      let form = cycleField(s.form, kindsOf(s), a.delta);
      if (form.kind !== before && form.output) {
        form = { ...form, output: form.kind === "oci-dir" ? form.output.replace(/\.tar$/, "-oci") : form.output.replace(/-oci$/, ".tar") };
      }
      return { ...s, form };
    }
    case "action/edit":
      return { ...s, form: { ...s.form, editing: a.editing } };
    case "action/input":
      return { ...s, form: setTextField(s.form, kindsOf(s), a.value) };
    case "action/invalid":
      return { ...s, formError: a.message };
    case "copy/start":
      return { ...s, screen: "progress", progress: { ...idleProgress, status: "running", startedAt: a.at, now: a.at } };
    case "copy/event":
      return { ...s, progress: applyCopyEvent(s.progress, a.event, a.at) };
    case "copy/events":
      return { ...s, progress: a.events.reduce((p, e) => applyCopyEvent(p, e, a.at), s.progress) };
    case "copy/tick":
      return s.progress.status === "running" ? { ...s, progress: { ...s.progress, now: a.at } } : s;
    case "copy/cancel":
      return s.progress.status === "running" ? { ...s, progress: { ...s.progress, status: "cancelling" } } : s;
    case "copy/cancelled":
      return { ...s, progress: { ...s.progress, status: "cancelled" } };
    case "copy/failed":
      return { ...s, progress: { ...s.progress, status: "failed", error: a.message } };
    case "copy/finished":
      return {
        ...s,
        screen: "done",
        progress: { ...s.progress, status: "idle" },
        done: { outcome: a.outcome, dedupeSaved: s.progress.sharedBytes, command: a.command }
      };
    case "layers/open":
      return { ...s, screen: "layers", layers: { status: "loading", image: a.image, listings: [], cursor: 0, scroll: 0 } };
    case "layers/loaded":
      return { ...s, layers: { ...s.layers, status: "ready", listings: a.listings, changes: a.changes } };
    case "layers/failed":
      return { ...s, layers: { ...s.layers, status: "error", error: a.message } };
    case "layers/move":
      return { ...s, layers: { ...s.layers, cursor: clamp(s.layers.cursor + a.delta, 0, Math.max(0, s.layers.listings.length - 1)), scroll: 0 } };
    case "layers/scroll":
      return { ...s, layers: { ...s.layers, scroll: clamp(s.layers.scroll + a.delta, 0, Math.max(0, a.max)) } };
  }
}

// src/tui/App.tsx
import { jsx as jsx15, jsxs as jsxs13 } from "react/jsx-runtime";
var HINTS = {
  source: [["\u2191\u2193", "move"], ["enter", "open"], ["?", "help"], ["q", "quit"]],
  images: [["space", "select"], ["enter", "action"], ["/", "filter"], ["L", "layers"], ["esc", "back"], ["?", "help"], ["q", "quit"]],
  action: [["\u2191\u2193", "field"], ["\u2190\u2192", "change"], ["enter", "edit/start"], ["esc", "back"], ["q", "quit"]],
  progress: [],
  layers: [["\u2191\u2193", "layer"], ["J/K", "scroll files"], ["esc", "back"], ["q", "quit"]],
  done: [["enter", "more images"], ["q", "quit"]]
};
var FINAL_FRAME_MS = 150;
var TITLES = { source: "Source", images: "Images", action: "Action", progress: "Progress", layers: "Layer browser", done: "Done" };
function progressTitle(s) {
  const plan = plannedCopy(s);
  if ("error" in plan) return "";
  const a = plan.action;
  if (a.verb === "export") return `export ${a.image} -> ${a.output}`;
  return a.verb === "load" ? `load ${a.images.join(" ")} into the store` : `save ${a.images.join(" ")} -> ${a.output}`;
}
function errorText(err) {
  return err instanceof Error ? err.message : String(err);
}
function commonPrefix(words) {
  if (words.length === 0) return "";
  let p = words[0] ?? "";
  for (const w of words) while (!w.startsWith(p)) p = p.slice(0, -1);
  return p;
}
function App({ services, onExit }) {
  const [state, dispatchToReact] = useReducer(reduce, void 0, () => initialState(services.sourceChoices(), services.actions));
  const stateRef = useRef2(state);
  const dispatch = useCallback2((a) => {
    stateRef.current = reduce(stateRef.current, a);
    dispatchToReact(a);
  }, []);
  const { exit } = useApp();
  const { stdout, write } = useStdout2();
  const size = useTerminalSize();
  const theme = useTheme();
  const commands = useRef2([]);
  const copyAbort = useRef2(void 0);
  const loadAbort = useRef2(void 0);
  const running = state.progress.status === "running" || state.progress.status === "cancelling";
  const events = useCopyEvents(dispatch, running);
  const clearScreen = useCallback2(() => {
    if (stdout.isTTY) write("\x1B[2J\x1B[H");
  }, [stdout, write]);
  const lastScreen = useRef2(state.screen);
  useEffect3(() => {
    const was = lastScreen.current;
    lastScreen.current = state.screen;
    if (was === "progress" && state.screen !== "progress") clearScreen();
  }, [state.screen, clearScreen]);
  const quit = useCallback2(() => {
    loadAbort.current?.abort();
    exit();
    onExit({ commands: commands.current, interrupted: stateRef.current.progress.status === "cancelled" });
  }, [exit, onExit]);
  const chooseSource = useCallback2(
    (source) => {
      loadAbort.current?.abort();
      const ac = new AbortController();
      loadAbort.current = ac;
      dispatch({ type: "source/choose", source });
      services.listImages(source, ac.signal).then(
        (rows2) => {
          if (!ac.signal.aborted) dispatch({ type: "images/loaded", rows: rows2 });
        },
        (err) => {
          if (!ac.signal.aborted) dispatch({ type: "images/failed", message: errorText(err) });
        }
      );
    },
    [services]
  );
  const completePath = useCallback2(() => {
    const typed = stateRef.current.pathInput;
    services.completePath(typed).then(
      (found) => {
        const prefix = commonPrefix(found);
        if (prefix.length > typed.length) dispatch({ type: "source/path-input", value: prefix });
        dispatch({ type: "source/completions", completions: found.length === 1 ? [] : found });
      },
      () => dispatch({ type: "source/completions", completions: [] })
    );
  }, [services]);
  const openLayers = useCallback2(
    (image) => {
      const s = stateRef.current;
      const row = s.images.find((r) => r.key === image);
      if (!row || !s.source) return;
      loadAbort.current?.abort();
      const ac = new AbortController();
      loadAbort.current = ac;
      dispatch({ type: "layers/open", image });
      services.listLayers(s.source, row, ac.signal).then(
        (listings) => {
          if (!ac.signal.aborted) dispatch({ type: "layers/loaded", listings, changes: computeImageChanges(listings.map((l) => l.entries)) });
        },
        (err) => {
          if (!ac.signal.aborted) dispatch({ type: "layers/failed", message: errorText(err) });
        }
      );
    },
    [services]
  );
  const startCopy = useCallback2(() => {
    const s = stateRef.current;
    const plan = plannedCopy(s);
    if ("error" in plan) {
      dispatch({ type: "action/invalid", message: plan.error });
      return;
    }
    const command = equivalentCommand(plan.action, services.storeFlag ? { storeFlag: services.storeFlag } : {});
    const ac = new AbortController();
    copyAbort.current = ac;
    clearScreen();
    dispatch({ type: "copy/start", at: Date.now() });
    services.copy(plan.request, events.push, ac.signal).then(
      (outcome) => {
        events.flush();
        commands.current.push(command);
        setTimeout(() => dispatch({ type: "copy/finished", outcome, command }), FINAL_FRAME_MS);
      },
      (err) => {
        events.flush();
        if (ac.signal.aborted) dispatch({ type: "copy/cancelled" });
        else dispatch({ type: "copy/failed", message: errorText(err) });
      }
    );
  }, [services, events, clearScreen]);
  const run = useCallback2(
    (intent) => {
      switch (intent.kind) {
        case "dispatch":
          return dispatch(intent.action);
        case "choose-source":
          return chooseSource(intent.source);
        case "complete-path":
          return completePath();
        case "open-action":
          return dispatch({ type: "action/open", names: selectedImages(stateRef.current).flatMap((r) => r.names) });
        case "start-copy":
          return startCopy();
        case "cancel-copy":
          dispatch({ type: "copy/cancel" });
          return copyAbort.current?.abort();
        case "open-layers":
          return openLayers(intent.image);
        case "quit":
          return quit();
      }
    },
    [chooseSource, completePath, startCopy, openLayers, quit]
  );
  useInput((input, key) => {
    for (const [i, k] of splitKeys(input, key)) for (const intent of intentsForKey(stateRef.current, i, k)) run(intent);
  });
  const { columns, rows } = size;
  const height = Math.max(10, rows - 1);
  const bodyH = height - 3;
  const full = state.screen !== "progress";
  let body;
  if (state.help) body = /* @__PURE__ */ jsx15(HelpOverlay, {});
  else if (state.screen === "source") body = /* @__PURE__ */ jsx15(SourceScreen, { state, width: columns });
  else if (state.screen === "images") body = /* @__PURE__ */ jsx15(ImagesScreen, { state, width: columns, height: bodyH });
  else if (state.screen === "action") body = /* @__PURE__ */ jsx15(ActionScreen, { state, width: columns, ...services.storeFlag ? { storeFlag: services.storeFlag } : {} });
  else if (state.screen === "progress") body = /* @__PURE__ */ jsx15(ProgressScreen, { state, width: columns, height: bodyH, title: progressTitle(state) });
  else if (state.screen === "layers") body = /* @__PURE__ */ jsx15(LayerBrowser, { state, width: columns, height: bodyH });
  else body = state.done ? /* @__PURE__ */ jsx15(DoneScreen, { done: state.done }) : null;
  return /* @__PURE__ */ jsxs13(Box12, { flexDirection: "column", width: columns, ...full ? { height } : {}, children: [
    full ? /* @__PURE__ */ jsxs13(Text15, { wrap: "truncate", children: [
      /* @__PURE__ */ jsx15(Text15, { bold: true, ...theme.fg("magenta"), children: "baler" }),
      /* @__PURE__ */ jsx15(Text15, { dimColor: true, children: ` \xB7 ${TITLES[state.screen]}` })
    ] }) : null,
    /* @__PURE__ */ jsx15(Box12, { flexDirection: "column", flexGrow: 1, ...full ? { height: bodyH + 1 } : {}, children: body }),
    HINTS[state.screen].length ? /* @__PURE__ */ jsx15(KeyHints, { hints: HINTS[state.screen] }) : null
  ] });
}
export {
  App
};
