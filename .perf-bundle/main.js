import {
  buildLayerTarFromDir
} from "./chunk-GYU6A2FJ.js";
import {
  MediaTypes,
  compressionFromFileName,
  configPlatform,
  copyImages,
  decompressAuto,
  detectStorageDriver,
  dockerArchiveTransport,
  dockerRootTransport,
  exportImage,
  familiarName,
  familiarRepository,
  flattenImageTo,
  fullName,
  globFilter,
  hexOf,
  historyRows,
  isDigest,
  makeTempDir,
  manifestKind,
  mountDataDir,
  normalizeEntryPath,
  openDockerRootSource,
  openExistingLayout,
  openInputSource,
  openStore,
  parseImageConfig,
  parseImageManifest,
  parseImageName,
  parseIndexManifest,
  parseTransportRef,
  readMountEntry,
  resolveSourceImage,
  runInterruptCleanups,
  serializeManifest,
  sha256Of,
  shortId,
  splitDockerRootSpec,
  spoolToFile,
  storeRef
} from "./chunk-FWP2UCIU.js";
import {
  HashingStream,
  TarWriter,
  readTarEntries
} from "./chunk-OSXEAJDC.js";
import {
  JsonLimits,
  expectObject,
  formatPlatform,
  hostPlatform,
  isObject,
  jsonBytes,
  parseJsonBytes,
  parsePlatform,
  platformMatches
} from "./chunk-FL654ZV2.js";
import {
  resolveStorePath
} from "./chunk-V5TBUXUW.js";
import {
  BalerError,
  ExitCode,
  exitCodeFor,
  fromSystemError
} from "./chunk-FBHWHWP3.js";
import "./chunk-BPCHXMC3.js";

// src/cli/run.ts
import { parseArgs } from "node:util";

// src/cli/render/units.ts
var SIZE_UNITS = ["B", "kB", "MB", "GB", "TB", "PB", "EB"];
function formatBytes(bytes) {
  let value = bytes;
  let unit = 0;
  while (value >= 1e3 && unit < SIZE_UNITS.length - 1) {
    value /= 1e3;
    unit++;
  }
  return `${Number(value.toPrecision(3))}${SIZE_UNITS[unit]}`;
}
function formatDuration(ms) {
  if (ms < 1e3) return `${Math.max(0, Math.round(ms))}ms`;
  const seconds = ms / 1e3;
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const whole = Math.round(seconds);
  const h = Math.floor(whole / 3600);
  const m = Math.floor(whole % 3600 / 60);
  const s = whole % 60;
  if (h > 0) return `${h}h${String(m).padStart(2, "0")}m`;
  return `${m}m${String(s).padStart(2, "0")}s`;
}
function formatRate(bytesPerSecond) {
  return `${formatBytes(Math.max(0, bytesPerSecond))}/s`;
}
function formatRelativeTime(created2, now = /* @__PURE__ */ new Date()) {
  return `${humanDuration(Math.max(0, now.getTime() - created2.getTime()))} ago`;
}
function humanDuration(ms) {
  const seconds = Math.floor(ms / 1e3);
  if (seconds < 1) return "Less than a second";
  if (seconds === 1) return "1 second";
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.floor(ms / 6e4);
  if (minutes === 1) return "About a minute";
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.round(ms / 36e5);
  if (hours === 1) return "About an hour";
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.floor(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.floor(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24 / 30)} months`;
  return `${Math.floor(hours / 24 / 365)} years`;
}

// src/cli/store-context.ts
function storePathFor(ctx) {
  return resolveStorePath(ctx.flags.string("store"), ctx.io.env, ctx.io.cwd);
}
function openStoreFor(ctx) {
  return openStore(storePathFor(ctx));
}
function openExistingStoreFor(ctx) {
  return openExistingLayout(storePathFor(ctx));
}
function printJson(io, value) {
  io.stdout.write(`${JSON.stringify(value, null, 2)}
`);
}

// src/cli/commands/fsck.ts
function count(n, noun) {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}
async function run(ctx) {
  const store = await openExistingStoreFor(ctx);
  const report = await store.fsck(ctx.io.signal);
  const ok = report.problems.length === 0;
  if (ctx.flags.bool("json")) {
    printJson(ctx.io, {
      Store: report.root,
      Ok: ok,
      Problems: report.problems.map((p) => ({ Digest: p.digest ?? null, Message: p.message })),
      Images: report.images,
      BlobsChecked: report.blobsChecked,
      BytesChecked: report.bytesChecked
    });
  } else {
    for (const p of report.problems) ctx.io.stdout.write(`${p.message}
`);
    if (!ctx.flags.bool("quiet") || !ok) {
      ctx.io.stdout.write(
        `${report.root}: ${ok ? "OK" : count(report.problems.length, "problem")} (${count(report.images, "image")}, ${count(report.blobsChecked, "blob")}, ${formatBytes(report.bytesChecked)} checked)
`
      );
    }
  }
  return ok ? ExitCode.ok : ExitCode.integrity;
}
var fsckCommand = {
  spec: {
    name: "fsck",
    summary: "Check the store for corrupt or missing data",
    description: `Checks the embedded store: oci-layout and index.json must be valid, every blob file is re-hashed and must match its file name, and everything the index refers to \u2014 through nested indexes, manifests, configs and layers \u2014 must be present with the size its descriptor states.

Each problem is printed on its own line, followed by a summary; the exit status is 5 when there is any problem. Temp files of writes in progress or interrupted ones are not problems (baler prune removes stale ones). A store only ever needs repair after disk corruption or manual edits: baler writes blobs before the index, so a crash cannot leave a reference to a missing blob.`,
    args: [],
    flags: [],
    examples: [
      { command: "baler fsck", description: "Verify the default store." },
      { command: "baler fsck --store /mnt/usb/store --json", description: "Verify a store on removable media, with a JSON report." }
    ]
  },
  run
};

// src/cli/render/table.ts
var GAP = "   ";
function renderTable(rows, columns) {
  const cells = rows.map((r) => columns.map((c) => c.cell(r)));
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((line2) => (line2[i] ?? "").length)));
  const line = (values) => values.map((v, i) => {
    const last = i === values.length - 1;
    const width = widths[i] ?? 0;
    if (columns[i]?.align === "right") return v.padStart(width);
    return last ? v : v.padEnd(width);
  }).join(GAP).trimEnd();
  return `${[line(columns.map((c) => c.header)), ...cells.map(line)].join("\n")}
`;
}

// src/cli/image-details.ts
async function loadImageDetails(store, image) {
  let descriptor = image.descriptor;
  let bytes = await store.readManifest(descriptor.digest);
  let pickedPlatform;
  if (manifestKind(bytes, `manifest ${descriptor.digest}`) === "index") {
    const index = parseIndexManifest(bytes, `index ${descriptor.digest}`);
    const runnable = index.manifests.filter((m) => m.platform && m.platform.os !== "unknown");
    const host = hostPlatform();
    const child = runnable.find((m) => m.platform && platformMatches(host, m.platform)) ?? runnable[0] ?? index.manifests[0];
    if (!child) throw new BalerError("E_FORMAT", `index ${descriptor.digest}: holds no images`);
    descriptor = child;
    if (child.platform) pickedPlatform = formatPlatform(child.platform);
    bytes = await store.readManifest(child.digest);
  }
  const manifest = parseImageManifest(bytes, `manifest ${descriptor.digest}`, descriptor.mediaType);
  const configBytes = await store.readConfig(manifest.config.digest);
  const config = parseImageConfig(configBytes, `config ${manifest.config.digest}`);
  const out = { image, manifestDescriptor: descriptor, manifest, configBytes, config };
  if (pickedPlatform) out.pickedPlatform = pickedPlatform;
  return out;
}

// src/cli/commands/history.ts
var CREATED_BY_WIDTH = 45;
function oneLine(s) {
  return s.replace(/\s+/g, " ").trim();
}
function truncate(s, width) {
  return s.length > width ? `${s.slice(0, width - 1)}\u2026` : s;
}
function created(iso) {
  if (!iso) return "";
  const t = new Date(iso);
  return Number.isNaN(t.getTime()) ? iso : formatRelativeTime(t);
}
async function run2(ctx) {
  const store = await openStoreFor(ctx);
  const [query] = ctx.args;
  const details = await loadImageDetails(store, (await store.resolve(query ?? "")).image);
  const noTrunc = ctx.flags.bool("no-trunc");
  const id = details.manifest.config.digest;
  const lines = historyRows(details.config).map((row) => ({ row, size: row.layerIndex === void 0 ? 0 : details.manifest.layers[row.layerIndex]?.size ?? 0 })).reverse();
  if (lines[0]) lines[0].id = id;
  if (ctx.flags.bool("json")) {
    printJson(
      ctx.io,
      lines.map((l) => ({
        Id: l.id ?? "<missing>",
        Created: l.row.entry.created ?? null,
        CreatedBy: l.row.entry.created_by ?? "",
        Size: l.size,
        Comment: l.row.entry.comment ?? "",
        EmptyLayer: l.row.layerIndex === void 0,
        DiffId: l.row.diffId ?? null,
        Layer: l.row.layerIndex === void 0 ? null : details.manifest.layers[l.row.layerIndex]?.digest ?? null
      }))
    );
    return ExitCode.ok;
  }
  ctx.io.stdout.write(
    renderTable(lines, [
      { header: "IMAGE", cell: (l) => l.id ? noTrunc ? l.id : shortId(l.id) : "<missing>" },
      { header: "CREATED", cell: (l) => created(l.row.entry.created) },
      { header: "CREATED BY", cell: (l) => noTrunc ? oneLine(l.row.entry.created_by ?? "") : truncate(oneLine(l.row.entry.created_by ?? ""), CREATED_BY_WIDTH) },
      { header: "SIZE", cell: (l) => formatBytes(l.size) },
      { header: "COMMENT", cell: (l) => oneLine(l.row.entry.comment ?? "") }
    ])
  );
  return ExitCode.ok;
}
var historyCommand = {
  spec: {
    name: "history",
    summary: "Show the build steps and layers of an image",
    description: `Shows the history of IMAGE the way docker history does: one line per build step, newest first, with the step's creation time, the command that made it, the size of the layer it added and its comment. Steps that only changed metadata (ENV, CMD, LABEL\u2026) are included with size 0B. The newest line shows the image ID; older steps show <missing>, as for pulled images.

Sizes are those of the layer blobs as stored in the store (compressed when the layer is). An image without history gets one line per layer.`,
    args: [{ name: "IMAGE", description: "Image name, ID (or prefix) or manifest digest." }],
    flags: [{ name: "no-trunc", type: "boolean", description: "Do not shorten the image ID and the CREATED BY column." }],
    examples: [
      { command: "baler history imga:1", description: "Show how imga:1 was built." },
      { command: "baler history --no-trunc --json imga:1", description: "Every step as JSON, commands in full." }
    ]
  },
  run: run2
};

// src/cli/commands/inspect.ts
function inspectJson(d) {
  const { image, config, manifest } = d;
  const out = {
    Id: manifest.config.digest,
    RepoTags: image.names.filter((n) => n.tag !== void 0).map(familiarName),
    RepoDigests: [...new Set(image.names.map((n) => `${familiarRepository(n)}@${image.digest}`))],
    Created: config.created ?? null,
    Author: config.author ?? "",
    Architecture: config.architecture,
    Os: config.os,
    Config: config.config ?? null,
    RootFS: { Type: "layers", Layers: config.rootfs.diff_ids },
    Size: image.size,
    Manifest: {
      Digest: d.manifestDescriptor.digest,
      MediaType: manifest.mediaType,
      Config: manifest.config,
      Layers: manifest.layers
    }
  };
  if (config.variant) out.Variant = config.variant;
  if (image.kind === "index") out.Index = { Digest: image.digest, Platforms: image.platforms.map(formatPlatform), Picked: d.pickedPlatform ?? null };
  return out;
}
function field(label, value) {
  return `${`${label}:`.padEnd(14)}${value}
`;
}
function list(v) {
  if (Array.isArray(v)) return v.map((x) => JSON.stringify(x)).join(" ");
  if (v && typeof v === "object") return Object.keys(v).join(" ");
  return String(v);
}
function inspectText(d) {
  const { image, config, manifest } = d;
  let out = "";
  out += field("Names", image.names.length ? image.names.map(familiarName).join(", ") : "<none>");
  out += field("ID", manifest.config.digest);
  out += field("Digest", `${image.digest} (${image.descriptor.mediaType})`);
  if (image.kind === "index") out += field("Platforms", `${image.platforms.map(formatPlatform).join(", ")}; showing ${d.pickedPlatform ?? "the first"}`);
  const created2 = config.created ? new Date(config.created) : void 0;
  out += field("Created", created2 && !Number.isNaN(created2.getTime()) ? `${config.created} (${formatRelativeTime(created2)})` : config.created ?? "");
  out += field("Platform", formatPlatform(configPlatform(config)));
  if (config.author) out += field("Author", config.author);
  out += field("Size", `${formatBytes(image.size)} (${image.size} bytes)`);
  const c = config.config ?? {};
  const shown = [
    ["Entrypoint", c.Entrypoint],
    ["Cmd", c.Cmd],
    ["WorkingDir", c.WorkingDir],
    ["User", c.User],
    ["ExposedPorts", c.ExposedPorts],
    ["Volumes", c.Volumes],
    ["StopSignal", c.StopSignal]
  ];
  out += "Config:\n";
  for (const [k, v] of shown) if (v !== void 0 && v !== null && v !== "") out += `  ${field(k, list(v))}`;
  for (const e of c.Env ?? []) out += `  ${field("Env", e)}`;
  for (const [k, v] of Object.entries(c.Labels ?? {})) out += `  ${field("Label", `${k}=${v}`)}`;
  out += `Layers (${manifest.layers.length}):
`;
  manifest.layers.forEach((l, i) => {
    out += `  ${l.digest}  ${formatBytes(l.size).padStart(7)}  ${l.mediaType}  diff_id ${config.rootfs.diff_ids[i] ?? "?"}
`;
  });
  return out;
}
async function run3(ctx) {
  const store = await openStoreFor(ctx);
  const details = [];
  for (const query of ctx.args) details.push(await loadImageDetails(store, (await store.resolve(query)).image));
  if (ctx.flags.bool("json")) printJson(ctx.io, details.map(inspectJson));
  else ctx.io.stdout.write(details.map(inspectText).join("\n"));
  return ExitCode.ok;
}
var inspectCommand = {
  spec: {
    name: "inspect",
    summary: "Show an image's names, config, manifest and layers",
    description: `Shows what the embedded store knows of each IMAGE: its names, image ID (config digest), manifest digest and media type, creation time, platform, size, runtime config (entrypoint, command, environment, working directory, user, ports, volumes, labels) and its layers with their digests, sizes and diff IDs.

IMAGE is a name (imga, imga:1, docker.io/library/imga:1), an image ID or a unique prefix of at least 4 hex digits, or a manifest digest (sha256:\u2026). For a multi-platform image the host's platform is shown (else the first).

With --json the output is a JSON array with one object per IMAGE holding docker inspect's useful fields (Id, RepoTags, RepoDigests, Created, Author, Architecture, Variant, Os, Config, RootFS, Size) plus Manifest (digest, media type, config and layer descriptors) and, for a multi-platform image, Index.`,
    args: [{ name: "IMAGE", description: "Image name, ID (or prefix) or manifest digest.", multiple: true }],
    flags: [],
    examples: [
      { command: "baler inspect imga:1", description: "Show the image imga:1." },
      { command: 'baler inspect --json 0d4f23 | jq ".[0].Config.Env"', description: "The environment of the image whose ID starts with 0d4f23." }
    ]
  },
  run: run3
};

// src/cli/commands/ls.ts
import micromatch from "micromatch";
function matches(name, patterns) {
  const familiar = familiarName(name);
  const repo = familiarRepository(name);
  return patterns.some((p) => micromatch.isMatch(familiar, p) || micromatch.isMatch(fullName(name), p) || !/[:@]/.test(p) && micromatch.isMatch(repo, p));
}
function rowsOf(images, patterns) {
  const rows = [];
  for (const image of images) {
    if (image.names.length === 0) {
      if (patterns.length === 0) rows.push({ image });
      continue;
    }
    for (const name of image.names) if (patterns.length === 0 || matches(name, patterns)) rows.push({ image, name });
  }
  return rows.sort((a, b) => (b.image.created ?? "").localeCompare(a.image.created ?? "") || (a.name ? familiarName(a.name) : "~").localeCompare(b.name ? familiarName(b.name) : "~"));
}
function tagOf(n) {
  return n?.tag ?? "<none>";
}
function createdCell(image) {
  if (!image.created) return "";
  const t = new Date(image.created);
  return Number.isNaN(t.getTime()) ? image.created : formatRelativeTime(t);
}
async function run4(ctx) {
  const store = await openStoreFor(ctx);
  const rows = rowsOf(await store.images(), ctx.args);
  const noTrunc = ctx.flags.bool("no-trunc");
  if (ctx.flags.bool("json")) {
    const seen = /* @__PURE__ */ new Set();
    printJson(
      ctx.io,
      rows.filter((r) => !seen.has(r.image.digest) && seen.add(r.image.digest)).map(({ image }) => ({
        Id: image.id,
        Digest: image.digest,
        RepoTags: image.names.filter((n) => n.tag !== void 0).map(familiarName),
        Names: image.names.map(fullName),
        Created: image.created ?? null,
        Size: image.size,
        MediaType: image.descriptor.mediaType,
        Platforms: image.platforms.map(formatPlatform)
      }))
    );
    return ExitCode.ok;
  }
  if (ctx.flags.bool("quiet")) {
    const ids = [...new Set(rows.map((r) => noTrunc ? r.image.id : shortId(r.image.id)))];
    ctx.io.stdout.write(ids.map((i) => `${i}
`).join(""));
    return ExitCode.ok;
  }
  const columns = [
    { header: "REPOSITORY", cell: (r) => r.name ? familiarRepository(r.name) : "<none>" },
    { header: "TAG", cell: (r) => tagOf(r.name) },
    { header: "IMAGE ID", cell: (r) => noTrunc ? r.image.id : hexOf(r.image.id).slice(0, 12) },
    { header: "CREATED", cell: (r) => createdCell(r.image) },
    { header: "SIZE", cell: (r) => formatBytes(r.image.size) }
  ];
  if (rows.some((r) => r.image.kind === "index")) columns.push({ header: "PLATFORMS", cell: (r) => r.image.platforms.map(formatPlatform).join(",") });
  ctx.io.stdout.write(renderTable(rows, columns));
  return ExitCode.ok;
}
var lsCommand = {
  spec: {
    name: "ls",
    summary: "List the images in the embedded store",
    description: `Lists every image in the embedded store, one line per name, like docker images: REPOSITORY, TAG, IMAGE ID (the first 12 hex digits of the config digest), CREATED (relative to now) and SIZE (the sum of the image's blobs as stored, shared layers counted in every image that uses them).

An image without a name is shown once as <none> <none>; it can still be used by its ID. A multi-platform image (an OCI index or Docker manifest list) is listed with the index digest as its ID, and a PLATFORMS column lists what it holds.

PATTERN arguments filter by name using shell-style globs (micromatch) over the familiar name (debian:12) or the full name (docker.io/library/debian:12); a pattern without a tag also matches the repository alone, so 'baler ls debian' lists every debian tag.`,
    args: [{ name: "PATTERN", description: "Only names matching this glob (repeatable).", optional: true, multiple: true }],
    flags: [{ name: "no-trunc", type: "boolean", description: "Show full image IDs (sha256:\u2026)." }],
    examples: [
      { command: "baler ls", description: "List every image in the store." },
      { command: "baler ls 'debian:*'", description: "List every tag of debian." },
      { command: "baler ls -q", description: "Print only the image IDs, one per line." },
      { command: 'baler ls --json | jq -r ".[].Id"', description: "Full image IDs for a script." }
    ]
  },
  run: run4
};

// src/cli/commands/prune.ts
async function run5(ctx) {
  const store = await openStoreFor(ctx);
  const dryRun = ctx.flags.bool("dry-run");
  const result = await store.prune({ dryRun });
  if (ctx.flags.bool("json")) {
    printJson(ctx.io, {
      DryRun: dryRun,
      Blobs: result.blobs.map((b) => ({ Digest: b.digest ?? null, Size: b.size })),
      TempFiles: result.temps.map((t) => ({ Path: t.name, Size: t.size })),
      Bytes: result.bytes
    });
    return ExitCode.ok;
  }
  const verb = dryRun ? "Would delete" : "Deleted";
  if (!ctx.flags.bool("quiet")) {
    for (const b of result.blobs) ctx.io.stdout.write(`${verb}: ${b.digest ?? b.name} (${formatBytes(b.size)})
`);
    for (const t of result.temps) ctx.io.stdout.write(`${verb}: ${t.name} (${formatBytes(t.size)}, left by an interrupted write)
`);
  }
  const count2 = result.blobs.length + result.temps.length;
  ctx.io.stdout.write(
    `${dryRun ? "Would reclaim" : "Total reclaimed space"}: ${formatBytes(result.bytes)} (${count2} ${count2 === 1 ? "file" : "files"})
`
  );
  return ExitCode.ok;
}
var pruneCommand = {
  spec: {
    name: "prune",
    summary: "Delete blobs no image in the store uses",
    description: `Deletes the blobs (layers, configs, manifests) of the embedded store that no image reaches any more, following every index entry through nested indexes and manifests, plus temp files left by writes that were interrupted (a killed baler load). Anything an image still uses is never deleted, and images themselves \u2014 named or not \u2014 are never removed: use baler rm for that.

Prune is safe while baler load or import runs: blobs a running writer has stored or counted on but not yet published are spared (they are listed in its lease file), and prune holds the store lock while it deletes, so no image is ever published with a blob missing.

Prints each deleted blob with its size and the total; --dry-run prints what would go without deleting.`,
    args: [],
    flags: [{ name: "dry-run", short: "n", type: "boolean", description: "Only show what would be deleted." }],
    examples: [
      { command: "baler prune --dry-run", description: "See how much space pruning would free." },
      { command: "baler rm imga:1 && baler prune", description: "Remove an image and free its layers." }
    ]
  },
  run: run5
};

// src/cli/commands/rm.ts
async function run6(ctx) {
  const store = await openStoreFor(ctx);
  const outcomes = await store.remove(ctx.args, { force: ctx.flags.bool("force") });
  if (ctx.flags.bool("json")) {
    printJson(
      ctx.io,
      outcomes.map((o) => ({ Image: o.query, Untagged: o.untagged.map(familiarName), Deleted: o.deleted ?? null }))
    );
    return ExitCode.ok;
  }
  if (ctx.flags.bool("quiet")) return ExitCode.ok;
  for (const o of outcomes) {
    for (const n of o.untagged) ctx.io.stdout.write(`Untagged: ${familiarName(n)}
`);
    if (o.deleted) ctx.io.stdout.write(`Deleted: ${o.deleted}
`);
  }
  return ExitCode.ok;
}
var rmCommand = {
  spec: {
    name: "rm",
    summary: "Remove images or names from the store",
    description: `Removes each IMAGE from the embedded store, like docker rmi. Given a name, only that name is removed; the image goes with its last name. Given an image ID (or a unique prefix of at least 4 hex digits) or a manifest digest, the whole image is removed, which needs -f when several names point at it.

Removing an image only changes the store's index; its blobs stay on disk until baler prune deletes the ones no remaining image uses. Prints "Untagged: NAME" for each name removed and "Deleted: ID" for each image removed.

All IMAGE arguments are resolved first; if one cannot be removed (unknown, ambiguous, or needs -f), nothing is changed.`,
    args: [{ name: "IMAGE", description: "Image name, ID (or prefix) or manifest digest.", multiple: true }],
    flags: [{ name: "force", short: "f", type: "boolean", description: "Remove an image given by ID even when several names point at it." }],
    examples: [
      { command: "baler rm imga:1", description: "Remove the name imga:1 (and the image, if it was its last name)." },
      { command: "baler rm -f 0d4f23c8", description: "Remove the image with every name it has." },
      { command: "baler rm imga:1 && baler prune", description: "Remove an image and free the space its layers used." }
    ]
  },
  run: run6
};

// src/cli/commands/tag.ts
async function run7(ctx) {
  const [source, target] = ctx.args;
  const name = parseImageName(target ?? "", { defaultTag: "latest" });
  const store = await openStoreFor(ctx);
  const { image, moved } = await store.tag(source ?? "", name);
  if (ctx.flags.bool("json")) {
    printJson(ctx.io, { Id: image.id, Digest: image.digest, Name: familiarName(name), MovedFrom: moved?.from ?? null });
  } else if (moved && !ctx.flags.bool("quiet")) {
    ctx.io.stderr.write(`baler: ${familiarName(name)} moved from ${moved.from} to ${image.digest}; the old image is kept (unnamed if nothing else names it)
`);
  }
  return ExitCode.ok;
}
var tagCommand = {
  spec: {
    name: "tag",
    summary: "Give an image in the store another name",
    description: `Adds the name TARGET to the image SOURCE in the embedded store, like docker tag. SOURCE is a name, an image ID (or a unique prefix of at least 4 hex digits) or a manifest digest; TARGET is a name, and gets the tag latest when it has none.

If TARGET already names another image, the name moves: the other image stays in the store, unnamed unless another name still points at it (remove it with baler rm, then baler prune to free its blobs).`,
    args: [
      { name: "SOURCE", description: "The image to name." },
      { name: "TARGET", description: "The new name (REPOSITORY[:TAG])." }
    ],
    flags: [],
    examples: [
      { command: "baler tag imga:1 registry.example.com/team/imga:1", description: "Name imga:1 for another registry before saving it." },
      { command: "baler tag 0d4f23c8 imga:stable", description: "Name an image by its short ID." }
    ]
  },
  run: run7
};

// src/transports/docker-root/containers.ts
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
var ZERO_TIME = "0001-01-01T00:00:00Z";
function parseContainerConfig(bytes, what) {
  const o = expectObject(parseJsonBytes(bytes, what, JsonLimits.config), what);
  const id = typeof o.ID === "string" ? o.ID : "";
  if (!/^[0-9a-f]{64}$/.test(id)) throw new BalerError("E_FORMAT", `${what}: missing container ID`);
  const s = isObject(o.State) ? o.State : {};
  const exitCode = typeof s.ExitCode === "number" ? s.ExitCode : 0;
  const startedAt = typeof s.StartedAt === "string" ? s.StartedAt : ZERO_TIME;
  const state = s.Running === true ? s.Paused === true ? "paused" : s.Restarting === true ? "restarting" : "running" : s.Dead === true ? "dead" : startedAt.startsWith("0001-") ? "created" : "exited";
  const status = { running: "Up", paused: "Up (Paused)", restarting: "Restarting", dead: "Dead", exited: `Exited (${exitCode})`, created: "Created" }[state];
  const args = Array.isArray(o.Args) ? o.Args.filter((a) => typeof a === "string") : [];
  const command = typeof o.Path === "string" && o.Path !== "" ? [o.Path, ...args] : args;
  const c = { id, name: typeof o.Name === "string" ? o.Name.replace(/^\//, "") : "", state, exitCode, status, command };
  if (isDigest(o.Image)) c.imageId = o.Image;
  const cfg = isObject(o.Config) ? o.Config : {};
  if (typeof cfg.Image === "string") c.imageRef = cfg.Image;
  if (isObject(o.Config)) c.runtimeConfig = o.Config;
  if (typeof o.Created === "string") c.created = o.Created;
  if (typeof o.Driver === "string") c.driver = o.Driver;
  return c;
}
async function listContainers(root) {
  const dir = join(root, "containers");
  let ids;
  try {
    ids = await readdir(dir);
  } catch (err) {
    if (err.code === "ENOENT") return [];
    throw fromSystemError(err, dir);
  }
  const out = [];
  for (const id of ids) {
    if (!/^[0-9a-f]{64}$/.test(id)) continue;
    const path = join(dir, id, "config.v2.json");
    let bytes;
    try {
      if ((await stat(path)).size > JsonLimits.config) throw new BalerError("E_FORMAT", `${path}: larger than ${JsonLimits.config} bytes`);
      bytes = await readFile(path);
    } catch (err) {
      if (err.code === "ENOENT") continue;
      throw fromSystemError(err, path);
    }
    out.push(parseContainerConfig(bytes, path));
  }
  return out.sort((a, b) => (b.created ?? "").localeCompare(a.created ?? "") || a.id.localeCompare(b.id));
}
function findContainer(all, want, root) {
  const name = want.replace(/^\//, "");
  const exact = all.find((c) => c.id === want || c.name === name);
  if (exact) return exact;
  const byPrefix = /^[0-9a-f]+$/.test(want) ? all.filter((c) => c.id.startsWith(want)) : [];
  if (byPrefix.length === 1) return byPrefix[0];
  if (byPrefix.length > 1) throw new BalerError("E_CONFLICT", `${root}: container ID prefix ${JSON.stringify(want)} is ambiguous`);
  throw new BalerError("E_NOT_FOUND", `${root}: no such container ${JSON.stringify(want)}`);
}
async function lookupContainer(root, want) {
  try {
    return findContainer(await listContainers(root), want, root);
  } catch (err) {
    if (err instanceof BalerError && err.code === "E_NOT_FOUND") return void 0;
    throw err;
  }
}

// src/cli/commands/ps.ts
var psCommand = {
  spec: {
    name: "ps",
    summary: "List the containers of a Docker data root, without the daemon",
    description: [
      "Reads containers/<id>/config.v2.json under a Docker data root (default /var/lib/docker) and lists every container with its ID, image, creation time, status and name, as `docker ps -a` would. The daemon does not need to run; reading /var/lib/docker needs root.",
      'The status is the one dockerd last recorded: a container shown as "Up" on a root whose daemon was killed is not actually running.',
      "Use the ID or name with `baler commit --from docker-root:DIR CONTAINER NAME` to turn a container into an image. With --quiet only the short IDs are printed, as `docker ps -q` does."
    ].join("\n\n"),
    args: [],
    flags: [{ name: "from", type: "string", placeholder: "docker-root:DIR", description: "The Docker data root to read (default docker-root:/var/lib/docker)." }],
    examples: [
      { command: "baler ps --from docker-root:/var/lib/docker", description: "List the containers of the local Docker store, daemon stopped or not." },
      { command: "baler ps --from docker-root:/mnt/old-disk/var/lib/docker --json", description: "Containers of a disk taken from another host, as JSON." }
    ]
  },
  async run({ flags, io }) {
    const from = flags.string("from") ?? "docker-root:";
    if (!from.startsWith("docker-root")) {
      throw new BalerError("E_USAGE", `ps: --from ${JSON.stringify(from)}: containers can only be read from docker-root:DIR`);
    }
    const { location } = splitDockerRootSpec(from, io.cwd);
    await detectStorageDriver(location);
    const containers = await listContainers(location);
    if (flags.bool("json")) {
      io.stdout.write(`${JSON.stringify(containers.map(jsonRow), null, 2)}
`);
      return ExitCode.ok;
    }
    if (flags.bool("quiet")) {
      for (const c of containers) io.stdout.write(`${c.id.slice(0, 12)}
`);
      return ExitCode.ok;
    }
    io.stdout.write(
      renderTable(containers, [
        { header: "CONTAINER ID", cell: (c) => c.id.slice(0, 12) },
        { header: "IMAGE", cell: (c) => c.imageRef ?? (c.imageId ? shortId(c.imageId) : "") },
        { header: "CREATED", cell: (c) => c.created ? formatRelativeTime(new Date(c.created)) : "" },
        { header: "STATUS", cell: (c) => c.status },
        { header: "NAMES", cell: (c) => c.name }
      ])
    );
    return ExitCode.ok;
  }
};
function jsonRow(c) {
  return { id: c.id, name: c.name, image: c.imageRef ?? null, imageId: c.imageId ?? null, created: c.created ?? null, state: c.state, exitCode: c.exitCode, status: c.status };
}

// src/transports/docker-root/container-commit.ts
import { createReadStream } from "node:fs";
import { Readable } from "node:stream";
var ContainerCommitSource = class _ContainerCommitSource {
  constructor(ref, container, base, layer, config, manifest, temp) {
    this.ref = ref;
    this.container = container;
    this.base = base;
    this.layer = layer;
    this.config = config;
    this.manifest = manifest;
    this.temp = temp;
  }
  ref;
  container;
  base;
  layer;
  config;
  manifest;
  temp;
  static async open(root, want, o = {}) {
    const driver = await detectStorageDriver(root);
    const container = await lookupContainer(root, want);
    if (!container) throw new BalerError("E_NOT_FOUND", `${root}: no such container ${JSON.stringify(want)}`);
    if (!container.imageId) throw new BalerError("E_FORMAT", `${root}: container ${container.name} records no image`);
    const mount = await readMountEntry(root, driver, container.id);
    const ref = containerRef(root, container);
    const base = await openDockerRootSource(baseRef(root, container.imageId), o);
    const temp = await makeTempDir("baler-commit-");
    try {
      const image = await base.resolve(container.imageId);
      const what = `container ${container.name || container.id.slice(0, 12)}`;
      const rw = mountDataDir(root, driver, mount.mountId);
      const layer = await buildLayerTarFromDir({
        dir: rw,
        mode: driver === "overlay2" ? "overlay-diff" : "vfs-diff",
        ...driver === "vfs" ? { parentDir: mountDataDir(root, driver, mount.initId ?? `${mount.mountId}-init`) } : {},
        tempDir: temp.path,
        what: `${what}: read-write layer (${rw})`,
        ...o.signal ? { signal: o.signal } : {},
        ...o.onWarning ? { onWarning: o.onWarning } : {}
      });
      const config = committedConfig(image.config, container, layer.digest, o);
      const manifest = serializeManifest({
        schemaVersion: 2,
        mediaType: MediaTypes.ociManifest,
        config: { mediaType: MediaTypes.ociConfig, digest: sha256Of(config), size: config.length },
        layers: [...image.layers.map((l) => ({ mediaType: MediaTypes.ociLayer, digest: l.digest, size: l.size })), { mediaType: MediaTypes.ociLayer, digest: layer.digest, size: layer.size }]
      });
      return new _ContainerCommitSource(ref, container, base, layer, config, manifest, temp);
    } catch (err) {
      await temp.remove();
      await base[Symbol.asyncDispose]();
      throw err;
    }
  }
  /** The image ID the commit gets. */
  get id() {
    return sha256Of(this.config);
  }
  async list() {
    return [{ descriptor: { mediaType: MediaTypes.ociManifest, digest: sha256Of(this.manifest), size: this.manifest.length }, names: [] }];
  }
  async fetchManifest(d) {
    if (d.digest !== sha256Of(this.manifest)) throw new BalerError("E_NOT_FOUND", `${this.ref.toString()}: no manifest ${d.digest}`);
    return this.manifest;
  }
  async fetchBlob(d, signal) {
    if (d.digest === this.id) return Readable.from([this.config], { objectMode: false });
    if (d.digest === this.layer.digest) return createReadStream(this.layer.path, { highWaterMark: 1024 * 1024 });
    return this.base.fetchBlob(d, signal);
  }
  async [Symbol.asyncDispose]() {
    try {
      await this.base[Symbol.asyncDispose]();
    } finally {
      await this.temp.remove();
    }
  }
};
function committedConfig(imageConfig, c, diffId, o) {
  const raw = JSON.parse(imageConfig.toString("utf8"));
  const created2 = (/* @__PURE__ */ new Date()).toISOString();
  const rootfs = raw.rootfs;
  const history = Array.isArray(raw.history) ? [...raw.history] : [];
  const entry = { created: created2, created_by: c.command.join(" ") };
  if (o.author) entry.author = o.author;
  if (o.message) entry.comment = o.message;
  history.push(entry);
  const out = { ...raw, created: created2, container: c.id, history, rootfs: { type: rootfs.type, diff_ids: [...rootfs.diff_ids, diffId] } };
  if (c.runtimeConfig) {
    out.config = c.runtimeConfig;
    out.container_config = c.runtimeConfig;
  }
  if (o.author) out.author = o.author;
  if (o.message) out.comment = o.message;
  else delete out.comment;
  return Buffer.from(JSON.stringify(out), "utf8");
}
function containerRef(root, c) {
  return dockerRootTransport.parse(`docker-root:${root}:${c.name || c.id}`);
}
function baseRef(root, imageId) {
  return dockerRootTransport.parse(`docker-root:${root}:${imageId}`);
}

// src/cli/render/json.ts
function writeJson(io, value) {
  io.stdout.write(`${JSON.stringify(value, null, 2)}
`);
}
function copyReportJson(r) {
  return {
    ...r,
    images: r.images.map((i) => ({ names: i.names.map(familiarName), id: i.id, digest: i.digest })),
    moved: r.moved.map((m) => ({ name: familiarName(m.name), from: m.from, to: m.to }))
  };
}

// src/cli/commands/commit.ts
async function run8(ctx) {
  const { flags, io } = ctx;
  const [container, nameArg] = ctx.args;
  const from = flags.string("from") ?? "docker-root:";
  if (!from.startsWith("docker-root")) throw new BalerError("E_USAGE", `commit: --from ${JSON.stringify(from)}: containers can only be read from docker-root:DIR`);
  const name = nameArg !== void 0 ? parseImageName(nameArg, { defaultTag: "latest" }) : void 0;
  if (name?.digest) throw new BalerError("E_USAGE", `commit: ${JSON.stringify(nameArg)}: a digest cannot be a name; give NAME[:TAG]`);
  const refs = { storePath: resolveStorePath(flags.string("store"), io.env, io.cwd), cwd: io.cwd, stdin: io.stdin };
  const intoRef = parseTransportRef(flags.string("into") ?? "store", refs);
  const warn = (_code, message2) => {
    if (!flags.bool("quiet")) io.stderr.write(`baler: warning: ${message2}
`);
  };
  const message = flags.string("message");
  const author = flags.string("author");
  const source = await ContainerCommitSource.open(splitDockerRootSpec(from, io.cwd).location, container, {
    signal: io.signal,
    onWarning: warn,
    ...message !== void 0 ? { message } : {},
    ...author !== void 0 ? { author } : {}
  });
  try {
    const sink = await intoRef.openSink({ signal: io.signal });
    try {
      const report = await copyImages({ from: source, to: sink, select: { kind: "all" }, ...name ? { rename: name } : {}, signal: io.signal });
      for (const w of report.warnings) warn("", w);
      if (flags.bool("json")) writeJson(io, copyReportJson(report));
      else if (name) io.stdout.write(`${source.id}
Committed ${source.container.name || source.container.id.slice(0, 12)} as ${familiarName(name)}
`);
      else io.stdout.write(`${source.id}
`);
      return ExitCode.ok;
    } finally {
      await sink[Symbol.asyncDispose]();
    }
  } finally {
    await source[Symbol.asyncDispose]();
  }
}
var commitCommand = {
  spec: {
    name: "commit",
    summary: "Make an image from a container's changes in a Docker data root, without the daemon",
    description: [
      "Reads CONTAINER (name, ID or unique ID prefix) from a Docker data root (default /var/lib/docker; overlay2 or vfs) and writes a new image: the container's image with one more layer holding what the container changed \u2014 added and modified files, and deletions as whiteouts \u2014 like `docker commit`. The runtime config recorded for the container (Cmd, Env, Labels\u2026) becomes the image config, and a history entry names the command it ran. The image goes to the embedded store unless --into names another place (docker-archive:FILE, oci:DIR, docker for a running daemon\u2026).",
      "The data root is only read. The new layer is built from the container's directory, so its ID differs from what `docker commit` would print (timestamps). Extended attributes other than overlay opaque marks are not carried (Node has no xattr API; GNU tar is used to read the opaque marks)."
    ].join("\n\n"),
    args: [
      { name: "CONTAINER", description: "Container name or ID in the data root." },
      { name: "NAME", description: "Name for the new image (REPOSITORY[:TAG]); without it the image is kept by ID.", optional: true }
    ],
    flags: [
      { name: "from", type: "string", placeholder: "docker-root:DIR", description: "The Docker data root (default docker-root:/var/lib/docker)." },
      { name: "into", type: "string", placeholder: "DEST", description: "Where to write the image: store (default), store:DIR, docker-archive:FILE, oci-archive:FILE, oci:DIR or docker." },
      { name: "message", short: "m", type: "string", placeholder: "TEXT", description: "Commit message (the history comment)." },
      { name: "author", short: "a", type: "string", placeholder: "NAME", description: "Author recorded in the image config." }
    ],
    examples: [
      { command: "baler commit --from docker-root:/var/lib/docker web1 web:debug", description: "Turn the stopped container web1 into the image web:debug in the store." },
      { command: "baler commit --from docker-root:/mnt/disk/docker web1 --into docker-archive:web1.tar", description: "Rescue a container from a disk of a dead host into a docker load archive." }
    ]
  },
  run: run8
};

// src/cli/commands/export.ts
import { resolve } from "node:path";
var TRANSPORT_PREFIXES = ["docker-archive:", "oci-archive:", "oci:", "store:", "docker-root:"];
function exportSource(ctx, spec) {
  if (TRANSPORT_PREFIXES.some((p) => spec.startsWith(p))) {
    const ref = parseTransportRef(spec, { storePath: storePathFor(ctx), cwd: ctx.io.cwd, stdin: ctx.io.stdin });
    return ref.image !== void 0 ? { ref, image: ref.image } : { ref };
  }
  return { ref: storeRef(storePathFor(ctx)), image: spec };
}
function chosenCompression(ctx, output) {
  const asked = ctx.flags.choice("compress", ["gzip", "zstd", "none"]);
  if (asked) return asked;
  return (output ? compressionFromFileName(output) : void 0) ?? "none";
}
async function run9(ctx) {
  const [spec] = ctx.args;
  const output = ctx.flags.string("output");
  const compression = chosenCompression(ctx, output);
  const level = ctx.flags.int("level", compression === "zstd" ? -7 : 0, compression === "zstd" ? 22 : 9);
  if (level !== void 0 && compression === "none") throw new BalerError("E_USAGE", "export: --level needs --compress gzip or zstd");
  const platformSpec = ctx.flags.string("platform");
  let to;
  if (output && output !== "-") {
    to = { kind: "file", path: resolve(ctx.io.cwd, output), overwrite: true };
  } else {
    if (ctx.io.stdout.isTTY) throw new BalerError("E_USAGE", "export: refusing to write a tar archive to a terminal; use -o FILE or redirect stdout");
    if (ctx.flags.bool("json")) throw new BalerError("E_USAGE", "export: --json needs -o FILE (stdout carries the archive)");
    to = { kind: "stream", stream: ctx.io.stdout, what: "stdout" };
  }
  const filter = globFilter(ctx.flags.list("include"), ctx.flags.list("exclude"));
  const { ref, image } = exportSource(ctx, spec);
  const source = await ref.openSource({ signal: ctx.io.signal });
  try {
    const report = await exportImage({
      source,
      ...image !== void 0 ? { image } : {},
      ...platformSpec ? { platform: parsePlatform(platformSpec) } : {},
      to,
      compression,
      ...level !== void 0 ? { level } : {},
      ...filter ? { filter } : {},
      signal: ctx.io.signal,
      warn: (_code, message) => {
        if (!ctx.flags.bool("quiet")) ctx.io.stderr.write(`baler: warning: ${message}
`);
      }
    });
    if (ctx.flags.bool("json")) printJson(ctx.io, report);
    else if (!ctx.flags.bool("quiet")) {
      ctx.io.stderr.write(
        `Exported ${report.image} (${report.layers} layer${report.layers === 1 ? "" : "s"}, ${report.entries} entries, ${formatBytes(report.fileBytes)} of files; ${formatBytes(report.reclaimedBytes)} hidden by later layers left out) to ${report.location}${report.compression === "none" ? "" : ` (${report.compression}, ${formatBytes(report.bytesWritten)})`}
`
      );
    }
    return ExitCode.ok;
  } finally {
    await source[Symbol.asyncDispose]();
  }
}
var exportCommand = {
  spec: {
    name: "export",
    summary: "Write an image's flattened root file system as one tar",
    description: `Flattens SOURCE \u2014 an image of the embedded store, or an image in an archive or layout (docker-archive:FILE[:IMAGE], oci:DIR[:REF], oci-archive:FILE[:REF]) \u2014 into the single tar \`docker export\` would give for a container of it: layers are applied base to top, whiteouts delete what lower layers added (and never appear in the output), opaque directories hide lower content, hard links keep the content they had even when their original name was later replaced or deleted. Types, permission bits including setuid/setgid/sticky, owners (ids and names), modification times, symlink targets, device numbers, FIFOs, extended attributes (PAX SCHILY.xattr.*) and long or non-ASCII names are kept. Unlike docker export, the container-runtime files (.dockerenv, /etc/hostname, /etc/hosts, /etc/resolv.conf, /dev/console\u2026) are not added.

Output order: directories, symlinks, devices and empty files first (parents before children), then regular files in layer order; the first name of a hard-linked file carries its content, later names are hard links to it. Memory use is bounded by the number of entries, never their size: each layer is read twice as a stream and file contents are copied straight to the output.

The archive goes to -o FILE (written under a temporary name and renamed when complete, so an interrupted export leaves nothing) or to standard output when that is not a terminal. Compression comes from --compress, else from the -o suffix (.tar.gz/.tgz \u2192 gzip, .tar.zst \u2192 zstd), else none.`,
    args: [{ name: "SOURCE", description: "Image name, ID or digest in the store, or TRANSPORT:LOCATION[:IMAGE]." }],
    flags: [
      { name: "output", short: "o", type: "string", placeholder: "FILE", description: "Write the tar to FILE (replaced atomically) instead of standard output." },
      { name: "compress", type: "string", placeholder: "gzip|zstd|none", description: "Compress the tar (default: from the -o suffix, else none)." },
      { name: "level", type: "string", placeholder: "N", description: "Compression level (gzip 0-9, zstd -7-22)." },
      { name: "include", type: "string", multiple: true, placeholder: "GLOB", description: 'Only write paths matching GLOB (or below a matching directory); repeatable. Paths are relative, e.g. "etc/**".' },
      { name: "exclude", type: "string", multiple: true, placeholder: "GLOB", description: "Leave out paths matching GLOB and everything below them; repeatable." },
      { name: "platform", type: "string", placeholder: "OS/ARCH[/VARIANT]", description: "Which image of a multi-platform index to flatten (default: the host platform)." }
    ],
    examples: [
      { command: "baler export -o rootfs.tar app:1", description: "Flatten app:1 of the store into rootfs.tar." },
      { command: "baler export docker-archive:images.tar:app:1 | tar -t", description: "List the files of an image inside a docker save archive." },
      { command: 'baler export --exclude "usr/share/doc/**" -o app.tar.zst app:1', description: "A zstd-compressed rootfs without documentation." }
    ],
    sections: [
      {
        title: "PATHS",
        body: "Output names are clean relative paths (no ./ prefix, no root entry). A layer entry whose name, or whose hard-link target, is absolute or climbs out of the root with .. is refused: export stops with exit status 4 and an E_PATH_ESCAPE message naming the layer and the entry, and nothing is written. Symlink targets are data and are kept exactly as stored."
      }
    ]
  },
  run: run9
};

// src/cli/commands/import.ts
import { resolve as resolve3 } from "node:path";

// src/image/shell-words.ts
function usage(what, why) {
  return new BalerError("E_USAGE", `--change ${JSON.stringify(what)}: ${why}`);
}
function lookup(env, name) {
  const prefix = `${name}=`;
  for (const e of env) if (e.startsWith(prefix)) return e.slice(prefix.length);
  return void 0;
}
var NAME_CHAR = /[A-Za-z0-9_]/;
var Lexer = class {
  constructor(text, what, env, mode) {
    this.text = text;
    this.what = what;
    this.env = env;
    this.mode = mode;
  }
  text;
  what;
  env;
  mode;
  i = 0;
  words = [];
  cur = "";
  inWord = false;
  run() {
    const t = this.text;
    while (this.i < t.length) {
      const c = t[this.i++];
      if (this.mode !== "word" && /\s/.test(c)) {
        this.endWord();
        continue;
      }
      this.inWord = true;
      if (c === "'") this.cur += this.singleQuoted();
      else if (c === '"') this.cur += this.doubleQuoted();
      else if (c === "\\" && this.i < t.length) this.cur += t[this.i++];
      else if (c === "$" && this.env) this.addExpansion(this.dollar());
      else this.cur += c;
    }
    if (this.mode === "word") return [this.cur];
    this.endWord();
    return this.words;
  }
  endWord() {
    if (this.inWord && (this.mode !== "fields" || this.cur !== "")) this.words.push(this.cur);
    this.cur = "";
    this.inWord = false;
  }
  /** An unquoted substitution: in `fields` mode its whitespace separates words. */
  addExpansion(value) {
    if (this.mode !== "fields") {
      this.cur += value;
      return;
    }
    const parts = value.split(/\s+/);
    parts.forEach((p, n) => {
      if (n > 0) this.endWord();
      this.cur += p;
      this.inWord = true;
    });
  }
  singleQuoted() {
    const end = this.text.indexOf("'", this.i);
    if (end < 0) throw usage(this.what, "unterminated ' quote");
    const s = this.text.slice(this.i, end);
    this.i = end + 1;
    return s;
  }
  doubleQuoted() {
    const t = this.text;
    let s = "";
    while (this.i < t.length) {
      const c = t[this.i++];
      if (c === '"') return s;
      if (c === "\\" && this.i < t.length && '"\\$'.includes(t[this.i])) s += t[this.i++];
      else if (c === "$" && this.env) s += this.dollar();
      else s += c;
    }
    throw usage(this.what, 'unterminated " quote');
  }
  /** After a `$`: the substituted value, or a literal `$` when no name follows. */
  dollar() {
    const t = this.text;
    if (t[this.i] === "{") {
      this.i++;
      return this.braced();
    }
    const name = this.name();
    return name === "" ? "$" : lookup(this.env ?? [], name) ?? "";
  }
  name() {
    const t = this.text;
    if (/[0-9]/.test(t[this.i] ?? "")) return t[this.i++];
    const start = this.i;
    while (this.i < t.length && NAME_CHAR.test(t[this.i])) this.i++;
    return t.slice(start, this.i);
  }
  braced() {
    const t = this.text;
    const name = this.name();
    if (name === "") throw usage(this.what, `bad substitution at ${JSON.stringify(t.slice(this.i - 2))}`);
    const value = lookup(this.env ?? [], name);
    if (t[this.i] === "}") {
      this.i++;
      return value ?? "";
    }
    const colon = t[this.i] === ":";
    if (colon) this.i++;
    const op = t[this.i++];
    if (op !== "-" && op !== "+" && op !== "?") throw usage(this.what, `unsupported modifier in \${${name}${colon ? ":" : ""}${op ?? ""}\u2026}`);
    const word = this.untilBrace();
    const set = value !== void 0 && (!colon || value !== "");
    if (op === "-") return set ? value : word;
    if (op === "+") return set ? word : "";
    if (!set) throw usage(this.what, `${name}: ${word || "is not set"}`);
    return value;
  }
  /** The word of `${VAR:-word}` up to its closing brace: quotes, escapes and substitutions apply. */
  untilBrace() {
    const t = this.text;
    let s = "";
    while (this.i < t.length) {
      const c = t[this.i++];
      if (c === "}") return s;
      if (c === "'") s += this.singleQuoted();
      else if (c === '"') s += this.doubleQuoted();
      else if (c === "\\" && this.i < t.length) s += t[this.i++];
      else if (c === "$") s += this.dollar();
      else s += c;
    }
    throw usage(this.what, "missing '}'");
  }
};
function splitShellWords(text, what, env) {
  return new Lexer(text, what, env, "words").run();
}
function splitShellFields(text, what, env) {
  return new Lexer(text, what, env, "fields").run();
}
function processShellWord(text, what, env) {
  return new Lexer(text, what, env, "word").run()[0] ?? "";
}

// src/image/changes.ts
function usage2(change, why) {
  return new BalerError("E_USAGE", `--change ${JSON.stringify(change)}: ${why}`);
}
function splitInstruction(change) {
  const m = /^\s*(\S+)(?:\s+([\s\S]*))?$/.exec(change);
  if (!m) throw new BalerError("E_USAGE", "--change: empty instruction");
  return { keyword: (m[1] ?? "").toUpperCase(), rest: (m[2] ?? "").trim() };
}
function parseJsonForm(rest) {
  if (!rest.startsWith("[")) return void 0;
  try {
    const v = JSON.parse(rest);
    if (Array.isArray(v) && v.every((x) => typeof x === "string")) return v;
  } catch {
  }
  return void 0;
}
function commandForm(change, rest) {
  if (rest === "") throw usage2(change, "missing command");
  return parseJsonForm(rest) ?? ["/bin/sh", "-c", rest];
}
function parseKeyValues(change, rest, env) {
  if (rest === "") throw usage2(change, "missing KEY=VALUE");
  const first = splitShellWords(rest, change)[0] ?? "";
  if (!first.includes("=")) {
    const m = /^(\S+)\s+([\s\S]+)$/.exec(rest);
    if (!m) throw usage2(change, `missing a value for ${JSON.stringify(first)}`);
    return [[processShellWord(m[1] ?? "", change, env), processShellWord((m[2] ?? "").trim(), change, env)]];
  }
  return splitShellWords(rest, change, env).map((w) => {
    const eq = w.indexOf("=");
    if (eq <= 0) throw usage2(change, `expected KEY=VALUE, got ${JSON.stringify(w)}`);
    return [w.slice(0, eq), w.slice(eq + 1)];
  });
}
function setEnv(env, key, value) {
  const item = `${key}=${value}`;
  const idx = env.findIndex((e) => e.split("=", 1)[0] === key);
  if (idx < 0) return [...env, item];
  const copy = [...env];
  copy[idx] = item;
  return copy;
}
function parsePorts(change, words) {
  const out = [];
  for (const w of words) {
    const m = /^(\d+)(?:-(\d+))?(?:\/(tcp|udp|sctp))?$/i.exec(w);
    if (!m) throw usage2(change, `invalid port ${JSON.stringify(w)}`);
    const lo = Number(m[1]);
    const hi = m[2] === void 0 ? lo : Number(m[2]);
    const proto = (m[3] ?? "tcp").toLowerCase();
    if (lo < 1 || hi > 65535 || hi < lo) throw usage2(change, `invalid port range ${JSON.stringify(w)}`);
    for (let p = lo; p <= hi; p++) out.push(`${p}/${proto}`);
  }
  return out;
}
var DURATION_UNITS = { ns: 1, us: 1e3, \u00B5s: 1e3, ms: 1e6, s: 1e9, m: 6e10, h: 36e11 };
function parseGoDuration(text, what) {
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let matched = 0;
  for (const m of text.matchAll(re)) {
    total += Number(m[1]) * (DURATION_UNITS[m[2] ?? ""] ?? 0);
    matched += m[0].length;
  }
  if (text === "" || matched !== text.length) throw new BalerError("E_USAGE", `${what}: invalid duration ${JSON.stringify(text)}`);
  return Math.round(total);
}
function parseHealthcheck(change, rest) {
  if (rest.toUpperCase() === "NONE") return { Test: ["NONE"] };
  const hc = {};
  let remaining = rest;
  for (; ; ) {
    const m = /^--([a-z-]+)=(\S*)\s*/.exec(remaining);
    if (!m) break;
    const flag = m[1] ?? "";
    const value = m[2] ?? "";
    const what = `--change ${JSON.stringify(change)}: --${flag}`;
    switch (flag) {
      case "interval":
        hc.Interval = parseGoDuration(value, what);
        break;
      case "timeout":
        hc.Timeout = parseGoDuration(value, what);
        break;
      case "start-period":
        hc.StartPeriod = parseGoDuration(value, what);
        break;
      case "start-interval":
        hc.StartInterval = parseGoDuration(value, what);
        break;
      case "retries": {
        const n = Number(value);
        if (!Number.isInteger(n) || n < 0) throw usage2(change, `--retries must be a whole number, got ${JSON.stringify(value)}`);
        hc.Retries = n;
        break;
      }
      default:
        throw usage2(change, `unknown HEALTHCHECK flag --${flag}`);
    }
    remaining = remaining.slice(m[0].length);
  }
  const { keyword, rest: cmd } = splitInstruction(remaining === "" ? " " : remaining);
  if (keyword !== "CMD") throw usage2(change, "HEALTHCHECK expects NONE or [OPTIONS] CMD command");
  if (cmd === "") throw usage2(change, "missing HEALTHCHECK command");
  const json = parseJsonForm(cmd);
  hc.Test = json ? ["CMD", ...json] : ["CMD-SHELL", cmd];
  return hc;
}
function joinWorkdir(current, requested) {
  const base = requested.startsWith("/") ? requested : `${current || "/"}/${requested}`;
  const parts = [];
  for (const p of base.split("/")) {
    if (p === "" || p === ".") continue;
    if (p === "..") parts.pop();
    else parts.push(p);
  }
  return `/${parts.join("/")}`;
}
function applyChange(config, change) {
  const { keyword, rest } = splitInstruction(change);
  const out = { ...config };
  const env = config.Env ?? [];
  switch (keyword) {
    case "CMD":
      out.Cmd = commandForm(change, rest);
      return out;
    case "ENTRYPOINT":
      out.Entrypoint = commandForm(change, rest);
      return out;
    case "ENV": {
      let next = [...env];
      for (const [k, v] of parseKeyValues(change, rest, env)) next = setEnv(next, k, v);
      out.Env = next;
      return out;
    }
    case "LABEL": {
      const labels = { ...config.Labels ?? {} };
      for (const [k, v] of parseKeyValues(change, rest, env)) labels[k] = v;
      out.Labels = labels;
      return out;
    }
    case "EXPOSE": {
      const words = splitShellFields(rest, change, env);
      if (words.length === 0) throw usage2(change, "missing port");
      const ports = { ...config.ExposedPorts ?? {} };
      for (const p of parsePorts(change, words)) ports[p] = {};
      out.ExposedPorts = ports;
      return out;
    }
    case "VOLUME": {
      const json = parseJsonForm(rest);
      const vols = json ? json.map((v) => processShellWord(v, change, env)) : splitShellWords(rest, change, env);
      if (vols.length === 0 || vols.some((v) => v.trim() === "")) throw usage2(change, "VOLUME needs a path");
      const volumes = { ...config.Volumes ?? {} };
      for (const v of vols) volumes[v] = {};
      out.Volumes = volumes;
      return out;
    }
    case "USER":
      if (rest === "") throw usage2(change, "USER needs a user name or id");
      out.User = processShellWord(rest, change, env);
      return out;
    case "WORKDIR":
      if (rest === "") throw usage2(change, "WORKDIR needs a path");
      out.WorkingDir = joinWorkdir(config.WorkingDir, processShellWord(rest, change, env));
      return out;
    case "STOPSIGNAL": {
      const signal = processShellWord(rest, change, env);
      if (!/^(?:SIG)?[A-Z0-9+-]+$|^\d+$/i.test(signal)) throw usage2(change, `invalid signal ${JSON.stringify(signal)}`);
      out.StopSignal = signal;
      return out;
    }
    case "HEALTHCHECK":
      out.Healthcheck = parseHealthcheck(change, rest);
      return out;
    case "ONBUILD": {
      const trigger = splitInstruction(rest === "" ? " " : rest).keyword;
      if (rest === "") throw usage2(change, "ONBUILD needs an instruction");
      if (["ONBUILD", "FROM", "MAINTAINER"].includes(trigger)) throw usage2(change, `${trigger} isn't allowed as an ONBUILD trigger`);
      out.OnBuild = [...config.OnBuild ?? [], rest];
      return out;
    }
    default:
      throw new BalerError("E_USAGE", `\`${keyword}\` is not a valid change command`);
  }
}
function applyChanges(config, changes) {
  return changes.reduce(applyChange, config);
}

// src/transports/rootfs/transport.ts
import { createReadStream as createReadStream5 } from "node:fs";
import { stat as stat2 } from "node:fs/promises";
import { basename as basename2, resolve as resolve2 } from "node:path";

// src/image/scratch.ts
function nowRfc3339(now = /* @__PURE__ */ new Date()) {
  return now.toISOString();
}
function compactContainerConfig(c) {
  const out = {};
  for (const [k, v] of Object.entries(c)) {
    if (v === void 0 || v === null) continue;
    if (Array.isArray(v) && v.length === 0 && k !== "Cmd" && k !== "Entrypoint") continue;
    if (typeof v === "object" && !Array.isArray(v) && Object.keys(v).length === 0) continue;
    out[k] = v;
  }
  return out;
}
function importConfig(o) {
  const cfg = { architecture: o.platform.architecture, os: o.platform.os, rootfs: { type: "layers", diff_ids: [o.diffId] } };
  if (o.platform.variant) cfg.variant = o.platform.variant;
  cfg.created = o.created;
  cfg.comment = o.comment;
  cfg.config = compactContainerConfig(o.config);
  cfg.history = [{ created: o.created, comment: o.comment }];
  return cfg;
}
function squashConfig(original, o) {
  const history = (original.history ?? []).map((h) => ({ ...h, empty_layer: true }));
  history.push({ created: o.created, created_by: o.createdBy, comment: o.comment });
  const out = { ...original, created: o.created, rootfs: { type: "layers", diff_ids: [o.diffId] }, history };
  delete out.parent;
  delete out.container;
  delete out.id;
  return out;
}
function configDocument(cfg) {
  const bytes = jsonBytes(cfg);
  return { bytes, descriptor: { mediaType: MediaTypes.ociConfig, digest: sha256Of(bytes), size: bytes.length } };
}
function singleLayerManifest(config, layer, annotations) {
  const bytes = serializeManifest({
    schemaVersion: 2,
    mediaType: MediaTypes.ociManifest,
    config,
    layers: [layer],
    ...annotations && Object.keys(annotations).length ? { annotations } : {}
  });
  return { bytes, descriptor: { mediaType: MediaTypes.ociManifest, digest: sha256Of(bytes), size: bytes.length } };
}

// src/transports/openvz/name.ts
import { basename } from "node:path";
var TAR_SUFFIXES = [".tar.gz", ".tgz", ".tar.xz", ".txz", ".tar.bz2", ".tbz2", ".tbz", ".tar.zst", ".tzst", ".tar"];
var ARCHES = {
  x86_64: { os: "linux", architecture: "amd64" },
  amd64: { os: "linux", architecture: "amd64" },
  "x86-64": { os: "linux", architecture: "amd64" },
  x86: { os: "linux", architecture: "386" },
  i386: { os: "linux", architecture: "386" },
  i486: { os: "linux", architecture: "386" },
  i586: { os: "linux", architecture: "386" },
  i686: { os: "linux", architecture: "386" },
  aarch64: { os: "linux", architecture: "arm64", variant: "v8" },
  arm64: { os: "linux", architecture: "arm64", variant: "v8" },
  armhf: { os: "linux", architecture: "arm", variant: "v7" },
  armv7l: { os: "linux", architecture: "arm", variant: "v7" },
  ppc64le: { os: "linux", architecture: "ppc64le" },
  s390x: { os: "linux", architecture: "s390x" }
};
function platformOfArchToken(token) {
  const p = ARCHES[token.toLowerCase()];
  return p ? { ...p } : void 0;
}
function stripTarSuffix(fileName) {
  const lower = fileName.toLowerCase();
  const s = TAR_SUFFIXES.find((x) => lower.endsWith(x));
  return s ? fileName.slice(0, fileName.length - s.length) : void 0;
}
function sanitizeRepository(s) {
  return s.toLowerCase().replace(/[^a-z0-9._-]+/g, "-").replace(/[._-]{2,}/g, "-").replace(/^[._-]+|[._-]+$/g, "");
}
function sanitizeTag(s) {
  return s.replace(/[^\w.-]+/g, "-").replace(/^[.-]+/, "").slice(0, 128);
}
function parseTemplateName(file) {
  const ostemplate = stripTarSuffix(basename(file));
  if (!ostemplate) return void 0;
  let rest = ostemplate;
  let arch;
  let packageVersion;
  const underscore = rest.split("_");
  if (underscore.length === 3 && underscore.every((p) => p !== "") && platformOfArchToken(underscore[2] ?? "")) {
    rest = underscore[0] ?? "";
    packageVersion = underscore[1];
    arch = underscore[2];
  }
  const tokens = rest.split("-").filter((t) => t !== "");
  let distroTokens;
  let version;
  let flavorTokens;
  const archIndex = arch === void 0 ? tokens.findIndex((t) => platformOfArchToken(t) !== void 0) : -1;
  if (archIndex >= 1) {
    arch = tokens[archIndex];
    version = archIndex >= 2 ? tokens[archIndex - 1] : void 0;
    distroTokens = tokens.slice(0, Math.max(archIndex - 1, 0));
    flavorTokens = tokens.slice(archIndex + 1);
    if (version === void 0 || distroTokens.length === 0) return void 0;
  } else {
    const v = tokens.findIndex((t, i) => i > 0 && /^\d/.test(t));
    if (v < 1) return void 0;
    version = tokens[v];
    distroTokens = tokens.slice(0, v);
    flavorTokens = tokens.slice(v + 1);
  }
  if (version === void 0) return void 0;
  const distro = distroTokens.join("-");
  const flavor = flavorTokens.join("-");
  const repo = sanitizeRepository(distro);
  if (repo === "") return void 0;
  const tag = sanitizeTag(flavor ? `${version}-${flavor}` : version);
  const out = { ostemplate, distro, version, image: tag ? `${repo}:${tag}` : repo };
  if (arch !== void 0) {
    out.arch = arch;
    const p = platformOfArchToken(arch);
    if (p) out.platform = p;
  }
  if (flavor) out.flavor = flavor;
  if (packageVersion !== void 0) out.packageVersion = packageVersion;
  return out;
}

// src/transports/rootfs/input-dir.ts
import { constants, createReadStream as createReadStream2, createWriteStream } from "node:fs";
import { lstat, open, readdir as readdir2, readlink } from "node:fs/promises";
import { join as join2 } from "node:path";
import { pipeline } from "node:stream/promises";
function devMajor(rdev) {
  return Number(BigInt(rdev) >> 8n & 0xfffn) | Number(BigInt(rdev) >> 32n & ~0xfffn);
}
function devMinor(rdev) {
  return Number(BigInt(rdev) & 0xffn) | Number(BigInt(rdev) >> 12n & ~0xffn);
}
function compareBytes(a, b) {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
function baseHeader(name, st) {
  return { name, size: 0, mode: st.mode & 4095, uid: st.uid, gid: st.gid, mtime: Math.floor(st.mtimeMs / 1e3) };
}
async function layerFromDirectory(root, dir, o = {}) {
  const path = join2(dir, "layer.tar");
  const hash = new HashingStream();
  const done = pipeline(hash, createWriteStream(path, { highWaterMark: 1024 * 1024 }), o.signal ? { signal: o.signal } : {});
  const writer = new TarWriter(hash);
  const seenInodes = /* @__PURE__ */ new Map();
  let entries = 0;
  const addFile = async (abs, name, st) => {
    let fh;
    try {
      fh = await open(abs, constants.O_RDONLY | constants.O_NOFOLLOW);
    } catch (err) {
      throw fromSystemError(err, abs);
    }
    try {
      const now = await fh.stat();
      if (now.ino !== st.ino || now.dev !== st.dev) throw new BalerError("E_IO", `${abs}: changed while being read`);
      const body = createReadStream2("", { fd: fh.fd, autoClose: false, start: 0, end: Math.max(st.size - 1, 0), highWaterMark: 1024 * 1024 });
      await writer.add({ ...baseHeader(name, st), type: "file", size: st.size }, st.size === 0 ? void 0 : body);
      if (st.size === 0) body.destroy();
    } finally {
      await fh.close();
    }
  };
  const walk = async (absDir, prefix) => {
    let names;
    try {
      names = await readdir2(absDir);
    } catch (err) {
      throw fromSystemError(err, absDir);
    }
    names.sort(compareBytes);
    for (const n of names) {
      if (o.signal?.aborted) throw new BalerError("E_CANCELLED", `${root}: cancelled`);
      const abs = join2(absDir, n);
      const name = prefix === "" ? n : `${prefix}/${n}`;
      let st;
      try {
        st = await lstat(abs);
      } catch (err) {
        throw fromSystemError(err, abs);
      }
      if (st.isDirectory()) {
        await writer.add({ ...baseHeader(name, st), type: "dir" });
        entries++;
        await walk(abs, name);
        continue;
      }
      if (st.isSocket()) {
        o.warn?.(`${abs}: socket skipped`);
        continue;
      }
      const key = `${st.dev}:${st.ino}`;
      const first = st.nlink > 1 ? seenInodes.get(key) : void 0;
      if (first !== void 0) {
        await writer.add({ ...baseHeader(name, st), type: "hardlink", linkname: first });
        entries++;
        continue;
      }
      if (st.nlink > 1) seenInodes.set(key, name);
      if (st.isFile()) await addFile(abs, name, st);
      else if (st.isSymbolicLink()) {
        let target;
        try {
          target = await readlink(abs);
        } catch (err) {
          throw fromSystemError(err, abs);
        }
        await writer.add({ ...baseHeader(name, st), type: "symlink", linkname: target });
      } else if (st.isFIFO()) await writer.add({ ...baseHeader(name, st), type: "fifo" });
      else if (st.isCharacterDevice() || st.isBlockDevice()) {
        await writer.add({ ...baseHeader(name, st), type: st.isCharacterDevice() ? "char" : "block", devmajor: devMajor(st.rdev), devminor: devMinor(st.rdev) });
      } else {
        o.warn?.(`${abs}: unsupported file type skipped`);
        continue;
      }
      entries++;
    }
  };
  try {
    const top = await lstat(root).catch((err) => {
      throw fromSystemError(err, root);
    });
    if (!top.isDirectory()) throw new BalerError("E_USAGE", `${root}: not a directory`);
    await walk(root, "");
    await writer.finish();
    await done;
  } catch (err) {
    hash.destroy(err);
    await done.catch(() => void 0);
    throw err;
  }
  return { path, diffId: hash.digest(), size: hash.bytes, entries, rewritten: false };
}

// src/transports/rootfs/input-tar.ts
import { createReadStream as createReadStream3, createWriteStream as createWriteStream2 } from "node:fs";
import { join as join3 } from "node:path";
import { pipeline as pipeline2 } from "node:stream/promises";
function isCleanEntryName(name) {
  let n = name;
  while (n.startsWith("./")) n = n.slice(2);
  if (n === "" || n === ".") return true;
  if (n.endsWith("/")) n = n.slice(0, -1);
  if (n.startsWith("/")) return false;
  return n.split("/").every((p) => p !== "" && p !== "." && p !== "..");
}
function needsCleaning(h) {
  return !isCleanEntryName(h.name) || h.type === "hardlink" && h.linkname !== void 0 && !isCleanEntryName(h.linkname);
}
function cleanName(name, what) {
  return normalizeEntryPath(name.replace(/^\/+/, ""), what);
}
async function drain(body) {
  for await (const _ of body) {
  }
}
async function scanTar(file, what) {
  let entries = 0;
  let clean = true;
  for await (const { header, body } of readTarEntries(createReadStream3(file, { highWaterMark: 1024 * 1024 }), what)) {
    await drain(body);
    entries++;
    if (needsCleaning(header)) {
      clean = false;
      cleanName(header.name, what);
      if (header.type === "hardlink" && header.linkname !== void 0) cleanName(header.linkname, `${what}: hard link ${JSON.stringify(header.name)}, target`);
    }
  }
  return { entries, clean };
}
async function rewriteTar(from, to, what, signal) {
  const hash = new HashingStream();
  const out = createWriteStream2(to, { highWaterMark: 1024 * 1024 });
  const done = pipeline2(hash, out, signal ? { signal } : {});
  const writer = new TarWriter(hash);
  try {
    for await (const { header, body } of readTarEntries(createReadStream3(from, { highWaterMark: 1024 * 1024 }), what)) {
      const name = cleanName(header.name, what);
      if (name === "") {
        await drain(body);
        continue;
      }
      const h = { ...header, name };
      if (header.type === "hardlink" && header.linkname !== void 0) h.linkname = cleanName(header.linkname, `${what}: hard link ${JSON.stringify(header.name)}, target`);
      await writer.add(h, header.type === "file" || header.type === "contiguous" ? body : void 0);
      if (!(header.type === "file" || header.type === "contiguous")) await drain(body);
    }
    await writer.finish();
    await done;
  } catch (err) {
    hash.destroy(err);
    await done.catch(() => void 0);
    throw err;
  }
  return { diffId: hash.digest(), size: hash.bytes };
}
async function layerFromTarStream(tar, what, dir, signal) {
  const spooled = await spoolToFile(tar, dir, "input.tar", signal);
  if (spooled.size === 0) throw new BalerError("E_FORMAT", `${what}: is empty, not a tar archive`);
  let scan;
  try {
    scan = await scanTar(spooled.path, what);
  } catch (err) {
    if (err instanceof BalerError && err.code === "E_FORMAT" && !/tar/i.test(err.message)) {
      throw new BalerError("E_FORMAT", `${what}: not a tar archive, or compressed in a way baler does not know (${err.message})`, { cause: err });
    }
    throw err;
  }
  if (scan.entries === 0) throw new BalerError("E_FORMAT", `${what}: is not a tar archive (no entries)`);
  if (scan.clean) return { path: spooled.path, diffId: spooled.digest, size: spooled.size, entries: scan.entries, rewritten: false };
  const cleaned = join3(dir, "cleaned.tar");
  const r = await rewriteTar(spooled.path, cleaned, what, signal);
  return { path: cleaned, diffId: r.diffId, size: r.size, entries: scan.entries, rewritten: true };
}

// src/transports/rootfs/source.ts
import { createReadStream as createReadStream4 } from "node:fs";
import { Readable as Readable2 } from "node:stream";
var BuiltImageSource = class {
  constructor(ref, image, temp) {
    this.ref = ref;
    this.image = image;
    this.temp = temp;
  }
  ref;
  image;
  temp;
  async list() {
    const e = { descriptor: this.image.manifest.descriptor, names: [...this.image.names] };
    if (this.image.created) e.created = this.image.created;
    return [e];
  }
  async fetchManifest(d) {
    if (d.digest !== this.image.manifest.descriptor.digest) throw this.missing(d);
    return this.image.manifest.bytes;
  }
  async fetchBlob(d, signal) {
    if (d.digest === this.image.config.descriptor.digest) return Readable2.from([this.image.config.bytes]);
    if (d.digest === this.image.layer.digest) return createReadStream4(this.image.layerFile, { highWaterMark: 1024 * 1024, ...signal ? { signal } : {} });
    throw this.missing(d);
  }
  missing(d) {
    return new BalerError("E_INTERNAL", `Internal error: ${this.ref.toString()} has no blob ${d.digest}`);
  }
  async [Symbol.asyncDispose]() {
    await this.temp.remove();
  }
};

// src/transports/rootfs/transport.ts
var TEMPLATE_DEFAULTS = { Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"], Cmd: ["/bin/sh"] };
var RootfsRef = class {
  constructor(options) {
    this.options = options;
    this.location = options.input === "-" ? "-" : resolve2(options.cwd, options.input);
  }
  options;
  transport = rootfsTransport;
  location;
  /** Filled by openSource. */
  facts;
  toString() {
    return `rootfs:${this.options.input}`;
  }
  async openSource() {
    const o = this.options;
    const template = o.input === "-" ? void 0 : parseTemplateName(basename2(o.input));
    const runtime = applyChanges(template ? TEMPLATE_DEFAULTS : {}, o.changes ?? []);
    if (template) runtime.Labels = { "org.opencontainers.image.title": basename2(o.input), ...runtime.Labels ?? {} };
    const temp = await makeTempDir("baler-import-");
    try {
      const { layer, kind } = await this.buildLayer(temp.path);
      let platform = o.platform;
      if (!platform && template?.platform) platform = template.platform;
      if (!platform) {
        platform = hostPlatform();
        if (template) o.warn?.("W_PLATFORM", `${o.input}: template name has no architecture; using ${formatPlatform(platform)}`);
      }
      let name = o.name;
      if (!name && template) name = parseImageName(template.image, { defaultTag: "latest" });
      const created2 = nowRfc3339(o.now);
      const comment = o.message ?? `Imported from ${o.input === "-" ? "-" : o.input}`;
      const config = configDocument(importConfig({ platform, created: created2, comment, config: runtime, diffId: layer.diffId }));
      const layerDesc = { mediaType: MediaTypes.ociLayer, digest: layer.diffId, size: layer.size };
      const manifest = singleLayerManifest(config.descriptor, layerDesc);
      this.facts = { layer, platform, kind, ...name ? { name } : {}, ...template ? { template } : {} };
      return new BuiltImageSource(this, { manifest, config, layer: layerDesc, layerFile: layer.path, names: name ? [name] : [], created: created2 }, temp);
    } catch (err) {
      await temp.remove();
      throw err;
    }
  }
  async openSink() {
    throw new BalerError("E_UNSUPPORTED", "rootfs: is a source only; use baler export to write a flat file system");
  }
  async buildLayer(dir) {
    const o = this.options;
    const signal = o.signal;
    if (o.input === "-") {
      if (!o.stdin) throw new BalerError("E_USAGE", "import: no standard input to read");
      const { stream: stream2 } = await decompressAuto(o.stdin, "stdin");
      return { layer: await layerFromTarStream(stream2, "stdin", dir, signal), kind: "stdin" };
    }
    const path = this.location;
    const st = await stat2(path).catch((err) => {
      throw fromSystemError(err, o.input);
    });
    if (st.isDirectory()) {
      const warn = o.warn;
      return { layer: await layerFromDirectory(path, dir, { ...signal ? { signal } : {}, ...warn ? { warn: (m) => warn("W_SKIPPED", m) } : {} }), kind: "directory" };
    }
    const file = createReadStream5(path, { highWaterMark: 1024 * 1024 });
    await new Promise((res, rej) => {
      file.once("open", () => res());
      file.once("error", (err) => rej(fromSystemError(err, o.input)));
    });
    const { stream } = await decompressAuto(file, o.input);
    return { layer: await layerFromTarStream(stream, o.input, dir, signal), kind: "tar" };
  }
};
function rootfsRef(options) {
  return new RootfsRef(options);
}
var rootfsTransport = {
  name: "rootfs",
  parse(spec) {
    const input = spec.startsWith("rootfs:") ? spec.slice("rootfs:".length) : spec;
    if (input === "") throw new BalerError("E_USAGE", `rootfs: missing a file or directory in ${JSON.stringify(spec)}`);
    return new RootfsRef({ input, cwd: process.cwd() });
  }
};
function builtImageRef(label) {
  return {
    transport: rootfsTransport,
    location: label,
    toString: () => label,
    openSource: () => Promise.reject(new BalerError("E_INTERNAL", `Internal error: ${label} cannot be reopened`)),
    openSink: () => Promise.reject(new BalerError("E_UNSUPPORTED", `${label}: is a source only`))
  };
}

// src/pipeline/import.ts
async function importRootfs(req) {
  const { to, onEvent, ...options } = req;
  const ref = rootfsRef(options);
  const source = await ref.openSource();
  try {
    const copy = await copyImages({
      from: source,
      to,
      select: { kind: "all" },
      // the layer is uncompressed (digest = diff_id, as docker import stores it); sinks keep it so
      layers: "keep",
      ...req.signal ? { signal: req.signal } : {},
      ...onEvent ? { onEvent } : {}
    });
    return { copy, facts: ref.facts };
  } finally {
    await source[Symbol.asyncDispose]();
  }
}

// src/cli/commands/import.ts
async function run10(ctx) {
  const [input, nameArg] = ctx.args;
  const changes = ctx.flags.list("change");
  applyChanges({}, changes);
  let name;
  if (nameArg !== void 0) {
    name = parseImageName(nameArg, { defaultTag: "latest" });
    if (name.digest) throw new BalerError("E_USAGE", `import: cannot import digest reference ${JSON.stringify(nameArg)}`);
  }
  const platformSpec = ctx.flags.string("platform");
  const platform = platformSpec ? parsePlatform(platformSpec) : void 0;
  const message = ctx.flags.string("message");
  const output = ctx.flags.string("output");
  if (input === "-" && ctx.io.stdin.isTTY) throw new BalerError("E_USAGE", "import: refusing to read a tar archive from a terminal; pipe one in or name a file");
  const quiet = ctx.flags.bool("quiet");
  const sink = output ? await dockerArchiveTransport.parse(`docker-archive:${resolve3(ctx.io.cwd, output)}`).openSink({ signal: ctx.io.signal, overwrite: true }) : await storeRef(storePathFor(ctx)).openSink({ signal: ctx.io.signal });
  try {
    const report = await importRootfs({
      input,
      cwd: ctx.io.cwd,
      stdin: ctx.io.stdin,
      changes,
      ...name ? { name } : {},
      ...platform ? { platform } : {},
      ...message !== void 0 ? { message } : {},
      signal: ctx.io.signal,
      to: sink,
      warn: (_code, m) => {
        if (!quiet) ctx.io.stderr.write(`baler: warning: ${m}
`);
      }
    });
    const image = report.copy.images[0];
    if (!image) throw new BalerError("E_INTERNAL", "Internal error: import copied no image");
    const f = report.facts;
    if (ctx.flags.bool("json")) {
      printJson(ctx.io, {
        id: image.id,
        digest: image.digest,
        names: image.names.map(familiarName),
        platform: formatPlatform(f.platform),
        diffId: f.layer.diffId,
        layerSize: f.layer.size,
        entries: f.layer.entries,
        rewritten: f.layer.rewritten,
        template: f.template ?? null,
        location: report.copy.location
      });
      return ExitCode.ok;
    }
    ctx.io.stdout.write(`${image.id}
`);
    if (!quiet) {
      const named = image.names.length ? image.names.map(familiarName).join(", ") : "an untagged image";
      ctx.io.stderr.write(
        `Imported ${input === "-" ? "stdin" : input} as ${named} (${formatPlatform(f.platform)}, ${f.layer.entries} entries, ${formatBytes(f.layer.size)}${f.layer.rewritten ? ", names cleaned" : ""}) into ${report.copy.location}
`
      );
      for (const m of report.copy.moved) ctx.io.stderr.write(`The name ${familiarName(m.name)} moved from ${m.from} to ${m.to}
`);
    }
    return ExitCode.ok;
  } finally {
    await sink[Symbol.asyncDispose]();
  }
}
var OPENVZ = `When NAME is not given and the input file name looks like an OpenVZ or Proxmox template, the image is named after it; when --platform is not given, the platform comes from the template's architecture (otherwise from the host). The name is parsed as <distro>-<version>-<arch>[-<flavor>].tar.<gz|xz|bz2|zst> or, Proxmox style, <distro>-<version>-<flavor>_<package version>_<arch>.tar.gz; the image becomes <distro>:<version>[-<flavor>].

    debian-7.0-x86-minimal.tar.gz            debian:7.0-minimal    linux/386
    centos-7-x86_64.tar.xz                   centos:7              linux/amd64
    ubuntu-14.04-x86_64-minimal.tar.gz       ubuntu:14.04-minimal  linux/amd64
    debian-10-standard_10.7-1_amd64.tar.gz   debian:10-standard    linux/amd64

Architectures: x86_64, amd64, x86-64 \u2192 amd64; x86, i386\u2026i686 \u2192 386; aarch64, arm64 \u2192 arm64/v8; armhf, armv7l \u2192 arm/v7; ppc64le and s390x as they are. A template image also gets Env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin, Cmd ["/bin/sh"] and the label org.opencontainers.image.title=<file name>, unless --change sets them.`;
var importCommand = {
  spec: {
    name: "import",
    summary: "Create an image from a root file system tarball or directory",
    description: `Creates a one-layer image from a flat root file system, like docker import, and stores it in the embedded store (or writes a docker-archive with -o). INPUT is a tar archive \u2014 plain, gzip, xz, zstd or bzip2, recognised by its magic bytes, not its name \u2014 a directory, or - for standard input.

The layer is the input's decompressed tar, byte for byte, so its diff_id is the sha256 of the decompressed input, as with docker import. Names are rewritten only when they must be: absolute names (and absolute hard-link targets) are made relative and "a//b" or "a/./b" are cleaned; an entry or hard-link target that climbs out of the root with .. is refused (exit status 4, nothing stored). Symlinks are kept as symlinks whatever they point at.

A directory is archived in sorted order without following symlinks, with hard links detected, numeric owners and no root entry; nothing outside the directory is ever read. Extended attributes of a directory's files are not captured.

The config is the one docker import writes: the platform (--platform, else the template's, else the host's), the creation time, the comment (-m MESSAGE, else "Imported from <INPUT>", "Imported from -" for standard input), the runtime settings from --change, one history entry and one layer. The layer is stored uncompressed: that is what docker import stores, the digest is then the diff_id (no second pass to compute it), and docker-archive output needs it uncompressed anyway; use baler save --layers gzip to compress later.

Prints the new image ID.`,
    args: [
      { name: "INPUT", description: "A tar archive (any compression), a directory, or - for standard input." },
      { name: "NAME[:TAG]", description: "Name for the image (default: from an OpenVZ template name, else none).", optional: true }
    ],
    flags: [
      { name: "change", short: "c", type: "string", multiple: true, placeholder: "INSTRUCTION", description: "Apply a Dockerfile instruction to the config: CMD, ENTRYPOINT, ENV, EXPOSE, HEALTHCHECK, LABEL, ONBUILD, USER, VOLUME, WORKDIR or STOPSIGNAL (JSON or shell form); repeatable." },
      { name: "message", short: "m", type: "string", placeholder: "MESSAGE", description: "Comment for the image and its history entry." },
      { name: "platform", type: "string", placeholder: "OS/ARCH[/VARIANT]", description: "Platform recorded in the config (default: the template name, else the host)." },
      { name: "output", short: "o", type: "string", placeholder: "FILE", description: "Write a docker-archive (docker load format) to FILE instead of storing the image." }
    ],
    examples: [
      { command: "baler import rootfs.tar.gz app:1", description: "Import a gzip-compressed rootfs tarball as app:1." },
      { command: 'tar -C dir -c . | baler import -c "CMD [\\"/bin/sh\\"]" -m "from dir" - base:1', description: "Import from standard input with a default command." },
      { command: "baler import centos-7-x86_64-minimal.tar.gz", description: "Import an OpenVZ template as centos:7-minimal for linux/amd64." },
      { command: "baler import ./rootfs -o base.tar base:1 && docker load -i base.tar", description: "Turn a directory into a docker-loadable archive." }
    ],
    sections: [{ title: "OPENVZ TEMPLATES", body: OPENVZ }]
  },
  run: run10
};

// src/pipeline/squash.ts
import { createWriteStream as createWriteStream3 } from "node:fs";
import { join as join4 } from "node:path";
import { pipeline as pipeline3 } from "node:stream/promises";
async function squashImage(req) {
  const image = await resolveSourceImage(req.source, req.image, req.signal ? { signal: req.signal } : {});
  const temp = await makeTempDir("baler-squash-");
  try {
    const layerFile = join4(temp.path, "layer.tar");
    const hash = new HashingStream();
    const written = pipeline3(hash, createWriteStream3(layerFile, { highWaterMark: 1024 * 1024 }));
    written.catch(() => void 0);
    let flat;
    try {
      flat = await flattenImageTo(req.source, image, hash, req.signal ? { signal: req.signal } : {});
    } catch (err) {
      hash.destroy(err);
      throw err;
    }
    await written;
    const diffId = hash.digest();
    const layersBefore = image.node.manifest.layers.length;
    const fromId = image.node.config.descriptor.digest;
    const created2 = nowRfc3339(req.now);
    const config = configDocument(
      squashConfig(image.node.config.parsed, {
        diffId,
        created: created2,
        createdBy: `baler squash ${image.label} ${familiarName(req.name)}`,
        comment: `squashed ${layersBefore} layer${layersBefore === 1 ? "" : "s"} of ${shortId(fromId)} into one`
      })
    );
    const layer = { mediaType: MediaTypes.ociLayer, digest: diffId, size: hash.bytes };
    const manifest = singleLayerManifest(config.descriptor, layer);
    const built = new BuiltImageSource(builtImageRef(`squash of ${image.label}`), { manifest, config, layer, layerFile, names: [req.name], created: created2 }, temp);
    const copy = await copyImages({
      from: built,
      to: req.to,
      select: { kind: "all" },
      layers: "keep",
      ...req.signal ? { signal: req.signal } : {},
      ...req.onEvent ? { onEvent: req.onEvent } : {}
    });
    return {
      from: image.label,
      fromId,
      layersBefore,
      id: config.descriptor.digest,
      name: req.name,
      entries: flat.entries,
      layerBytes: hash.bytes,
      reclaimedBytes: flat.plan.reclaimedBytes,
      copy
    };
  } finally {
    await temp.remove();
  }
}

// src/cli/commands/squash.ts
async function run11(ctx) {
  const [query, newName] = ctx.args;
  const name = parseImageName(newName, { defaultTag: "latest" });
  if (name.digest) throw new BalerError("E_USAGE", `squash: the new name cannot be a digest reference (${newName})`);
  const ref = storeRef(storePathFor(ctx));
  const source = await ref.openSource({ signal: ctx.io.signal });
  try {
    const sink = await ref.openSink({ signal: ctx.io.signal });
    try {
      const r = await squashImage({ source, image: query, to: sink, name, signal: ctx.io.signal });
      if (ctx.flags.bool("json")) {
        printJson(ctx.io, {
          from: r.from,
          fromId: r.fromId,
          layersBefore: r.layersBefore,
          id: r.id,
          name: familiarName(r.name),
          entries: r.entries,
          layerBytes: r.layerBytes,
          reclaimedBytes: r.reclaimedBytes
        });
        return ExitCode.ok;
      }
      ctx.io.stdout.write(`${r.id}
`);
      if (!ctx.flags.bool("quiet")) {
        ctx.io.stderr.write(
          `Squashed ${r.from} (${r.layersBefore} layer${r.layersBefore === 1 ? "" : "s"}, ${shortId(r.fromId)}) into ${familiarName(r.name)} (1 layer, ${r.entries} entries, ${formatBytes(r.layerBytes)}); reclaimed ${formatBytes(r.reclaimedBytes)} (${r.reclaimedBytes} bytes) of deleted or overwritten files
`
        );
        for (const m of r.copy.moved) ctx.io.stderr.write(`The name ${familiarName(m.name)} moved from ${m.from} to ${m.to}
`);
      }
      return ExitCode.ok;
    } finally {
      await sink[Symbol.asyncDispose]();
    }
  } finally {
    await source[Symbol.asyncDispose]();
  }
}
var squashCommand = {
  spec: {
    name: "squash",
    summary: "Flatten an image of the store into a single-layer image",
    description: `Flattens IMAGE exactly as baler export does and stores the result as NEW[:TAG], an image with one layer. The config is kept (Env, Cmd, Entrypoint, WorkingDir, User, Labels, ExposedPorts, Volumes, platform\u2026), with the new layer as its only diff_id; the history keeps the old steps, marked as empty, and gains one entry recording the squash (as docker build --squash does).

Reports the bytes reclaimed: the size of files that lower layers carry but that later layers deleted or overwrote, which the squashed image no longer stores. IMAGE itself is left as it is.`,
    args: [
      { name: "IMAGE", description: "Image name, ID (or prefix) or manifest digest in the store." },
      { name: "NEW[:TAG]", description: "Name for the squashed image (tag defaults to latest)." }
    ],
    flags: [],
    examples: [{ command: "baler squash app:1 app:1-flat", description: "Store a one-layer copy of app:1 as app:1-flat." }]
  },
  run: run11
};

// src/cli/commands/save.ts
import { createWriteStream as createWriteStream4 } from "node:fs";
import { stat as stat3 } from "node:fs/promises";
import { resolve as resolve4 } from "node:path";
import { finished } from "node:stream/promises";

// src/cli/render/progress-lines.ts
var REDRAW_MS = 100;
var CLEAR_LINE = "\x1B[2K";
var up = (n) => `\x1B[${n}F`;
var ProgressLines = class {
  constructor(out, o = {}) {
    this.out = out;
    this.tty = o.tty ?? out.isTTY === true;
    this.now = o.now ?? Date.now;
  }
  out;
  rows = /* @__PURE__ */ new Map();
  tty;
  now;
  /** Lines of the live region currently on screen. */
  live = 0;
  lastDraw = 0;
  pendingStatic = [];
  handle = (e) => {
    switch (e.kind) {
      case "plan": {
        if (!this.tty) return;
        const layers = e.images.reduce((n, i) => n + i.layers, 0);
        const shared = e.sharedBytes > 0 ? ` (${formatBytes(e.sharedBytes)} shared)` : "";
        const images = e.images.length === 1 ? "1 image" : `${e.images.length} images`;
        this.print(`Copying ${images}: ${layers} layer${layers === 1 ? "" : "s"}, ${formatBytes(e.totalBytes)}${shared}`);
        return;
      }
      case "blob":
        if (e.role !== "layer") return;
        this.onLayer(e.digest, e.state, e.done, e.total);
        return;
      case "warning":
        this.print(`baler: warning: ${e.message}`);
        return;
      case "image-done":
      case "name-moved":
        return;
    }
  };
  onLayer(digest, state, done, total) {
    let row = this.rows.get(digest);
    if (!row) {
      row = { digest, done: 0 };
      if (total !== void 0) row.total = total;
      this.rows.set(digest, row);
    }
    if (row.finished) return;
    if (state === "copying") {
      row.started ??= this.now();
      row.done = done;
      if (total !== void 0) row.total = total;
      this.redraw(false);
    } else if (state === "verified" || state === "skipped-present") {
      row.finished = state === "verified" ? "copied" : "skipped";
      row.finishedAt = this.now();
      row.done = done;
      this.print(this.finishedLine(row));
    }
  }
  finishedLine(row) {
    const id = shortId(row.digest);
    if (row.finished === "skipped") return this.tty ? `${id}  already present` : `Skipped layer ${id}: already present`;
    const took = row.started !== void 0 && row.finishedAt !== void 0 ? ` in ${formatDuration(row.finishedAt - row.started)}` : "";
    return this.tty ? `${id}  done            ${formatBytes(row.done)}${took}` : `Copied layer ${id} (${formatBytes(row.done)}${took})`;
  }
  activeLine(row) {
    const elapsed = row.started !== void 0 ? (this.now() - row.started) / 1e3 : 0;
    const rate = elapsed > 0 ? row.done / elapsed : 0;
    const size = row.total !== void 0 ? `${formatBytes(row.done)} / ${formatBytes(row.total)}` : formatBytes(row.done);
    const eta = rate > 0 && row.total !== void 0 && row.total > row.done ? `   ETA ${formatDuration((row.total - row.done) / rate * 1e3)}` : "";
    return `${shortId(row.digest)}  copying   ${size}   ${formatRate(rate)}${eta}`;
  }
  /** A permanent line: above the live region on a terminal, a plain line elsewhere. */
  print(line) {
    if (!this.tty) {
      this.out.write(`${line}
`);
      return;
    }
    this.pendingStatic.push(line);
    this.redraw(true);
  }
  redraw(force) {
    if (!this.tty) return;
    const t = this.now();
    if (!force && t - this.lastDraw < REDRAW_MS) return;
    this.lastDraw = t;
    const columns = this.out.columns !== void 0 && this.out.columns > 0 ? this.out.columns : 100;
    const width = Math.max(20, columns - 1);
    const active = [...this.rows.values()].filter((r) => r.started !== void 0 && !r.finished).map((r) => this.activeLine(r));
    let text = this.live > 0 ? up(this.live) : "";
    for (const line of [...this.pendingStatic, ...active]) text += `${CLEAR_LINE}${line.slice(0, width)}
`;
    const leftover = this.live - this.pendingStatic.length - active.length;
    for (let i = 0; i < leftover; i++) text += `${CLEAR_LINE}
`;
    if (leftover > 0) text += up(leftover);
    this.pendingStatic.length = 0;
    this.live = active.length;
    this.out.write(text);
  }
  /** Leaves the terminal clean after the copy (or its failure): the live region is removed. */
  finish() {
    if (!this.tty || this.live === 0) return;
    let text = up(this.live);
    for (let i = 0; i < this.live; i++) text += `${CLEAR_LINE}
`;
    text += up(this.live);
    this.live = 0;
    this.out.write(text);
  }
};
function progressFor(io, o) {
  if (o.quiet || o.json) return void 0;
  return new ProgressLines(io.stderr);
}

// src/cli/commands/save.ts
var FORMATS = ["docker", "oci", "oci-dir"];
var COMPRESSIONS = ["gzip", "zstd", "none"];
var LAYER_CHOICES = ["keep", "none", "gzip", "zstd"];
function destinationRef(format, output, refs) {
  const transport = format === "docker" ? "docker-archive" : format === "oci" ? "oci-archive" : "oci";
  if (output.includes(":") && output !== "-") {
    throw new BalerError("E_USAGE", `save: ${JSON.stringify(output)}: output paths cannot contain ":"; name it differently or use ./`);
  }
  return parseTransportRef(`${transport}:${output}`, refs);
}
function chooseOutput(ctx, format) {
  const output = ctx.flags.string("output");
  if (output !== void 0) return output;
  if (format === "oci-dir") throw new BalerError("E_USAGE", "save: --format oci-dir needs -o DIR");
  if (ctx.io.stdout.isTTY) {
    throw new BalerError("E_USAGE", "save: cowardly refusing to write an archive to a terminal; use -o FILE or redirect stdout");
  }
  return "-";
}
async function run12(ctx) {
  const { flags, io } = ctx;
  const format = flags.choice("format", FORMATS, "docker");
  const json = flags.bool("json");
  const quiet = flags.bool("quiet");
  const output = chooseOutput(ctx, format);
  if (json && output === "-") throw new BalerError("E_USAGE", "save: --json prints the result on stdout, so the archive needs -o FILE");
  const explicit = flags.choice("compress", COMPRESSIONS);
  if (format === "oci-dir" && explicit && explicit !== "none") throw new BalerError("E_USAGE", "save: --compress applies to archive files, not to --format oci-dir");
  const outer = explicit ?? (output !== "-" ? compressionFromFileName(output) : void 0) ?? "none";
  const layers = flags.choice("layers", LAYER_CHOICES, "keep");
  const platformSpec = flags.string("platform");
  const platform = platformSpec !== void 0 ? parsePlatform(platformSpec) : void 0;
  const refs = { storePath: resolveStorePath(flags.string("store"), io.env, io.cwd), cwd: io.cwd, stdin: io.stdin };
  const fromSpec = flags.string("from") ?? "store";
  const fromRef = parseTransportRef(fromSpec, refs);
  const device = format !== "oci-dir" && output !== "-" ? await openSpecialFile(resolve4(io.cwd, output)) : void 0;
  const toRef = destinationRef(format, device ? "-" : output, refs);
  const signal = device ? AbortSignal.any([io.signal, device.failed]) : io.signal;
  const progress = progressFor(io, { quiet, json });
  const onWarning = (code, message) => {
    if (progress) progress.handle({ kind: "warning", code, message });
    else io.stderr.write(`baler: warning: ${message}
`);
  };
  const source = await fromRef.openSource({ signal, onWarning });
  try {
    const sinkOptions = { signal, overwrite: true, stdout: device?.stream ?? io.stdout };
    if (outer !== "none") sinkOptions.outerCompression = outer;
    const sink = await toRef.openSink(sinkOptions);
    try {
      const report = await copyImages({
        from: source,
        to: sink,
        select: { kind: "refs", refs: [...ctx.args] },
        ...platform ? { platform } : {},
        layers,
        signal,
        ...progress ? { onEvent: progress.handle } : {}
      });
      await device?.close();
      progress?.finish();
      if (json) {
        writeJson(io, copyReportJson(report));
      } else if (!quiet && output !== "-") {
        const n = report.images.length;
        const where = device ? output : report.location;
        io.stderr.write(`Saved ${n} image${n === 1 ? "" : "s"} to ${where} (${formatBytes(report.bytesWritten)} in ${formatDuration(report.durationMs)})
`);
      }
      return ExitCode.ok;
    } finally {
      progress?.finish();
      await sink[Symbol.asyncDispose]();
      device?.stream.destroy();
    }
  } finally {
    await source[Symbol.asyncDispose]();
  }
}
async function openSpecialFile(path) {
  let st;
  try {
    st = await stat3(path);
  } catch {
    return void 0;
  }
  if (st.isFile() || st.isDirectory()) return void 0;
  const failure = new AbortController();
  const stream = createWriteStream4(path, { flags: "w" });
  stream.on("error", (err) => failure.abort(fromSystemError(err, path)));
  return {
    stream,
    failed: failure.signal,
    async close() {
      stream.end();
      await finished(stream).catch((err) => {
        throw fromSystemError(err, path);
      });
    }
  };
}
var saveCommand = {
  spec: {
    name: "save",
    summary: "Save images to a docker-archive or OCI archive (like docker save)",
    description: [
      "Writes one or more images, with every name they were asked by, into a single archive: a docker-archive that Docker 20.10 to 29, podman and skopeo load (the Docker 25 hybrid layout: manifest.json, repositories and an OCI layout in one tar), or an oci-archive, or an OCI layout directory. Layers shared by the images are written once.",
      "Images come from the embedded store unless --from names another source. IMAGE is a name (imga, imga:1, docker.io/library/imga:1; a repository without a tag means all its tags), a full or short image ID, or a manifest digest.",
      "Every blob is verified against its digest while it is copied, and each layer against the diff_id in its image config; on any mismatch or interruption nothing is left at the output path. Without -o the archive goes to stdout, which must not be a terminal.",
      "The image ID (config digest) never changes. Converting layers (--layers, or a destination that cannot keep them) writes a new manifest, so the manifest digest changes."
    ].join("\n\n"),
    args: [{ name: "IMAGE", description: "Image name, image ID or manifest digest to save.", multiple: true }],
    flags: [
      { name: "output", short: "o", type: "string", placeholder: "FILE", description: "Write to FILE instead of stdout; a .tar.gz, .tgz or .tar.zst name implies --compress." },
      { name: "format", type: "string", placeholder: "FORMAT", description: "docker (default): docker-archive; oci: oci-archive; oci-dir: an OCI layout directory at -o DIR." },
      { name: "compress", type: "string", placeholder: "CODEC", description: "Compress the whole archive: gzip, zstd or none (default: from the -o name, else none)." },
      { name: "layers", type: "string", placeholder: "MODE", description: "Layer compression: keep (default; as stored, if the format allows), none, gzip or zstd." },
      { name: "platform", type: "string", placeholder: "OS/ARCH[/VARIANT]", description: "From a multi-platform image, save this platform (default: the host platform for docker archives)." },
      { name: "from", type: "string", placeholder: "SOURCE", description: "Read images from SOURCE instead of the store: docker (the running daemon), docker-root:DIR, docker-archive:FILE, oci-archive:FILE, oci:DIR, store:DIR." }
    ],
    examples: [
      { command: "baler save -o apps.tar imga:1 imgb:1", description: "Save two images into one docker-archive; their shared base layer is stored once." },
      { command: "baler save imga:1 | ssh host docker load", description: "Stream an archive to a remote Docker." },
      { command: "baler save --format oci -o imga.tar.zst --layers zstd imga:1", description: "An oci-archive with zstd layers, the whole file zstd-compressed." },
      { command: "baler save --from docker-root:/var/lib/docker -o db.tar postgres:16", description: "Save straight out of a stopped Docker data root." }
    ],
    sections: [
      {
        title: "EXIT STATUS",
        body: "0 on success; 3 when an image is not found; 5 when a blob does not match its digest (nothing is written); 130 when interrupted (nothing is left at -o). See baler(1) for the full list."
      }
    ]
  },
  run: run12
};

// src/cli/commands/load.ts
function inputOf(ctx) {
  const input = ctx.flags.string("input");
  if (input !== void 0) return input;
  if (ctx.io.stdin.isTTY) throw new BalerError("E_USAGE", "load: requested load from stdin, but stdin is a terminal; use -i FILE or pipe an archive in");
  return "-";
}
function printLoaded(io, report) {
  for (const m of report.moved) {
    io.stdout.write(`The name ${familiarName(m.name)} moved: ${m.from} -> ${m.to} (the old image is kept, without this name)
`);
  }
  for (const image of report.images) {
    if (image.names.length === 0) io.stdout.write(`Loaded image ID: ${image.id}
`);
    for (const n of image.names) io.stdout.write(`Loaded image: ${familiarName(n)}
`);
  }
}
async function run13(ctx) {
  const { flags, io } = ctx;
  const input = inputOf(ctx);
  const json = flags.bool("json");
  const quiet = flags.bool("quiet");
  const tag = flags.string("tag");
  const rename = tag !== void 0 ? parseImageName(tag, { defaultTag: "latest" }) : void 0;
  if (rename?.digest) throw new BalerError("E_USAGE", `load: --tag ${JSON.stringify(tag)}: a digest cannot be a name; give NAME[:TAG]`);
  const platformSpec = flags.string("platform");
  const platform = platformSpec !== void 0 ? parsePlatform(platformSpec) : void 0;
  const refs = { storePath: resolveStorePath(flags.string("store"), io.env, io.cwd), cwd: io.cwd, stdin: io.stdin };
  const intoRef = parseTransportRef(flags.string("into") ?? "store", refs);
  if (json && intoRef.location === "-") throw new BalerError("E_USAGE", "load: --json prints the result on stdout, so --into cannot be stdout");
  const progress = progressFor(io, { quiet, json });
  const source = await openInputSource(input, refs, io.signal);
  try {
    const sinkOptions = { signal: io.signal, stdout: io.stdout };
    const sink = await intoRef.openSink(sinkOptions);
    try {
      const report = await copyImages({
        from: source,
        to: sink,
        select: ctx.args.length ? { kind: "refs", refs: [...ctx.args] } : { kind: "all" },
        ...platform ? { platform } : {},
        ...rename ? { rename } : {},
        signal: io.signal,
        ...progress ? { onEvent: progress.handle } : {}
      });
      progress?.finish();
      if (json) writeJson(io, copyReportJson(report));
      else if (intoRef.location !== "-") printLoaded(io, report);
      return ExitCode.ok;
    } finally {
      progress?.finish();
      await sink[Symbol.asyncDispose]();
    }
  } finally {
    await source[Symbol.asyncDispose]();
  }
}
var loadCommand = {
  spec: {
    name: "load",
    summary: "Load images from a docker-archive, OCI archive or OCI layout (like docker load)",
    description: [
      "Reads an archive written by docker save (any version, including the Docker 25 hybrid), podman save, skopeo or baler save, an oci-archive, or an OCI layout directory, and stores its images with all their names. The input kind is recognised from its content; a gzip, zstd, xz or bzip2 wrapping is undone first. Without -i the archive is read from stdin.",
      "Every manifest, config and layer is verified against its digest, and every layer against the diff_id in its config, before anything is committed: a corrupted archive leaves the destination as it was. A name that pointed at another image moves to the loaded one, and baler says so.",
      "IMAGE arguments load only those images of the archive (name, image ID or manifest digest). --into writes to another place instead of the store, which turns load into a format conversion."
    ].join("\n\n"),
    args: [{ name: "IMAGE", description: "Load only this image of the archive (default: all).", optional: true, multiple: true }],
    flags: [
      { name: "input", short: "i", type: "string", placeholder: "FILE", description: "Read from FILE (an archive, or an OCI layout directory); - is stdin (the default when stdin is not a terminal)." },
      { name: "into", type: "string", placeholder: "DEST", description: "Where to load: store (default), store:DIR, docker (the running daemon), oci:DIR, docker-archive:FILE or oci-archive:FILE." },
      { name: "tag", short: "t", type: "string", placeholder: "NAME[:TAG]", description: "Name the loaded image NAME[:TAG] instead of its own names (the archive must hold one image, or name one)." },
      { name: "platform", type: "string", placeholder: "OS/ARCH[/VARIANT]", description: "From a multi-platform image, load only this platform (the store keeps every platform otherwise)." }
    ],
    examples: [
      { command: "baler load -i apps.tar", description: "Load every image of a docker save archive into the store." },
      { command: "ssh host docker save app:1 | baler load", description: "Load from a pipe." },
      { command: "baler load -i app.oci.tar --tag app:tested", description: "Load a one-image OCI archive under another name." },
      { command: "baler load -i apps.tar --into oci:/srv/layout", description: "Convert a docker-archive into an OCI layout directory." }
    ],
    sections: [
      {
        title: "OUTPUT",
        body: 'One line per loaded name, "Loaded image: NAME", or "Loaded image ID: sha256:\u2026" for an image without a name, as docker load prints them; a name taken from another image is reported first. With --json, one JSON object instead: images (names, id, digest), moved, blobsCopied, blobsSkipped, bytesRead, bytesWritten, durationMs, location, warnings.'
      }
    ]
  },
  run: run13
};

// src/cli/commands/index.ts
var commands = [
  saveCommand,
  loadCommand,
  lsCommand,
  inspectCommand,
  historyCommand,
  tagCommand,
  rmCommand,
  pruneCommand,
  fsckCommand,
  exportCommand,
  importCommand,
  squashCommand,
  psCommand,
  commitCommand
];

// src/cli/spec.ts
var ParsedFlags = class {
  constructor(values) {
    this.values = values;
  }
  values;
  bool(name) {
    return this.values[name] === true;
  }
  string(name) {
    const v = this.values[name];
    if (Array.isArray(v)) return v[v.length - 1];
    return typeof v === "string" ? v : void 0;
  }
  list(name) {
    const v = this.values[name];
    if (Array.isArray(v)) return v;
    return typeof v === "string" ? [v] : [];
  }
  choice(name, choices, fallback) {
    const v = this.string(name);
    if (v === void 0) return fallback;
    if (!choices.includes(v)) {
      throw new BalerError("E_USAGE", `--${name}: expected one of ${choices.join(", ")}, got ${JSON.stringify(v)}`);
    }
    return v;
  }
  int(name, min, max) {
    const v = this.string(name);
    if (v === void 0) return void 0;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) throw new BalerError("E_USAGE", `--${name}: expected a whole number from ${min} to ${max}, got ${JSON.stringify(v)}`);
    return n;
  }
};
var globalFlags = [
  { name: "help", short: "h", type: "boolean", description: "Show help for the command and exit." },
  { name: "store", type: "string", placeholder: "DIR", description: "Use the embedded store at DIR (default: $BALER_STORE, else $XDG_DATA_HOME/baler/store)." },
  { name: "json", type: "boolean", description: "Print the result as JSON on stdout (for scripts); progress is not shown." },
  { name: "quiet", short: "q", type: "boolean", description: "Print nothing but errors and the essential result." }
];

// src/cli/render/help.ts
function flagLabel(f) {
  const long = `--${f.name}${f.type === "string" ? ` ${f.placeholder ?? "VALUE"}` : ""}`;
  return f.short ? `-${f.short}, ${long}` : `    ${long}`;
}
function usageLine(spec) {
  const args = spec.args.map((a) => {
    const core = `${a.name}${a.multiple ? "\u2026" : ""}`;
    return a.optional ? `[${core}]` : core;
  });
  return ["baler", spec.name, "[OPTIONS]", ...args].join(" ");
}
function wrap(text, width, indent) {
  const out = [];
  for (const para of text.split(/\n\s*\n/)) {
    const words = para.replace(/\s+/g, " ").trim().split(" ");
    let line = indent;
    for (const w of words) {
      if (line.length + w.length + 1 > width && line.trim()) {
        out.push(line.trimEnd());
        line = indent;
      }
      line += `${w} `;
    }
    if (line.trim()) out.push(line.trimEnd());
    out.push("");
  }
  return out.join("\n").trimEnd();
}
function renderHelp(spec, width = 100) {
  const lines = [`Usage: ${usageLine(spec)}`, "", spec.summary, "", wrap(spec.description, width, "")];
  if (spec.args.length) {
    lines.push("", "Arguments:");
    for (const a of spec.args) lines.push(`  ${a.name.padEnd(22)} ${a.description}`);
  }
  const flags = [...spec.flags, ...globalFlags];
  lines.push("", "Options:");
  for (const f of flags) {
    const label = flagLabel(f);
    lines.push(label.length > 26 ? `  ${label}
${" ".repeat(29)}${f.description}` : `  ${label.padEnd(26)} ${f.description}`);
  }
  if (spec.examples.length) {
    lines.push("", "Examples:");
    for (const e of spec.examples) lines.push(`  ${e.command}`, `      ${e.description}`);
  }
  lines.push("", `See 'man baler-${spec.name}' for details and exit codes.`);
  return `${lines.join("\n")}
`;
}

// src/cli/run.ts
var VERSION = "0.1.0";
function findCommand(name) {
  return commands.find((c) => c.spec.name === name);
}
function topHelp() {
  const rows = commands.map((c) => `  ${c.spec.name.padEnd(10)} ${c.spec.summary}`);
  return [
    "Usage: baler COMMAND [OPTIONS] [ARGS]",
    "",
    "Move container images across hosts and air gaps: save, load, export and import, with or without a daemon.",
    "Run with no arguments on a terminal to open the interactive screen.",
    "",
    "Commands:",
    ...rows,
    "",
    "Run 'baler COMMAND --help' for a command's options, or 'man baler' for everything.",
    ""
  ].join("\n");
}
function parseOptions(flags) {
  const out = {};
  for (const f of flags) {
    const o = { type: f.type };
    if (f.short) o.short = f.short;
    if (f.multiple) o.multiple = true;
    out[f.name] = o;
  }
  return out;
}
function usageError(verb, err) {
  const msg = String(err.message ?? err).split("\n")[0] ?? "bad arguments";
  return new BalerError("E_USAGE", `${verb}: ${msg.replace(/\. To specify a positional argument.*$/, "")}`);
}
async function runCli(argv, io) {
  const [verb, ...rest] = argv;
  if (verb === void 0 || verb === "--help" || verb === "-h" || verb === "help") {
    const target = verb === "help" && rest[0] ? findCommand(rest[0]) : void 0;
    io.stdout.write(target ? renderHelp(target.spec) : topHelp());
    return ExitCode.ok;
  }
  if (verb === "--version" || verb === "version") {
    io.stdout.write(`baler ${VERSION}
`);
    return ExitCode.ok;
  }
  const cmd = findCommand(verb);
  if (!cmd) throw new BalerError("E_USAGE", `unknown command ${JSON.stringify(verb)}; run 'baler --help' for the list`);
  let parsed;
  try {
    parsed = parseArgs({ args: [...rest], options: parseOptions([...cmd.spec.flags, ...globalFlags]), allowPositionals: true, strict: true });
  } catch (err) {
    throw usageError(verb, err);
  }
  const flags = new ParsedFlags(parsed.values);
  if (flags.bool("help")) {
    io.stdout.write(renderHelp(cmd.spec, Math.min(io.stdout.columns ?? 100, 100)));
    return ExitCode.ok;
  }
  const required = cmd.spec.args.filter((a) => !a.optional).length;
  const variadic = cmd.spec.args.some((a) => a.multiple);
  if (parsed.positionals.length < required) {
    throw new BalerError("E_USAGE", `${verb}: missing ${cmd.spec.args[parsed.positionals.length]?.name ?? "argument"}; see 'baler ${verb} --help'`);
  }
  if (!variadic && parsed.positionals.length > cmd.spec.args.length) {
    throw new BalerError("E_USAGE", `${verb}: unexpected argument ${JSON.stringify(parsed.positionals[cmd.spec.args.length])}`);
  }
  return cmd.run({ flags, args: parsed.positionals, io });
}
function reportError(err, io) {
  const code = exitCodeFor(err);
  const debug = io.env.BALER_DEBUG === "1";
  if (err instanceof BalerError && code !== ExitCode.internal) {
    io.stderr.write(`baler: ${err.message}
`);
  } else {
    const msg = err instanceof Error ? err.message : String(err);
    io.stderr.write(`baler: Internal error: ${msg.replace(/^Internal error: /, "")}${debug ? "" : " (run with BALER_DEBUG=1 for details)"}
`);
  }
  if (debug && err instanceof Error && err.stack) io.stderr.write(`${err.stack}
`);
  return code;
}

// src/cli/main.ts
function noVerbInvocation(argv) {
  let storeFlag;
  let noTui = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--no-tui") noTui = true;
    else if (a === "--store" && argv[i + 1] !== void 0) storeFlag = argv[++i];
    else if (a.startsWith("--store=")) storeFlag = a.slice("--store=".length);
    else return void 0;
  }
  return storeFlag === void 0 ? { noTui } : { storeFlag, noTui };
}
async function main() {
  const controller = new AbortController();
  let interrupted = 0;
  const onSignal = () => {
    interrupted++;
    if (interrupted > 1) process.exit(ExitCode.cancelled);
    controller.abort(new BalerError("E_CANCELLED", "interrupted; nothing partial was left behind"));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  process.stdout.on("error", (err) => {
    if (err.code === "EPIPE") controller.abort(new BalerError("E_IO", "stdout: broken pipe"));
  });
  const io = { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env, cwd: process.cwd(), signal: controller.signal };
  let code;
  const argv = process.argv.slice(2);
  const noVerb = noVerbInvocation(argv);
  try {
    if (noVerb && !noVerb.noTui && process.stdin.isTTY && process.stdout.isTTY) {
      delete process.env["CI"];
      delete process.env["CONTINUOUS_INTEGRATION"];
      const { runTui } = await import("./run-tui-WJCPQ46F.js");
      code = await runTui({ env: io.env, cwd: io.cwd, ...noVerb.storeFlag !== void 0 ? { storeFlag: noVerb.storeFlag } : {} });
    } else {
      code = await runCli(noVerb ? [] : argv, io);
    }
  } catch (err) {
    const reason = controller.signal.aborted ? controller.signal.reason : err;
    code = reportError(reason instanceof BalerError ? reason : err, io);
  }
  await runInterruptCleanups();
  process.exitCode = code;
}
await main();
