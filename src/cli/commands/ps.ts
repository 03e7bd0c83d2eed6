import { BalerError, ExitCode } from '../../errors.js';
import { listContainers, type StoredContainer } from '../../transports/docker-root/containers.js';
import { detectStorageDriver } from '../../transports/docker-root/drivers.js';
import { splitDockerRootSpec } from '../../transports/docker-root/ref.js';
import { renderContainerTable, rowFromStored } from '../render/containers.js';
import type { Command, CommandContext } from '../spec.js';

/**
 * `baler ps --from docker-root:DIR`: the containers of a Docker data root, read offline (no daemon).
 * Shows every container (like `docker ps -a`), since a stopped daemon has no running ones; the status
 * is what dockerd last wrote.
 */
export const psCommand: Command = {
  spec: {
    name: 'ps',
    summary: 'List the containers of a Docker data root, without the daemon',
    description: [
      'Reads containers/<id>/config.v2.json under a Docker data root (default /var/lib/docker) and lists every container with its ID, image, creation time, status and name, as `docker ps -a` would. The daemon does not need to run; reading /var/lib/docker needs root.',
      'The status is the one dockerd last recorded: a container shown as "Up" on a root whose daemon was killed is not actually running.',
      'Use the ID or name with `baler commit --from docker-root:DIR CONTAINER NAME` to turn a container into an image. With --quiet only the short IDs are printed, as `docker ps -q` does.',
    ].join('\n\n'),
    args: [],
    flags: [{ name: 'from', type: 'string', placeholder: 'docker-root:DIR', description: 'The Docker data root to read (default docker-root:/var/lib/docker).' }],
    examples: [
      { command: 'baler ps --from docker-root:/var/lib/docker', description: 'List the containers of the local Docker store, daemon stopped or not.' },
      { command: 'baler ps --from docker-root:/mnt/old-disk/var/lib/docker --json', description: 'Containers of a disk taken from another host, as JSON.' },
    ],
  },
  async run({ flags, io }: CommandContext): Promise<ExitCode> {
    const from = flags.string('from') ?? 'docker-root:';
    if (!from.startsWith('docker-root')) {
      throw new BalerError('E_USAGE', `ps: --from ${JSON.stringify(from)}: containers can only be read from docker-root:DIR`);
    }
    const { location } = splitDockerRootSpec(from, io.cwd);
    await detectStorageDriver(location); // a clear error when DIR is not a Docker root
    const containers = await listContainers(location);
    if (flags.bool('json')) {
      io.stdout.write(`${JSON.stringify(containers.map(jsonRow), null, 2)}\n`);
      return ExitCode.ok;
    }
    if (flags.bool('quiet')) {
      for (const c of containers) io.stdout.write(`${c.id.slice(0, 12)}\n`);
      return ExitCode.ok;
    }
    io.stdout.write(renderContainerTable(containers.map(rowFromStored)));
    return ExitCode.ok;
  },
};

function jsonRow(c: StoredContainer): Record<string, unknown> {
  return { id: c.id, name: c.name, image: c.imageRef ?? null, imageId: c.imageId ?? null, created: c.created ?? null, state: c.state, exitCode: c.exitCode, status: c.status };
}
