import { resolve } from 'node:path';
import { COMPRESSION_LEVELS } from '../../codecs/index.js';
import { outputCompression } from '../output-compression.js';
import { BalerError, ExitCode } from '../../errors.js';
import type { LayerCompression } from '../../model/media-types.js';
import { parsePlatform } from '../../model/platform.js';
import { exportImage, globFilter, type ExportTarget } from '../../pipeline/export.js';
import { imageSourcesFor, parseTransportRef } from '../../transports/registry.js';
import { storeRef } from '../../transports/store/transport.js';
import type { ImageRef } from '../../transports/types.js';
import { exportProgressFor } from '../render/export-progress-lines.js';
import { formatBytes } from '../render/units.js';
import { exportIfContainer, narrowToImage } from './export-container.js';
import type { Command, CommandContext } from '../spec.js';
import { printJson, storePathFor } from '../store-context.js';
import { isRegistrySpec, registryAccess, registryFlags } from '../registry-flags.js';
import { archiveStdout } from '../../io/stdout-stream.js';

/** Prefixes that make SOURCE a transport reference rather than an image of the store. */
const TRANSPORT_PREFIXES = ['docker-archive:', 'oci-archive:', 'oci:', 'store:', 'docker-root:', 'registry://'];

/**
 * SOURCE → where to read and which image (or container) there; a bare name is an image of the embedded
 * store. With --from registry://… SOURCE is read as save reads IMAGE (`TAG`, `:TAG`, `@sha256:…`), and
 * may be left out when --from names the image.
 */
export function exportSource(ctx: CommandContext, spec: string | undefined): { ref: ImageRef; image?: string } {
  const from = ctx.flags.string('from');
  const refs = { storePath: storePathFor(ctx), cwd: ctx.io.cwd, stdin: ctx.io.stdin, registry: registryAccess(ctx.flags, ctx.io) };
  if (from !== undefined) {
    const chosen = imageSourcesFor(parseTransportRef(from, refs), spec === undefined ? [] : [spec]);
    const [ref] = chosen.refs as [ImageRef];
    const image = chosen.images?.[0];
    return image === undefined ? { ref } : { ref: narrowToImage(ref, image), image };
  }
  if (spec === undefined) throw new BalerError('E_USAGE', "export: missing SOURCE; see 'baler export --help'");
  if (TRANSPORT_PREFIXES.some((p) => spec.startsWith(p))) {
    const ref = parseTransportRef(spec, refs);
    // a registry reference's tag or digest already picks its one image
    return ref.image !== undefined && ref.transport.name !== 'registry' ? { ref, image: ref.image } : { ref };
  }
  return { ref: storeRef(storePathFor(ctx)), image: spec };
}

function chosenCompression(ctx: CommandContext, output: string | undefined): LayerCompression {
  return outputCompression('export', output, ctx.flags.choice('compress', ['gzip', 'zstd', 'none'] as const));
}

async function run(ctx: CommandContext): Promise<ExitCode> {
  const spec = ctx.args[0];
  if (spec === undefined && !isRegistrySpec(ctx.flags.string('from') ?? '')) throw new BalerError('E_USAGE', "export: missing SOURCE; see 'baler export --help'");
  const output = ctx.flags.string('output');
  const compression = chosenCompression(ctx, output);
  const [minLevel, maxLevel] = COMPRESSION_LEVELS[compression === 'zstd' ? 'zstd' : 'gzip'];
  const level = ctx.flags.int('level', minLevel, maxLevel);
  if (level !== undefined && compression === 'none') throw new BalerError('E_USAGE', 'export: --level needs --compress gzip or zstd');
  const platformSpec = ctx.flags.string('platform');
  let to: ExportTarget;
  if (output && output !== '-') {
    to = { kind: 'file', path: resolve(ctx.io.cwd, output), overwrite: true };
  } else {
    if (ctx.io.stdout.isTTY) throw new BalerError('E_USAGE', 'export: refusing to write a tar archive to a terminal; use -o FILE or redirect stdout');
    if (ctx.flags.bool('json')) throw new BalerError('E_USAGE', 'export: --json needs -o FILE (stdout carries the archive)');
    to = { kind: 'stream', stream: archiveStdout(ctx.io.stdout), what: 'stdout' };
  }
  const filter = globFilter(ctx.flags.list('include'), ctx.flags.list('exclude'));
  const { ref, image } = exportSource(ctx, spec);
  const asContainer = await exportIfContainer(ctx, { ref, ...(image !== undefined ? { image } : {}), to, compression, ...(level !== undefined ? { level } : {}), ...(filter ? { filter } : {}) });
  if (asContainer !== undefined) return asContainer;
  // a docker-root layer rebuilt from its directory (no tar-split) is worth a word to the user
  const source = await ref.openSource({
    signal: ctx.io.signal,
    // the one image read: a store leases only its blobs (store/read-lease.ts)
    ...(image !== undefined ? { wanted: [image] } : {}),
    onWarning: (_code, message) => {
      if (!ctx.flags.bool('quiet')) ctx.io.stderr.write(`baler: warning: ${message}\n`);
    },
  });
  const progress = exportProgressFor(ctx.io, { quiet: ctx.flags.bool('quiet'), json: ctx.flags.bool('json') });
  try {
    const report = await exportImage({
      source,
      ...(progress ? { onEvent: progress.handle } : {}),
      ...(image !== undefined ? { image } : {}),
      ...(platformSpec ? { platform: parsePlatform(platformSpec) } : {}),
      to,
      compression,
      ...(level !== undefined ? { level } : {}),
      ...(filter ? { filter } : {}),
      signal: ctx.io.signal,
      warn: (_code, message) => {
        if (!ctx.flags.bool('quiet')) ctx.io.stderr.write(`baler: warning: ${message}\n`);
      },
    });
    progress?.finish();
    if (ctx.flags.bool('json')) printJson(ctx.io, report);
    else if (!ctx.flags.bool('quiet')) {
      ctx.io.stderr.write(
        `Exported ${report.image} (${report.layers} layer${report.layers === 1 ? '' : 's'}, ${report.entries} entries, ${formatBytes(report.fileBytes)} of files; ` +
          `${formatBytes(report.reclaimedBytes)} hidden by later layers left out) to ${report.location}` +
          `${report.compression === 'none' ? '' : ` (${report.compression}, ${formatBytes(report.bytesWritten)})`}\n`,
      );
    }
    return ExitCode.ok;
  } finally {
    progress?.finish();
    await source[Symbol.asyncDispose]();
  }
}

export const exportCommand: Command = {
  spec: {
    name: 'export',
    summary: "Write an image's (or a Docker container's) flattened root file system as one tar",
    description: `Flattens SOURCE — an image of the embedded store, or an image in an archive or layout (docker-archive:FILE[:IMAGE], oci:DIR[:REF], oci-archive:FILE[:REF]) — into the single tar \`docker export\` would give for a container of it: layers are applied base to top, whiteouts delete what lower layers added (and never appear in the output), opaque directories hide lower content, hard links keep the content they had even when their original name was later replaced or deleted. Types, permission bits including setuid/setgid/sticky, owners (ids and names), modification times, symlink targets, device numbers, FIFOs, extended attributes (PAX SCHILY.xattr.*) and long or non-ASCII names are kept (names are bytes: one that is not valid UTF-8 comes out exactly as it went in). Unlike docker export, the container-runtime files (.dockerenv, /etc/hostname, /etc/hosts, /etc/resolv.conf, /dev/console…) are not added.

Output order: directories, symlinks, devices and empty files first (parents before children), then regular files in layer order; the first name of a hard-linked file carries its content, later names are hard links to it. Memory use is bounded by the number of entries, never their size: pass 1 learns every layer's headers (a stored uncompressed layer by seeking from header to header, any other layer by streaming and verifying it), pass 2 streams the layers again, copies file contents straight to the output and verifies every layer pass 1 did not read whole; a layer that fails its digest fails the export and nothing is left at -o.

The archive goes to -o FILE (written under a temporary name and renamed when complete, so an interrupted export leaves nothing) or to standard output when that is not a terminal. Compression comes from --compress, else from the -o suffix (.tar.gz/.tgz → gzip, .tar.zst → zstd), else none.

Progress goes to standard error: each read of a layer (the scan, then the copy) with its bytes and speed, redrawn in place on a terminal and as one line per finished read otherwise; -q and --json print none.`,
    args: [{ name: 'SOURCE', description: 'Image name, ID or digest in the store, or TRANSPORT:LOCATION[:IMAGE]; with --from docker-root:DIR or docker, a container name or ID too; with --from registry://HOST/REPO, TAG, :TAG or @sha256:DIGEST (optional when --from names the tag).', optional: true }],
    flags: [
      { name: 'output', short: 'o', type: 'string', placeholder: 'FILE', description: 'Write the tar to FILE (replaced atomically) instead of standard output.' },
      { name: 'compress', type: 'string', placeholder: 'gzip|zstd|none', description: 'Compress the tar (default: from the -o suffix, else none).' },
      { name: 'level', type: 'string', placeholder: 'N', description: `Compression level (gzip ${COMPRESSION_LEVELS.gzip.join('-')}, default 6; zstd ${COMPRESSION_LEVELS.zstd.join('-')}, default 3).` },
      { name: 'include', type: 'string', multiple: true, placeholder: 'GLOB', description: 'Only write paths matching GLOB (or below a matching directory); repeatable. Paths are relative, e.g. "etc/**".' },
      { name: 'exclude', type: 'string', multiple: true, placeholder: 'GLOB', description: 'Leave out paths matching GLOB and everything below them; repeatable.' },
      { name: 'platform', type: 'string', placeholder: 'OS/ARCH[/VARIANT]', description: 'Which image of a multi-platform index to flatten (default: the host platform).' },
      { name: 'from', type: 'string', placeholder: 'SOURCE', description: 'Read SOURCE from this place instead of the store: docker-root:DIR (a Docker data root, offline), docker (the running daemon; its data root offline when it is down), docker-archive:FILE, oci-archive:FILE, oci:DIR, registry://HOST[:PORT]/REPO[:TAG|@sha256:…] (SOURCE then a tag or digest of REPO: TAG, :TAG, @sha256:…), registry://HOST (SOURCE then REPO:TAG).' },
      ...registryFlags,
    ],
    examples: [
      { command: 'baler export -o rootfs.tar app:1', description: 'Flatten app:1 of the store into rootfs.tar.' },
      { command: 'baler export docker-archive:images.tar:app:1 | tar -t', description: 'List the files of an image inside a docker save archive.' },
      { command: 'baler export --exclude "usr/share/doc/**" -o app.tar.zst app:1', description: 'A zstd-compressed rootfs without documentation.' },
      { command: 'baler export --from docker-root:/var/lib/docker -o web1.tar web1', description: 'The file system of container web1, read from a stopped Docker (like docker export).' },
    ],
    sections: [
      {
        title: 'CONTAINERS',
        body: 'With --from docker-root:DIR (or docker-root:DIR:NAME as SOURCE) or --from docker, SOURCE may name a container (name, ID or unique ID prefix): its file system is written as `docker export` writes it, including Docker\'s init files (.dockerenv, /etc/hosts…). From a data root the container\'s layers are flattened offline (overlay2 whiteouts and opaque directories, vfs copies; file capabilities kept as SCHILY.xattr.security.capability); from a running daemon its own export is passed through. When a container and an image share the name, the container wins, as with docker export; write NAME:TAG or sha256:ID for the image. When the daemon behind --from docker does not answer, its data root ($BALER_DOCKER_ROOT, else /var/lib/docker for the default socket) is read offline and baler says so.',
      },
      {
        title: 'PATHS',
        body: 'Output names are clean relative paths (no ./ prefix, no root entry). A layer entry whose name, or whose hard-link target, is absolute or climbs out of the root with .. is refused: export stops with exit status 4 and an E_PATH_ESCAPE message naming the layer and the entry, and nothing is written. Symlink targets are data and are kept exactly as stored.',
      },
    ],
  },
  run,
};
