import type { Writable } from 'node:stream';
import { BalerError, ExitCode } from '../../errors.js';
import { familiarName, parseImageName } from '../../model/image-name.js';
import { parsePlatform } from '../../model/platform.js';
import { copyImages, type CopyReport } from '../../pipeline/copy.js';
import { resolveStorePath } from '../../store/location.js';
import { openInputSource } from '../../transports/detect.js';
import { parseTransportRef, type RefContext } from '../../transports/registry.js';
import type { OpenOptions } from '../../transports/types.js';
import { copyReportJson, writeJson } from '../render/json.js';
import { progressFor } from '../render/progress-lines.js';
import type { CliIo, Command, CommandContext } from '../spec.js';

function inputOf(ctx: CommandContext): string {
  const input = ctx.flags.string('input');
  if (input !== undefined) return input;
  // docker load reads stdin when -i is absent; a terminal there means nobody piped an archive in
  if (ctx.io.stdin.isTTY) throw new BalerError('E_USAGE', 'load: requested load from stdin, but stdin is a terminal; use -i FILE or pipe an archive in');
  return '-';
}

/** docker load's lines, on stdout: moved names first, then one line per loaded name (or ID). */
function printLoaded(io: CliIo, report: CopyReport): void {
  for (const m of report.moved) {
    io.stdout.write(`The name ${familiarName(m.name)} moved: ${m.from} -> ${m.to} (the old image is kept, without this name)\n`);
  }
  for (const image of report.images) {
    if (image.names.length === 0) io.stdout.write(`Loaded image ID: ${image.id}\n`);
    for (const n of image.names) io.stdout.write(`Loaded image: ${familiarName(n)}\n`);
  }
}

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
  const refs: RefContext = { storePath: resolveStorePath(flags.string('store'), io.env, io.cwd), cwd: io.cwd, stdin: io.stdin };
  const intoRef = parseTransportRef(flags.string('into') ?? 'store', refs);
  if (json && intoRef.location === '-') throw new BalerError('E_USAGE', 'load: --json prints the result on stdout, so --into cannot be stdout');

  const progress = progressFor(io, { quiet, json });
  const source = await openInputSource(input, refs, io.signal);
  try {
    const sinkOptions: OpenOptions & { stdout?: Writable } = { signal: io.signal, stdout: io.stdout };
    const sink = await intoRef.openSink(sinkOptions);
    try {
      const report = await copyImages({
        from: source,
        to: sink,
        select: ctx.args.length ? { kind: 'refs', refs: [...ctx.args] } : { kind: 'all' },
        ...(platform ? { platform } : {}),
        ...(rename ? { rename } : {}),
        signal: io.signal,
        ...(progress ? { onEvent: progress.handle } : {}),
      });
      progress?.finish();
      if (json) writeJson(io, copyReportJson(report));
      else if (intoRef.location !== '-') printLoaded(io, report);
      return ExitCode.ok;
    } finally {
      progress?.finish();
      await sink[Symbol.asyncDispose]();
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
    ].join('\n\n'),
    args: [{ name: 'IMAGE', description: 'Load only this image of the archive (default: all).', optional: true, multiple: true }],
    flags: [
      { name: 'input', short: 'i', type: 'string', placeholder: 'FILE', description: 'Read from FILE (an archive, or an OCI layout directory); - is stdin (the default when stdin is not a terminal).' },
      { name: 'into', type: 'string', placeholder: 'DEST', description: 'Where to load: store (default), store:DIR, docker (the running daemon), oci:DIR, docker-archive:FILE or oci-archive:FILE.' },
      { name: 'tag', short: 't', type: 'string', placeholder: 'NAME[:TAG]', description: 'Name the loaded image NAME[:TAG] instead of its own names (the archive must hold one image, or name one).' },
      { name: 'platform', type: 'string', placeholder: 'OS/ARCH[/VARIANT]', description: 'From a multi-platform image, load only this platform (the store keeps every platform otherwise).' },
    ],
    examples: [
      { command: 'baler load -i apps.tar', description: 'Load every image of a docker save archive into the store.' },
      { command: 'ssh host docker save app:1 | baler load', description: 'Load from a pipe.' },
      { command: 'baler load -i app.oci.tar --tag app:tested', description: 'Load a one-image OCI archive under another name.' },
      { command: 'baler load -i apps.tar --into oci:/srv/layout', description: 'Convert a docker-archive into an OCI layout directory.' },
    ],
    sections: [
      {
        title: 'OUTPUT',
        body: 'One line per loaded name, "Loaded image: NAME", or "Loaded image ID: sha256:…" for an image without a name, as docker load prints them; a name taken from another image is reported first. With --json, one JSON object instead: images (names, id, digest), moved, blobsCopied, blobsSkipped, bytesRead, bytesWritten, durationMs, location, warnings.',
      },
    ],
  },
  run,
};
