import { isAbsolute } from 'node:path';
import type { Writable } from 'node:stream';
import { BalerError, ExitCode } from '../../errors.js';
import { familiarName, parseImageName, type ImageName } from '../../model/image-name.js';
import { parsePlatform } from '../../model/platform.js';
import { copyImages, type CopyReport } from '../../pipeline/copy.js';
import { prepareDeltaLoad } from '../../pipeline/delta-load.js';
import { resolveStorePath } from '../../store/location.js';
import { openInputSource } from '../../transports/detect.js';
import { imageSourcesFor, parseTransportRef, type RefContext } from '../../transports/registry.js';
import { openAsOneSource } from '../../transports/multi-source.js';
import type { ImageSink, OpenOptions } from '../../transports/types.js';
import { copyReportJson, writeJson } from '../render/json.js';
import { progressFor } from '../render/progress-lines.js';
import { outputCompression } from '../output-compression.js';
import { isRegistrySpec, registryAccess, registryFlags } from '../registry-flags.js';
import type { CliIo, Command, CommandContext } from '../spec.js';
import { loadResumeFlagSpec, loadResumeFromFlags } from '../volume-flags.js';

function inputOf(ctx: CommandContext): string {
  const input = ctx.flags.string('input');
  if (input !== undefined) return input;
  // docker load reads stdin when -i is absent; a terminal there means nobody piped an archive in
  if (ctx.io.stdin.isTTY) throw new BalerError('E_USAGE', 'load: requested load from stdin, but stdin is a terminal; use -i FILE or pipe an archive in');
  return '-';
}

/** docker load's lines, on stdout: moved names first, then one line per loaded name (or ID). */
function printLoaded(io: CliIo, report: CopyReport, sink: ImageSink): void {
  for (const m of report.moved) {
    io.stdout.write(`The name ${familiarName(m.name)} moved: ${m.from} -> ${m.to} (the old image is kept, without this name)\n`);
  }
  for (const image of report.images) {
    // a registry prefix sink renames (imga:1 -> HOST/PREFIX/library/imga:1): say where it went
    const pushed = (n: ImageName | undefined): string | undefined => sink.destinationName?.(n);
    if (image.names.length === 0) io.stdout.write(pushed(undefined) !== undefined ? `Pushed image: ${pushed(undefined)} (ID ${image.id})\n` : `Loaded image ID: ${image.id}\n`);
    for (const n of image.names) {
      const to = pushed(n);
      io.stdout.write(to !== undefined ? `Pushed image: ${familiarName(n)} -> ${to}\n` : `Loaded image: ${familiarName(n)}\n`);
    }
  }
}

/** Destinations that are one archive file, whose name may ask for compression. */
const ARCHIVE_TRANSPORTS = new Set(['docker-archive', 'oci-archive']);

async function run(ctx: CommandContext): Promise<ExitCode> {
  const { flags, io } = ctx;
  const input = inputOf(ctx);
  const json = flags.bool('json');
  const quiet = flags.bool('quiet');
  const tag = flags.string('tag');
  const rename = tag !== undefined ? parseImageName(tag, { defaultTag: 'latest' }) : undefined;
  if (rename?.digest) throw new BalerError('E_USAGE', `load: --tag ${JSON.stringify(tag)}: a digest cannot be a name; give NAME[:TAG]`);
  const platformSpec = flags.string('platform');
  const platform = platformSpec !== undefined ? parsePlatform(platformSpec) : undefined;
  const refs: RefContext = { storePath: resolveStorePath(flags.string('store'), io.env, io.cwd), cwd: io.cwd, stdin: io.stdin, registry: registryAccess(flags, io) };
  const intoRef = parseTransportRef(flags.string('into') ?? 'store', refs);
  if (json && intoRef.location === '-') throw new BalerError('E_USAGE', 'load: --json prints the result on stdout, so --into cannot be stdout');
  if (flags.bool('resume') && intoRef.location === '-') throw new BalerError('E_USAGE', 'load: --resume continues a partial file at --into FILE; it cannot resume stdout');
  const intoArchive = ARCHIVE_TRANSPORTS.has(intoRef.transport.name);
  // --into docker-archive:app.tar.gz compresses as save -o app.tar.gz does; a name baler cannot honour is
  // refused here, before the input is opened (stdin spooled, a registry asked)
  const outer = intoArchive ? outputCompression('load', intoRef.location, undefined, { hasCompressFlag: false }) : 'none';

  const progress = progressFor(io, { quiet, json });
  // into an archive FILE, --resume keeps and continues FILE.baler-partial as save --resume does, and says so as save does
  const intoPath = (flags.string('into') ?? '').slice(intoRef.transport.name.length + 1);
  const resume = loadResumeFromFlags(flags, progress?.handle, intoArchive ? { output: intoRef.location, cwd: io.cwd, absolute: isAbsolute(intoPath) } : undefined);
  const onWarning = (code: string, message: string): void => {
    if (progress) progress.handle({ kind: 'warning', code, message });
    else io.stderr.write(`baler: warning: ${message}\n`);
  };
  // -i registry://HOST/REPO[:TAG] pulls straight from a registry (docker pull into the destination);
  // a split set's parts are hashed while copyImages reads them, which confirms them before commit —
  // except into a registry: a blob pushed there cannot be taken back (deleting is off by default), so a
  // corrupt part must be found before the first push, at the cost of reading the set twice
  const partHashes = isRegistrySpec(flags.string('into') ?? '') ? 'before' : 'while-reading';
  // IMAGE arguments against a registry may name tags of its repository (TAG, :TAG, @sha256:…), as save reads them
  const chosen = isRegistrySpec(input) ? imageSourcesFor(parseTransportRef(input, refs), ctx.args) : { images: [...ctx.args] };
  const source = 'refs' in chosen ? await openAsOneSource(chosen.refs, { signal: io.signal, onWarning }) : await openInputSource(input, refs, io.signal, onWarning, partHashes);
  try {
    const sinkOptions: OpenOptions & { stdout?: Writable } = { signal: io.signal, stdout: io.stdout };
    if (outer !== 'none') sinkOptions.outerCompression = outer;
    // --into docker-archive:FILE / oci-archive:FILE continues a kept partial file like save --resume
    if (flags.bool('resume')) sinkOptions.resume = true;
    const notes = resume.notes;
    // said once the partial is ours: a load refused because another holds it says only that; -q leaves it
    // out (a progress note), but not the kept line below: printed only when the load failed, it is part of
    // the error, saying how to continue it
    if (notes && !quiet) sinkOptions.onPartialLocked = () => notes.noteResuming(io.stderr);
    await notes?.refuseForeign();
    const sink = await intoRef.openSink(sinkOptions);
    let loaded = false;
    try {
      // a delta archive: its base must be at the destination, checked (preflight) before anything is written
      // (reads baler-delta.json before copyImages: a damaged split set is named here too)
      await using delta = await prepareDeltaLoad(source, intoRef, sink, input === '-' ? 'stdin' : input).catch(async (err: unknown) => {
        throw source.explainFailure ? await source.explainFailure(err, io.signal) : err;
      });
      const report = await copyImages({
        from: delta.from,
        ...(delta.preflight ? { preflight: delta.preflight } : {}),
        to: sink,
        select: chosen.images?.length ? { kind: 'refs', refs: chosen.images } : { kind: 'all' },
        ...(platform ? { platform } : {}),
        ...(rename ? { rename } : {}),
        signal: io.signal,
        ...(resume.onEvent ? { onEvent: resume.onEvent } : {}),
      });
      loaded = true;
      progress?.finish();
      const reused = resume.result();
      if (json) writeJson(io, { ...copyReportJson(report, sink.destinationName?.bind(sink)), ...(reused ? { resumed: reused } : {}) });
      else if (intoRef.location !== '-') printLoaded(io, report, sink);
      if (!json && !quiet && reused) io.stderr.write(`${resume.line()}\n`);
      return ExitCode.ok;
    } finally {
      progress?.finish();
      await sink[Symbol.asyncDispose]();
      if (!loaded) await notes?.noteKept(io.stderr);
    }
  } finally {
    await source[Symbol.asyncDispose]();
  }
}

export const loadCommand: Command = {
  spec: {
    name: 'load',
    summary: 'Load images from a docker-archive, OCI archive or OCI layout (like docker load)',
    description: [
      'Reads an archive written by docker save (any version, including the Docker 25 hybrid), podman save, skopeo or baler save, an oci-archive, or an OCI layout directory, and stores its images with all their names. The input kind is recognised from its content; a gzip, zstd, xz or bzip2 wrapping is undone first. Without -i the archive is read from stdin.',
      'Every manifest, config and layer is verified against its digest, and every layer against the diff_id in its config, before anything is committed: a corrupted archive leaves the destination as it was. A name that pointed at another image moves to the loaded one, and baler says so.',
      'IMAGE arguments load only those images of the archive (name, image ID or manifest digest). --into writes to another place instead of the store, which turns load into a format conversion.',
      'A delta archive (baler save --have or --since) is loaded only when every layer it leaves out that the loaded images need is already at the destination: checked after the manifests and configs are read and before anything is written, by blob digest in a store or OCI layout, by diff_id in a docker daemon. Otherwise load fails with exit status 3 and one line giving how many blobs are missing, the first few digests and the images that need them. The result is exactly what the full archive would give: the same image IDs, manifest digests and names. Into a docker daemon, which needs whole layers, the left-out layers are read back from the daemon itself (docker save of an image that has them); a delta whose left-out layers are compressed cannot be loaded there: load it into the store, then save a full archive for docker.',
      'With --into registry://HOST[:PORT]/PREFIX the images are pushed to a registry (the air-gapped half of save registry://…): an image named docker.io/library/app:1 goes to HOST/PREFIX/library/app:1 (PREFIX, then its repository path, then its tag; its old registry host is dropped). --into registry://HOST/REPO:TAG pushes exactly one image under that name. Blobs the registry already has are not sent again, blobs shared between repositories are mounted, and tags are written last, after every blob and manifest is in. Credentials come from --creds or the auths of ~/.docker/config.json ($DOCKER_CONFIG); plain HTTP needs --insecure except on loopback. -i registry://HOST/REPO[:TAG] reads from a registry instead (a pull; REPO without a tag: all its tags).',
    ].join('\n\n'),
    args: [{ name: 'IMAGE', description: 'Load only this image of the archive (default: all); with -i registry://HOST/REPO also TAG, :TAG or @sha256:DIGEST of REPO.', optional: true, multiple: true }],
    flags: [
      { name: 'input', short: 'i', type: 'string', placeholder: 'FILE', description: 'Read from FILE (an archive, or an OCI layout directory); - is stdin (the default when stdin is not a terminal); registry://HOST/REPO[:TAG] pulls from a registry.' },
      { name: 'into', type: 'string', placeholder: 'DEST', description: 'Where to load: store (default), store:DIR, docker (the running daemon), oci:DIR, docker-archive:FILE, oci-archive:FILE, or a registry: registry://HOST[:PORT]/PREFIX or registry://HOST/REPO:TAG.' },
      { name: 'tag', short: 't', type: 'string', placeholder: 'NAME[:TAG]', description: 'Name the loaded image NAME[:TAG] instead of its own names (the archive must hold one image, or name one).' },
      { name: 'platform', type: 'string', placeholder: 'OS/ARCH[/VARIANT]', description: 'From a multi-platform image, load only this platform (the store keeps every platform otherwise).' },
      loadResumeFlagSpec,
      ...registryFlags,
    ],
    examples: [
      { command: 'baler load -i apps.tar', description: 'Load every image of a docker save archive into the store.' },
      { command: 'ssh host docker save app:1 | baler load', description: 'Load from a pipe.' },
      { command: 'baler load -i app.oci.tar --tag app:tested', description: 'Load a one-image OCI archive under another name.' },
      { command: 'baler load -i /media/usb/set.tar.001', description: 'Load a split set (baler save --split): every part is checked against set.baler.json (sizes first, sha256 while it is read once).' },
      { command: 'baler load -i apps.tar --into oci:/srv/layout', description: 'Convert a docker-archive into an OCI layout directory.' },
      { command: 'baler load -i apps.tar --into registry://10.0.0.5:5000/mirror --insecure', description: 'Push every image of an archive into a private plain-HTTP registry under mirror/ (imga:1 becomes 10.0.0.5:5000/mirror/library/imga:1).' },
      { command: 'baler load -i app.tar --into registry://registry.internal/team/app:1.4 --creds ci:secret', description: 'Push the one image of an archive under an exact name.' },
      { command: 'baler load -i registry://127.0.0.1:5000/team/app:1.4', description: 'Pull an image from a registry into the store.' },
    ],
    sections: [
      {
        title: 'OUTPUT',
        body: 'One line per loaded name, "Loaded image: NAME", or "Loaded image ID: sha256:…" for an image without a name, as docker load prints them; a name taken from another image is reported first. With --json, one JSON object instead: images (names, id, digest; pushed into a registry also pushedAs, the HOST/REPO:TAG references it was pushed to, where digest is its manifest digest), moved, blobsCopied, blobsSkipped, bytesRead, bytesWritten, durationMs, location, warnings; with --resume also resumed (blobs, bytes: what the destination already had; continuedBlobs, keptBytes: blobs continued from the start an interrupted run wrote into --into docker-archive:FILE or oci-archive:FILE, and their bytes not fetched again).',
      },
      {
        title: 'SPLIT SETS',
        body: 'A set written by baler save --split is read from its first part (NAME.tar.001) or its NAME.baler.json. Every part is checked against the size the JSON records before anything is read, and against its sha256 while the load reads it (each byte is read once; what the load does not need is read at the end), before anything is committed; into a registry, where a pushed blob cannot be taken back, every part is hashed before the first push instead (the set is read twice). The first bad part is named: "set.tar.003: missing (part 3 of 4)" (exit 3), "set.tar.004: truncated (expected N bytes, got M)" (exit 4), "part 2 of 4 (set.tar.002) is corrupt: sha256 …, expected …" (exit 5), also when the damage broke the archive itself first (a tar header, a layer digest); nothing is loaded then. Parts without their JSON are read in order (NAME.tar.001, .002, … up to the first gap) with a warning that their digests could not be checked.',
      },
    ],
  },
  run,
};
