import { compressionFromFileName } from '../../codecs/index.js';
import { createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { BalerError, ExitCode, fromSystemError } from '../../errors.js';
import type { LayerCompression } from '../../model/media-types.js';
import { parsePlatform } from '../../model/platform.js';
import { copyImages } from '../../pipeline/copy.js';
import { resolveStorePath } from '../../store/location.js';
import { parseTransportRef, type RefContext } from '../../transports/registry.js';
import type { ImageRef, OpenOptions } from '../../transports/types.js';
import { copyReportJson, writeJson } from '../render/json.js';
import { progressFor } from '../render/progress-lines.js';
import { formatBytes, formatDuration } from '../render/units.js';
import type { Command, CommandContext } from '../spec.js';

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

async function run(ctx: CommandContext): Promise<ExitCode> {
  const { flags, io } = ctx;
  const format = flags.choice('format', FORMATS, 'docker');
  const json = flags.bool('json');
  const quiet = flags.bool('quiet');
  const output = chooseOutput(ctx, format);
  if (json && output === '-') throw new BalerError('E_USAGE', 'save: --json prints the result on stdout, so the archive needs -o FILE');
  const explicit = flags.choice('compress', COMPRESSIONS);
  if (format === 'oci-dir' && explicit && explicit !== 'none') throw new BalerError('E_USAGE', 'save: --compress applies to archive files, not to --format oci-dir');
  const outer: LayerCompression = explicit ?? (output !== '-' ? compressionFromFileName(output) : undefined) ?? 'none';
  const layers = flags.choice('layers', LAYER_CHOICES, 'keep');
  const platformSpec = flags.string('platform');
  const platform = platformSpec !== undefined ? parsePlatform(platformSpec) : undefined;
  const refs: RefContext = { storePath: resolveStorePath(flags.string('store'), io.env, io.cwd), cwd: io.cwd, stdin: io.stdin };
  const fromSpec = flags.string('from') ?? 'store';
  const fromRef = parseTransportRef(fromSpec, refs);

  // -o /dev/null or a FIFO is written in place: renaming a temp file over it would replace the device
  const device = format !== 'oci-dir' && output !== '-' ? await openSpecialFile(resolve(io.cwd, output)) : undefined;
  const toRef = destinationRef(format, device ? '-' : output, refs);
  const signal = device ? AbortSignal.any([io.signal, device.failed]) : io.signal;

  const progress = progressFor(io, { quiet, json });
  // A source that has to deviate (docker-root rebuilding a layer without tar-split, so the image is
  // re-identified) must tell the user, whatever the output mode: stdout may be the archive, so stderr.
  const onWarning = (code: string, message: string): void => {
    if (progress) progress.handle({ kind: 'warning', code, message });
    else io.stderr.write(`baler: warning: ${message}\n`);
  };
  const source = await fromRef.openSource({ signal, onWarning });
  try {
    const sinkOptions: OpenOptions & { stdout?: Writable } = { signal, overwrite: true, stdout: device?.stream ?? io.stdout };
    if (outer !== 'none') sinkOptions.outerCompression = outer;
    const sink = await toRef.openSink(sinkOptions);
    try {
      const report = await copyImages({
        from: source,
        to: sink,
        select: { kind: 'refs', refs: [...ctx.args] },
        ...(platform ? { platform } : {}),
        layers,
        signal,
        ...(progress ? { onEvent: progress.handle } : {}),
      });
      await device?.close();
      progress?.finish();
      if (json) {
        writeJson(io, copyReportJson(report));
      } else if (!quiet && output !== '-') {
        const n = report.images.length;
        const where = device ? output : report.location;
        io.stderr.write(`Saved ${n} image${n === 1 ? '' : 's'} to ${where} (${formatBytes(report.bytesWritten)} in ${formatDuration(report.durationMs)})\n`);
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

/** An existing non-regular, non-directory file (character device, FIFO, socket) opened for writing. */
async function openSpecialFile(path: string): Promise<{ stream: Writable; failed: AbortSignal; close(): Promise<void> } | undefined> {
  let st;
  try {
    st = await stat(path);
  } catch {
    return undefined;
  }
  if (st.isFile() || st.isDirectory()) return undefined;
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
      'Images come from the embedded store unless --from names another source. IMAGE is a name (imga, imga:1, docker.io/library/imga:1; a repository without a tag means all its tags), a full or short image ID, or a manifest digest.',
      'Every blob is verified against its digest while it is copied, and each layer against the diff_id in its image config; on any mismatch or interruption nothing is left at the output path. Without -o the archive goes to stdout, which must not be a terminal.',
      'The image ID (config digest) never changes. Converting layers (--layers, or a destination that cannot keep them) writes a new manifest, so the manifest digest changes.',
    ].join('\n\n'),
    args: [{ name: 'IMAGE', description: 'Image name, image ID or manifest digest to save.', multiple: true }],
    flags: [
      { name: 'output', short: 'o', type: 'string', placeholder: 'FILE', description: 'Write to FILE instead of stdout; a .tar.gz, .tgz or .tar.zst name implies --compress.' },
      { name: 'format', type: 'string', placeholder: 'FORMAT', description: 'docker (default): docker-archive; oci: oci-archive; oci-dir: an OCI layout directory at -o DIR.' },
      { name: 'compress', type: 'string', placeholder: 'CODEC', description: 'Compress the whole archive: gzip, zstd or none (default: from the -o name, else none).' },
      { name: 'layers', type: 'string', placeholder: 'MODE', description: 'Layer compression: keep (default; as stored, if the format allows), none, gzip or zstd.' },
      { name: 'platform', type: 'string', placeholder: 'OS/ARCH[/VARIANT]', description: 'From a multi-platform image, save this platform (default: the host platform for docker archives).' },
      { name: 'from', type: 'string', placeholder: 'SOURCE', description: 'Read images from SOURCE instead of the store: docker (the running daemon), docker-root:DIR, docker-archive:FILE, oci-archive:FILE, oci:DIR, store:DIR.' },
    ],
    examples: [
      { command: 'baler save -o apps.tar imga:1 imgb:1', description: 'Save two images into one docker-archive; their shared base layer is stored once.' },
      { command: 'baler save imga:1 | ssh host docker load', description: 'Stream an archive to a remote Docker.' },
      { command: 'baler save --format oci -o imga.tar.zst --layers zstd imga:1', description: 'An oci-archive with zstd layers, the whole file zstd-compressed.' },
      { command: 'baler save --from docker-root:/var/lib/docker -o db.tar postgres:16', description: 'Save straight out of a stopped Docker data root.' },
    ],
    sections: [
      {
        title: 'EXIT STATUS',
        body: '0 on success; 3 when an image is not found; 5 when a blob does not match its digest (nothing is written); 130 when interrupted (nothing is left at -o). See baler(1) for the full list.',
      },
    ],
  },
  run,
};
