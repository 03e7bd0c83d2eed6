import { createWriteStream } from 'node:fs';
import { resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { BalerError, ExitCode, fromSystemError } from '../../errors.js';
import { isSpecialFile } from '../../io/special-file.js';
import type { LayerCompression } from '../../model/media-types.js';
import { parsePlatform } from '../../model/platform.js';
import { copyImages } from '../../pipeline/copy.js';
import { PrehashedBlobFiles } from '../../pipeline/prehashed-blob-files.js';
import { resolveStorePath } from '../../store/location.js';
import { imageSourcesFor, parseTransportRef, type RefContext } from '../../transports/registry.js';
import { openAsOneSource } from '../../transports/multi-source.js';
import type { ImageRef, OpenOptions } from '../../transports/types.js';
import { copyReportJson, writeJson } from '../render/json.js';
import { progressFor } from '../render/progress-lines.js';
import { deltaFlagSpecs, deltaFromFlags, deltaSummaryLine } from '../delta-flags.js';
import { formatBytes, formatDuration } from '../render/units.js';
import { saveVolumeFlagSpecs, saveVolumesFromFlags } from '../volume-flags.js';
import { outputCompression } from '../output-compression.js';
import { isRegistrySpec, registryAccess, registryFlags, registrySourceFromArgs } from '../registry-flags.js';
import type { Command, CommandContext, ParsedFlags } from '../spec.js';

const FORMATS = ['docker', 'oci', 'oci-dir'] as const;
const COMPRESSIONS = ['gzip', 'zstd', 'none'] as const;
const LAYER_CHOICES = ['keep', 'none', 'gzip', 'zstd'] as const;

type SaveFormat = (typeof FORMATS)[number];

/** Where the bytes go: `docker-archive:FILE`, `oci-archive:FILE` (FILE `-` = stdout) or `oci:DIR`. */
function destinationRef(format: SaveFormat, output: string, refs: RefContext): ImageRef {
  const transport = format === 'docker' ? 'docker-archive' : format === 'oci' ? 'oci-archive' : 'oci';
  if (output.includes(':') && output !== '-') {
    throw new BalerError('E_USAGE', `save: ${JSON.stringify(output)}: output paths cannot contain ":"; name it differently or use ./`);
  }
  return parseTransportRef(`${transport}:${output}`, refs);
}

function chooseOutput(ctx: CommandContext, format: SaveFormat): string {
  const output = ctx.flags.string('output');
  if (output !== undefined) return output;
  if (format === 'oci-dir') throw new BalerError('E_USAGE', 'save: --format oci-dir needs -o DIR');
  if (ctx.io.stdout.isTTY) {
    throw new BalerError('E_USAGE', 'save: cowardly refusing to write an archive to a terminal; use -o FILE or redirect stdout');
  }
  return '-';
}

/**
 * Flag combinations that can never work: usage errors (exit 2) naming both flags, before anything is
 * read or written. (--split/--resume against stdout or a device: saveVolumesFromFlags.)
 */
function refuseImpossibleCombos(flags: ParsedFlags, o: { format: SaveFormat; output: string; compress: string | undefined; layers: string }): void {
  const have = flags.string('have') !== undefined;
  const since = flags.string('since') !== undefined;
  if (have && since) throw new BalerError('E_USAGE', 'save: give --have or --since, not both');
  if (o.output === '-' && o.format === 'oci-dir') throw new BalerError('E_USAGE', 'save: --format oci-dir writes a directory; it cannot go to stdout (-o -)');
  if (o.output === '-' && flags.bool('json')) throw new BalerError('E_USAGE', 'save: --json prints the result on stdout, so the archive needs -o FILE');
  if (o.format === 'oci-dir' && o.compress !== undefined && o.compress !== 'none') throw new BalerError('E_USAGE', 'save: --compress applies to archive files, not to --format oci-dir');
  if (o.format === 'oci-dir' && (have || since)) {
    throw new BalerError('E_USAGE', `save: ${have ? '--have' : '--since'} writes a delta, which is an archive file (--format docker or oci), not --format oci-dir`);
  }
  // a converted layer's digest is known only once converted, so nothing kept could be matched to it
  if (o.format === 'oci-dir' && o.layers !== 'keep' && flags.bool('resume')) {
    throw new BalerError('E_USAGE', `save: --resume with --format oci-dir keeps layers as they are; it cannot resume --layers ${o.layers}`);
  }
  if (o.format === 'docker' && o.layers === 'zstd') throw new BalerError('E_USAGE', 'save: --layers zstd needs --format oci or oci-dir; a docker-archive holds uncompressed or gzip layers');
}

async function run(ctx: CommandContext): Promise<ExitCode> {
  const { flags, io } = ctx;
  // a registry source alone names what to save (its tag, or every tag of its repository)
  if (ctx.args.length === 0 && !isRegistrySpec(flags.string('from') ?? '')) throw new BalerError('E_USAGE', "save: missing IMAGE; see 'baler save --help'");
  const format = flags.choice('format', FORMATS, 'docker');
  const json = flags.bool('json');
  const quiet = flags.bool('quiet');
  const output = chooseOutput(ctx, format);
  const explicit = flags.choice('compress', COMPRESSIONS);
  const layers = flags.choice('layers', LAYER_CHOICES, 'keep');
  refuseImpossibleCombos(flags, { format, output, compress: explicit, layers });
  const outer: LayerCompression = format === 'oci-dir' ? 'none' : outputCompression('save', output, explicit);
  const platformSpec = flags.string('platform');
  const platform = platformSpec !== undefined ? parsePlatform(platformSpec) : undefined;
  const refs: RefContext = { storePath: resolveStorePath(flags.string('store'), io.env, io.cwd), cwd: io.cwd, stdin: io.stdin, registry: registryAccess(flags, io) };
  const positional = registrySourceFromArgs(ctx.args, flags.string('from'));
  const fromRef = parseTransportRef(positional.from ?? 'store', refs);
  const chosen = imageSourcesFor(fromRef, positional.args);
  // -o /dev/null or a FIFO is written in place: renaming a temp file over it would replace the device
  const devicePath = format !== 'oci-dir' && output !== '-' && (await isSpecialFile(resolve(io.cwd, output))) ? resolve(io.cwd, output) : undefined;
  const progress = progressFor(io, { quiet, json });
  const volumes = saveVolumesFromFlags(flags, { output, format, outer, cwd: io.cwd, isDevice: devicePath !== undefined, next: progress?.handle });
  const toRef = destinationRef(format, devicePath ? '-' : output, refs);
  PrehashedBlobFiles.warmUpFor(fromRef, format !== 'oci-dir');

  // A source that has to deviate (docker-root rebuilding a layer without tar-split, so the image is
  // re-identified) must tell the user, whatever the output mode: stdout may be the archive, so stderr.
  const sourceWarnings: string[] = [];
  const onWarning = (code: string, message: string): void => {
    sourceWarnings.push(message);
    if (progress) progress.handle({ kind: 'warning', code, message });
    else io.stderr.write(`baler: warning: ${message}\n`);
  };
  const delta = await deltaFromFlags(flags, refs, io.signal);
  // the images asked for, so a daemon exports only those and a data root plans only their layers
  const source = await openAsOneSource([...chosen.refs, ...positional.more.map((spec) => parseTransportRef(spec, refs))], { signal: io.signal, onWarning, wanted: positional.args });
  // Opened only now: opening a FIFO waits for its reader, so a mistake found above (a missing --have
  // file, an unknown image) must be reported before, or a save to a FIFO nobody reads would hang.
  const device = devicePath !== undefined ? openSpecialFile(devicePath) : undefined;
  const signal = device ? AbortSignal.any([io.signal, device.failed]) : io.signal;
  try {
    const sinkOptions: OpenOptions & { stdout?: Writable } = { signal, overwrite: true, removeIfUncommitted: true, stdout: device?.stream ?? io.stdout };
    if (outer !== 'none') sinkOptions.outerCompression = outer;
    Object.assign(sinkOptions, volumes.sinkOptions);
    // an oci-dir save --resume warns of kept blobs that no longer hash to their digest
    if (format === 'oci-dir' && volumes.sinkOptions.resume === true) sinkOptions.onWarning = onWarning;
    // said once the partial is ours: a save refused because another holds it says only that; -q leaves it
    // out (a progress note), but not the kept line below: printed only when the save failed, it is part of
    // the error, saying how to continue it
    if (!quiet && volumes.sinkOptions.resume === true) sinkOptions.onPartialLocked = () => volumes.noteResuming(io.stderr);
    await volumes.refuseForeignPartial();
    const sink = await toRef.openSink(sinkOptions);
    // a blob the destination held before (oci-dir: DIR) is skipped too, but only an interrupted run's work was resumed
    const keptEarlier = sink.keptEarlier?.bind(sink);
    if (keptEarlier) volumes.countReusedOnly(keptEarlier);
    let saved = false;
    try {
      const report = await copyImages({
        from: source,
        to: sink,
        // registry references the IMAGE arguments resolved to (or a registry source alone): everything they name
        select: chosen.images ? { kind: 'refs', refs: chosen.images } : { kind: 'all' },
        ...(platform ? { platform } : {}),
        layers,
        diffIds: flags.bool('verify-diff-ids') ? 'always' : 'when-converting',
        ...(delta ? { delta } : {}),
        signal,
        ...(volumes.onEvent ? { onEvent: volumes.onEvent } : {}),
      });
      await device?.close();
      saved = true;
      progress?.finish();
      if (json) {
        // --json scripts read warnings from the document, the source's (re-identified images) included
        const warnings = [...new Set([...sourceWarnings, ...report.warnings])];
        writeJson(io, { ...copyReportJson({ ...report, warnings }), ...(await volumes.jsonFields()), ...(delta ? { delta: delta.summary() } : {}) });
      } else if (!quiet && output !== '-') {
        const n = report.images.length;
        const where = device ? output : report.location;
        io.stderr.write(`Saved ${n} image${n === 1 ? '' : 's'} to ${where} (${formatBytes(report.bytesWritten)} in ${formatDuration(report.durationMs)})\n`);
        for (const line of await volumes.summaryLines()) io.stderr.write(`${line}\n`);
        if (delta) io.stderr.write(`${deltaSummaryLine(delta.summary())}\n`);
      }
      return ExitCode.ok;
    } finally {
      progress?.finish();
      await sink[Symbol.asyncDispose]();
      if (!saved) await volumes.noteKeptPartial(io.stderr);
      device?.stream.destroy();
    }
  } finally {
    await source[Symbol.asyncDispose]();
  }
}

/** An existing non-regular, non-directory file (character device, FIFO, socket) opened for writing. */
function openSpecialFile(path: string): { stream: Writable; failed: AbortSignal; close(): Promise<void> } {
  const failure = new AbortController();
  const stream = createWriteStream(path, { flags: 'w' });
  stream.on('error', (err) => failure.abort(fromSystemError(err, path)));
  return {
    stream,
    failed: failure.signal,
    async close() {
      stream.end();
      await finished(stream).catch((err: unknown) => {
        throw fromSystemError(err, path);
      });
    },
  };
}

export const saveCommand: Command = {
  spec: {
    name: 'save',
    summary: 'Save images to a docker-archive or OCI archive (like docker save)',
    description: [
      'Writes one or more images, with every name they were asked by, into a single archive: a docker-archive that Docker 20.10 to 29, podman and skopeo load (the Docker 25 hybrid layout: manifest.json, repositories and an OCI layout in one tar), or an oci-archive, or an OCI layout directory. Layers shared by the images are written once.',
      'Images come from the embedded store unless --from names another source, or an IMAGE argument is a registry reference, registry://HOST[:PORT]/REPO[:TAG|@sha256:…]: that repository is then the source (REPO without a tag: all its tags), pulled over the OCI distribution API with --creds or the docker config credentials. Several registry references (on one registry or several) go into one archive, each saving what it names. IMAGE is a name (imga, imga:1, docker.io/library/imga:1; a repository without a tag means all its tags), a full or short image ID, or a manifest digest. From a registry repository (--from registry://HOST/REPO, or a registry://HOST/REPO argument) IMAGE is read as docker and skopeo users write it: TAG (a bare word is always a tag), :TAG, @sha256:DIGEST, HOST/REPO:TAG or registry://HOST/REPO:TAG name that repository\'s image, and sha256:ID (full or a prefix) finds an image among its tags; with --from registry://HOST, IMAGE is REPO:TAG or REPO@sha256:DIGEST (REPO alone: all its tags); with --from registry://HOST/REPO:TAG and no IMAGE, that tag is saved. Another repository or host, a malformed tag or digest, or a tag other than the one --from names is a usage error (exit 2).',
      'Every blob is verified against its digest while it is copied; on any mismatch or interruption nothing is left at the output path. A layer that is decompressed or converted on the way (--layers, or a zstd layer into a docker-archive) is also checked against the diff_id in its image config. A layer kept compressed is not inflated only to check its diff_id, as skopeo copy does not: its digest already proves it is the publisher\'s blob, a mismatch would come back from every fetch, and the check is made where the layer is unpacked (baler load, docker load, podman, containerd) or by baler verify. --verify-diff-ids makes it here, at the cost of inflating and hashing every layer (measured on the bench machine: about 0.55 s of CPU for a layer of 212 MB). Without -o the archive goes to stdout, which must not be a terminal.',
      'The image ID (config digest) never changes. Converting layers (--layers, or a destination that cannot keep them) writes a new manifest, so the manifest digest changes.',
      'Delta archives: with --have FILE (an inventory written by baler inventory on the receiving side) or --since ARCHIVE (an archive the receiving side already loaded), every manifest and config is written but a layer is left out when the destination holds it (see baler-inventory(1) for when a layer counts as held; a layer that would be converted is always written). The archive then carries baler-delta.json (the left-out blobs with digest, size, diff_id, media type and the images needing them, and the digest of the base inventory) and an io.baler.delta annotation in index.json. Its manifest.json still lists every layer, so a delta is for baler load, which checks that the base is there before writing anything; docker load fails on it ("no such file") unless the daemon already has every left-out layer (Docker 20.10 then skips them). Deltas are written as docker-archive or oci-archive files only.',
    ].join('\n\n'),
    args: [{ name: 'IMAGE', description: 'Image name, image ID or manifest digest to save; from a registry also TAG, :TAG or @sha256:DIGEST. Optional only with --from registry://…, which then names what to save.', multiple: true, optional: true }],
    flags: [
      { name: 'output', short: 'o', type: 'string', placeholder: 'FILE', description: 'Write to FILE instead of stdout; a .tar.gz, .tgz or .tar.zst name implies --compress.' },
      { name: 'format', type: 'string', placeholder: 'FORMAT', description: 'docker (default): docker-archive, which is also an OCI layout (loads in Docker 20.10 and 26, podman, skopeo, containerd); oci: oci-archive (Docker 26 with its default graphdriver store refuses OCI-only archives); oci-dir: an OCI layout directory at -o DIR.' },
      { name: 'compress', type: 'string', placeholder: 'CODEC', description: 'Compress the whole archive: gzip, zstd or none (default: from the -o name, else none).' },
      { name: 'layers', type: 'string', placeholder: 'MODE', description: 'Layer compression: keep (default; as stored, if the format allows), none, gzip or zstd.' },
      { name: 'platform', type: 'string', placeholder: 'OS/ARCH[/VARIANT]', description: 'From a multi-platform image, save this platform (default: the host platform for docker archives).' },
      { name: 'verify-diff-ids', type: 'boolean', description: 'Also inflate every layer kept compressed to check it against its diff_id before the archive is written (default: only layers decompressed or converted anyway are; baler load and docker load check the rest).' },
      { name: 'from', type: 'string', placeholder: 'SOURCE', description: 'Read images from SOURCE instead of the store: docker (the running daemon), docker-root:DIR, docker-archive:FILE, oci-archive:FILE, oci:DIR, store:DIR, registry://HOST[:PORT]/REPO[:TAG|@sha256:…] (IMAGE then TAG, :TAG or @sha256:DIGEST of REPO; none: everything it names), registry://HOST (IMAGE then REPO:TAG).' },
      ...registryFlags,
      ...deltaFlagSpecs,
      ...saveVolumeFlagSpecs,
    ],
    examples: [
      { command: 'baler save -o apps.tar imga:1 imgb:1', description: 'Save two images into one docker-archive; their shared base layer is stored once.' },
      { command: 'baler save imga:1 | ssh host docker load', description: 'Stream an archive to a remote Docker.' },
      { command: 'baler save --format oci -o imga.tar.zst --layers zstd imga:1', description: 'An oci-archive with zstd layers, the whole file zstd-compressed.' },
      { command: 'baler save --from docker-root:/var/lib/docker -o db.tar postgres:16', description: 'Save straight out of a stopped Docker data root.' },
      { command: 'baler save -o app.tar registry://registry.example.com/team/app:1.4', description: 'Pull one image from a registry into an archive for the air-gapped side (credentials from ~/.docker/config.json).' },
      { command: 'baler save -o mirror.tar --insecure --creds ci:secret registry://10.0.0.5:5000/app', description: 'Every tag of a repository on a plain-HTTP registry with Basic or token auth.' },
      { command: 'baler save -o app.tar --from registry://10.0.0.5:5000/team/app 1.4 1.5', description: 'Two tags of one repository (:TAG and @sha256:DIGEST name its images too).' },
      { command: 'baler save --split fat32 -o /media/usb/set.tar app:1 db:2', description: 'Parts set.tar.001, set.tar.002, … of at most 4 GiB - 1 for FAT32 media, plus set.baler.json; load with baler load -i set.tar.001.' },
      { command: 'baler save --resume -o big.tar app:1', description: 'Run it again with --resume after an interruption: the blobs already in big.tar.baler-partial are re-verified and kept, and a layer cut short is continued where it stopped (only the rest is fetched).' },
      { command: 'baler save --resume --format oci-dir -o app-oci app:1', description: 'An OCI layout directory; interrupted, its verified blobs stay in app-oci.baler-partial and the same command continues from them.' },
    ],
    sections: [
      {
        title: 'SPLIT VOLUMES AND RESUME',
        body: [
          '--split SIZE writes FILE.001, FILE.002, … (each at most SIZE) and then NAME.baler.json (NAME is FILE without .tar/.tar.gz/.tar.zst) listing the format version, compression, total size and each part\'s name, size and sha256. Parts are hashed while written, kept under temp names until the last one is complete, renamed in order, and the JSON is written last: a failed or interrupted save leaves no parts and no JSON. The concatenated parts (cat FILE.0* > FILE) are an ordinary archive. baler load -i FILE.001 (or -i NAME.baler.json, or --from docker-archive:NAME.baler.json) checks every part\'s size and sha256 first and names a missing or corrupt part.',
          '--resume writes FILE.baler-partial and FILE.baler-partial.journal (one line per complete blob) and keeps both when the save fails or is interrupted. The next save --resume re-reads and re-hashes the journaled blobs, cuts the partial after the last one that checks out, and continues; the result is byte-identical to an uninterrupted save. A large blob (4 MiB or more) that was cut short is not fetched again whole when the output is uncompressed: the journal also records, every 4 MiB, how much of it is in the partial and the sha256 of those bytes; the rerun re-hashes exactly that start, asks the source for the rest only (a registry with an HTTP Range request) and verifies the whole blob\'s digest at the end. It says so in one line ("resuming at 16.8MB of 41.9MB"), and the closing summary counts it: "Resumed: reused 3 blobs (120MB) already written and verified, and continued 1 (16.8MB kept, not fetched again)"; with --json the same is resumed: blobs and bytes (whole blobs reused), continuedBlobs and keptBytes (blobs continued from their kept start, and their bytes that were not fetched again). When the start does not check out, the source cannot start at an offset, or the registry ignores Range and sends the whole blob, a warning says that the blob is fetched again whole (a source whose blobs are local files, an archive or a layout, just reads it again). With --split the parts are written as FILE.baler-partial.001, … (each fsynced when full) and renamed to FILE.001, … when the set is complete: kept parts are re-verified, not rewritten, and the set and its JSON are the same as an uninterrupted save\'s. With a compressed output (--compress, .tar.gz, .tar.zst) --resume ends a gzip member or zstd frame after every blob (readers decode the members as one stream; the file is a little larger and byte-identical to an uninterrupted --resume save, not to a save without --resume), and the journal records both offsets. A save without --resume removes a leftover partial and starts over. While a save uses the partial, FILE.baler-partial.lock holds its pid: another save to the same FILE (with or without --resume) fails with exit status 7 naming that pid; a lock whose process no longer runs is taken over.',
          'With --format oci-dir -o DIR, --resume writes the blobs into DIR.baler-partial/blobs/sha256/ (each verified, fsynced and renamed from an owner-tagged temp name) and touches DIR only when the save is complete: the blobs its images use are moved in and index.json is written, so DIR is the same layout (oci-layout, index.json, blobs) an uninterrupted save writes. Interrupted or failed, the save says in one line that it kept DIR.baler-partial and how many verified blobs it holds. The next save --resume re-hashes every kept blob, removes one that does not hash to its digest (with a warning) and fetches only what is missing. A blob of 4 MiB or more is written as <hex>.part, and <hex>.part.json records every 4 MiB how much of it is written and the sha256 of those bytes: cut short, the rerun re-hashes that start and fetches only the rest where the source allows it (a registry, with Range), verifying the whole blob at the end; a start that does not re-hash is removed with a warning and the blob fetched whole. DIR.baler-partial.lock refuses a second save as for a file, and a save without --resume removes the leftover directory.',
        ].join('\n\n'),
      },
      {
        title: 'EXIT STATUS',
        body: '0 on success; 3 when an image is not found; 5 when a blob does not match its digest (nothing is written); 7 when another save is writing the same FILE.baler-partial (or DIR.baler-partial), or with --resume when FILE.baler-partial is a directory (an oci-dir save\'s partial) or DIR.baler-partial a file (nothing is touched then); 130 when interrupted (nothing is left at -o). See baler(1) for the full list.',
      },
    ],
  },
  run,
};
