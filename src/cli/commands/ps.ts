import { ExitCode } from '../../errors.js';
import { containerJson, renderContainerTable } from '../render/containers.js';
import type { Command, CommandContext } from '../spec.js';
import { readDockerPlace } from './ls-docker.js';

/**
 * `baler ps --from docker-root:DIR|docker`: the containers of a Docker data root, read offline (no daemon),
 * or of the running daemon. Shows every container (like `docker ps -a`), since a stopped daemon has no
 * running ones; offline, the status is what dockerd last wrote.
 */
export const psCommand: Command = {
  spec: {
    name: 'ps',
    summary: 'List the containers of a Docker data root (without the daemon) or of the running daemon',
    description: [
      'Reads containers/<id>/config.v2.json under a Docker data root (default /var/lib/docker) and lists every container with its ID, image, creation time, status and name, as `docker ps -a` would. The daemon does not need to run; reading /var/lib/docker needs root.',
      'The status is the one dockerd last recorded: a container shown as "Up" on a root whose daemon was killed is not actually running.',
      'With --from docker the running daemon is asked (GET /containers/json); when it does not answer, its data root ($BALER_DOCKER_ROOT, else /var/lib/docker for the default socket) is read offline instead and a warning says so.',
      'Use the ID or name with `baler commit --from docker-root:DIR CONTAINER NAME` to turn a container into an image. With --quiet only the short IDs are printed, as `docker ps -q` does.',
    ].join('\n\n'),
    args: [],
    flags: [{ name: 'from', type: 'string', placeholder: 'SOURCE', description: 'docker-root:DIR, the Docker data root to read (default docker-root:/var/lib/docker), or docker for the running daemon.' }],
    examples: [
      { command: 'baler ps --from docker-root:/var/lib/docker', description: 'List the containers of the local Docker store, daemon stopped or not.' },
      { command: 'baler ps --from docker-root:/mnt/old-disk/var/lib/docker --json', description: 'Containers of a disk taken from another host, as JSON.' },
    ],
  },
  async run(ctx: CommandContext): Promise<ExitCode> {
    const { flags, io } = ctx;
    const { containers } = await readDockerPlace(ctx, flags.string('from') ?? 'docker-root:', 'ps');
    if (flags.bool('json')) {
      io.stdout.write(`${JSON.stringify(containers.map(containerJson), null, 2)}\n`);
      return ExitCode.ok;
    }
    if (flags.bool('quiet')) {
      for (const c of containers) io.stdout.write(`${c.id.slice(0, 12)}\n`);
      return ExitCode.ok;
    }
    io.stdout.write(renderContainerTable(containers));
    return ExitCode.ok;
  },
};
