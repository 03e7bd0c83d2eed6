import { resolve } from 'node:path';
import { BalerError, ExitCode } from '../../errors.js';
import { applyChanges } from '../../image/changes.js';
import { familiarName, parseImageName } from '../../model/image-name.js';
import { formatPlatform, parsePlatform } from '../../model/platform.js';
import { importRootfs } from '../../pipeline/import.js';
import { dockerArchiveTransport } from '../../transports/docker-archive/transport.js';
import { storeRef } from '../../transports/store/transport.js';
import type { ImageSink } from '../../transports/types.js';
import { formatBytes } from '../render/units.js';
import type { Command, CommandContext } from '../spec.js';
import { printJson, storePathFor } from '../store-context.js';

async function run(ctx: CommandContext): Promise<ExitCode> {
  const [input, nameArg] = ctx.args as [string, string | undefined];
  const changes = ctx.flags.list('change');
  applyChanges({}, changes); // a bad --change is reported before any input is read
  let name;
  if (nameArg !== undefined) {
    name = parseImageName(nameArg, { defaultTag: 'latest' });
    if (name.digest) throw new BalerError('E_USAGE', `import: cannot import digest reference ${JSON.stringify(nameArg)}`);
  }
  const platformSpec = ctx.flags.string('platform');
  const platform = platformSpec ? parsePlatform(platformSpec) : undefined;
  const message = ctx.flags.string('message');
  const output = ctx.flags.string('output');
  if (input === '-' && ctx.io.stdin.isTTY) throw new BalerError('E_USAGE', 'import: refusing to read a tar archive from a terminal; pipe one in or name a file');
  const quiet = ctx.flags.bool('quiet');
  const sink: ImageSink = output
    ? await dockerArchiveTransport.parse(`docker-archive:${resolve(ctx.io.cwd, output)}`).openSink({ signal: ctx.io.signal, overwrite: true })
    : await storeRef(storePathFor(ctx)).openSink({ signal: ctx.io.signal });
  try {
    const report = await importRootfs({
      input,
      cwd: ctx.io.cwd,
      stdin: ctx.io.stdin,
      changes,
      ...(name ? { name } : {}),
      ...(platform ? { platform } : {}),
      ...(message !== undefined ? { message } : {}),
      signal: ctx.io.signal,
      to: sink,
      warn: (_code, m) => {
        if (!quiet) ctx.io.stderr.write(`baler: warning: ${m}\n`);
      },
    });
    const image = report.copy.images[0];
    if (!image) throw new BalerError('E_INTERNAL', 'Internal error: import copied no image');
    const f = report.facts;
    if (ctx.flags.bool('json')) {
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
        location: report.copy.location,
      });
      return ExitCode.ok;
    }
    ctx.io.stdout.write(`${image.id}\n`);
    if (!quiet) {
      const named = image.names.length ? image.names.map(familiarName).join(', ') : 'an untagged image';
      ctx.io.stderr.write(
        `Imported ${input === '-' ? 'stdin' : input} as ${named} (${formatPlatform(f.platform)}, ${f.layer.entries} entries, ${formatBytes(f.layer.size)}` +
          `${f.layer.rewritten ? ', names cleaned' : ''}) into ${report.copy.location}\n`,
      );
      for (const m of report.copy.moved) ctx.io.stderr.write(`The name ${familiarName(m.name)} moved from ${m.from} to ${m.to}\n`);
    }
    return ExitCode.ok;
  } finally {
    await sink[Symbol.asyncDispose]();
  }
}

const OPENVZ = `When NAME is not given and the input file name looks like an OpenVZ or Proxmox template, the image is named after it; when --platform is not given, the platform comes from the template's architecture (otherwise from the host). The name is parsed as <distro>-<version>-<arch>[-<flavor>].tar.<gz|xz|bz2|zst> or, Proxmox style, <distro>-<version>-<flavor>_<package version>_<arch>.tar.gz; the image becomes <distro>:<version>[-<flavor>].

    debian-7.0-x86-minimal.tar.gz            debian:7.0-minimal    linux/386
    centos-7-x86_64.tar.xz                   centos:7              linux/amd64
    ubuntu-14.04-x86_64-minimal.tar.gz       ubuntu:14.04-minimal  linux/amd64
    debian-10-standard_10.7-1_amd64.tar.gz   debian:10-standard    linux/amd64

Architectures: x86_64, amd64, x86-64 → amd64; x86, i386…i686 → 386; aarch64, arm64 → arm64/v8; armhf, armv7l → arm/v7; ppc64le and s390x as they are. A template image also gets Env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin, Cmd ["/bin/sh"] and the label org.opencontainers.image.title=<file name>, unless --change sets them.`;

export const importCommand: Command = {
  spec: {
    name: 'import',
    summary: 'Create an image from a root file system tarball or directory',
    description: `Creates a one-layer image from a flat root file system, like docker import, and stores it in the embedded store (or writes a docker-archive with -o). INPUT is a tar archive — plain, gzip, xz, zstd or bzip2, recognised by its magic bytes, not its name — a directory, or - for standard input.

The layer is the input's decompressed tar, byte for byte, so its diff_id is the sha256 of the decompressed input, as with docker import. Names are rewritten only when they must be: absolute names (and absolute hard-link targets) are made relative and "a//b" or "a/./b" are cleaned; an entry or hard-link target that climbs out of the root with .. is refused (exit status 4, nothing stored). Symlinks are kept as symlinks whatever they point at.

A directory is archived in sorted order without following symlinks, with hard links detected, numeric owners and no root entry; nothing outside the directory is ever read. Extended attributes of a directory's files are not captured.

The config is the one docker import writes: the platform (--platform, else the template's, else the host's), the creation time, the comment (-m MESSAGE, else "Imported from <INPUT>", "Imported from -" for standard input), the runtime settings from --change, one history entry and one layer. The layer is stored uncompressed: that is what docker import stores, the digest is then the diff_id (no second pass to compute it), and docker-archive output needs it uncompressed anyway; use baler save --layers gzip to compress later.

--change lines are read like Dockerfile lines, with docker's variable substitution: in ENV, LABEL, EXPOSE, VOLUME, USER, WORKDIR and STOPSIGNAL, $VAR and \${VAR} (also \${VAR:-default} and \${VAR:+alternative}) take their value from the Env set by earlier --change ENV lines (or a template's defaults); an unset variable is empty, and \\$ or '…' keeps a literal $. One ENV line sees the values from before it (ENV A=2 B=$A takes the old A). CMD, ENTRYPOINT, HEALTHCHECK and ONBUILD are stored as written: their shell form is expanded by the container's shell when it runs.

Prints the new image ID.`,
    args: [
      { name: 'INPUT', description: 'A tar archive (any compression), a directory, or - for standard input.' },
      { name: 'NAME[:TAG]', description: 'Name for the image (default: from an OpenVZ template name, else none).', optional: true },
    ],
    flags: [
      { name: 'change', short: 'c', type: 'string', multiple: true, placeholder: 'INSTRUCTION', description: 'Apply a Dockerfile instruction to the config: CMD, ENTRYPOINT, ENV, EXPOSE, HEALTHCHECK, LABEL, ONBUILD, USER, VOLUME, WORKDIR or STOPSIGNAL (JSON or shell form); repeatable.' },
      { name: 'message', short: 'm', type: 'string', placeholder: 'MESSAGE', description: 'Comment for the image and its history entry.' },
      { name: 'platform', type: 'string', placeholder: 'OS/ARCH[/VARIANT]', description: 'Platform recorded in the config (default: the template name, else the host).' },
      { name: 'output', short: 'o', type: 'string', placeholder: 'FILE', description: 'Write a docker-archive (docker load format) to FILE instead of storing the image.' },
    ],
    examples: [
      { command: 'baler import rootfs.tar.gz app:1', description: 'Import a gzip-compressed rootfs tarball as app:1.' },
      { command: 'tar -C dir -c . | baler import -c "CMD [\\"/bin/sh\\"]" -m "from dir" - base:1', description: 'Import from standard input with a default command.' },
      { command: 'baler import centos-7-x86_64-minimal.tar.gz', description: 'Import an OpenVZ template as centos:7-minimal for linux/amd64.' },
      { command: 'baler import ./rootfs -o base.tar base:1 && docker load -i base.tar', description: 'Turn a directory into a docker-loadable archive.' },
    ],
    sections: [{ title: 'OPENVZ TEMPLATES', body: OPENVZ }],
  },
  run,
};
