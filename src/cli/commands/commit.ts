import { BalerError, ExitCode } from '../../errors.js';
import { familiarName, parseImageName } from '../../model/image-name.js';
import { copyImages } from '../../pipeline/copy.js';
import { resolveStorePath } from '../../store/location.js';
import { ContainerCommitSource } from '../../transports/docker-root/container-commit.js';
import { splitDockerRootSpec } from '../../transports/docker-root/ref.js';
import { parseTransportRef, type RefContext } from '../../transports/registry.js';
import { copyReportJson, writeJson } from '../render/json.js';
import type { Command, CommandContext } from '../spec.js';

/**
 * `baler commit --from docker-root:DIR CONTAINER [NAME]`: a container of an offline Docker data root
 * becomes an image (its image plus a layer of the container's changes) in the store or --into DEST.
 */
async function run(ctx: CommandContext): Promise<ExitCode> {
  const { flags, io } = ctx;
  const [container, nameArg] = ctx.args as [string, string | undefined];
  const from = flags.string('from') ?? 'docker-root:';
  if (!from.startsWith('docker-root')) throw new BalerError('E_USAGE', `commit: --from ${JSON.stringify(from)}: containers can only be read from docker-root:DIR`);
  const name = nameArg !== undefined ? parseImageName(nameArg, { defaultTag: 'latest' }) : undefined;
  if (name?.digest) throw new BalerError('E_USAGE', `commit: ${JSON.stringify(nameArg)}: a digest cannot be a name; give NAME[:TAG]`);
  const refs: RefContext = { storePath: resolveStorePath(flags.string('store'), io.env, io.cwd), cwd: io.cwd, stdin: io.stdin };
  const intoRef = parseTransportRef(flags.string('into') ?? 'store', refs);
  if (flags.bool('json') && intoRef.location === '-') throw new BalerError('E_USAGE', 'commit: --json prints the result on stdout, so --into cannot be stdout');
  const warn = (_code: string, message: string): void => {
    if (!flags.bool('quiet')) io.stderr.write(`baler: warning: ${message}\n`);
  };
  const message = flags.string('message');
  const author = flags.string('author');
  const source = await ContainerCommitSource.open(splitDockerRootSpec(from, io.cwd).location, container, {
    signal: io.signal,
    onWarning: warn,
    ...(message !== undefined ? { message } : {}),
    ...(author !== undefined ? { author } : {}),
  });
  try {
    const sink = await intoRef.openSink({ signal: io.signal });
    try {
      const report = await copyImages({ from: source, to: sink, select: { kind: 'all' }, ...(name ? { rename: name } : {}), signal: io.signal });
      for (const w of report.warnings) warn('', w);
      // with --into …:- stdout carries the archive, so the ID goes to stderr (-q: not at all)
      const said = intoRef.location === '-' ? (flags.bool('quiet') ? undefined : io.stderr) : io.stdout;
      if (flags.bool('json')) writeJson(io, copyReportJson(report));
      else if (name) said?.write(`${source.id}\nCommitted ${source.container.name || source.container.id.slice(0, 12)} as ${familiarName(name)}\n`);
      else said?.write(`${source.id}\n`);
      return ExitCode.ok;
    } finally {
      await sink[Symbol.asyncDispose]();
    }
  } finally {
    await source[Symbol.asyncDispose]();
  }
}

export const commitCommand: Command = {
  spec: {
    name: 'commit',
    summary: "Make an image from a container's changes in a Docker data root, without the daemon",
    description: [
      'Reads CONTAINER (name, ID or unique ID prefix) from a Docker data root (default /var/lib/docker; overlay2 or vfs) and writes a new image: the container\'s image with one more layer holding what the container changed — added and modified files, and deletions as whiteouts — like `docker commit`. The runtime config recorded for the container (Cmd, Env, Labels…) becomes the image config, and a history entry names the command it ran. The image goes to the embedded store unless --into names another place (docker-archive:FILE, oci:DIR, docker for a running daemon…).',
      'The data root is only read. The new layer is built from the container\'s directory, so its ID differs from what `docker commit` would print (timestamps). As in Docker, file capabilities (security.capability) are kept as PAX SCHILY.xattr records and other extended attributes are not; they and the overlay opaque marks are read with getfattr (attr package), else GNU tar (slower: it reads every file), and a warning says what is lost when neither is installed.',
    ].join('\n\n'),
    args: [
      { name: 'CONTAINER', description: 'Container name or ID in the data root.' },
      { name: 'NAME', description: 'Name for the new image (REPOSITORY[:TAG]); without it the image is kept by ID.', optional: true },
    ],
    flags: [
      { name: 'from', type: 'string', placeholder: 'docker-root:DIR', description: 'The Docker data root (default docker-root:/var/lib/docker).' },
      { name: 'into', type: 'string', placeholder: 'DEST', description: 'Where to write the image: store (default), store:DIR, docker-archive:FILE, oci-archive:FILE, oci:DIR or docker.' },
      { name: 'message', short: 'm', type: 'string', placeholder: 'TEXT', description: 'Commit message (the history comment).' },
      { name: 'author', short: 'a', type: 'string', placeholder: 'NAME', description: 'Author recorded in the image config.' },
    ],
    examples: [
      { command: 'baler commit --from docker-root:/var/lib/docker web1 web:debug', description: 'Turn the stopped container web1 into the image web:debug in the store.' },
      { command: 'baler commit --from docker-root:/mnt/disk/docker web1 --into docker-archive:web1.tar', description: 'Rescue a container from a disk of a dead host into a docker load archive.' },
    ],
  },
  run,
};
