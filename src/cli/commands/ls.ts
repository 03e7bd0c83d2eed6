import { ExitCode } from '../../errors.js';
import { familiarName, fullName } from '../../model/image-name.js';
import { formatPlatform } from '../../model/platform.js';
import type { StoreImage } from '../../store/images.js';
import { imageColumns, imageIdLines, imageLines } from '../render/image-table.js';
import { renderTable } from '../render/table.js';
import type { Command, CommandContext } from '../spec.js';
import { openStoreIfPresentFor, printJson } from '../store-context.js';
import { listDockerPlace } from './ls-docker.js';

async function run(ctx: CommandContext): Promise<ExitCode> {
  const from = ctx.flags.string('from');
  if (from !== undefined && from !== 'store') return listDockerPlace(ctx, from);
  // no store yet (nothing loaded): an empty list, like docker images on a new install
  const store = await openStoreIfPresentFor(ctx);
  const rows = imageLines(store ? await store.images() : [], ctx.args);
  const noTrunc = ctx.flags.bool('no-trunc');
  if (ctx.flags.bool('json')) {
    const seen = new Set<string>();
    printJson(
      ctx.io,
      rows
        .filter((r) => !seen.has(r.image.digest) && seen.add(r.image.digest))
        .map(({ image }) => ({
          Id: image.id,
          Digest: image.digest,
          RepoTags: image.names.filter((n) => n.tag !== undefined).map(familiarName),
          Names: image.names.map(fullName),
          Created: image.created ?? null,
          Size: image.size,
          MediaType: image.descriptor.mediaType,
          Platforms: image.platforms.map(formatPlatform),
        })),
    );
    return ExitCode.ok;
  }
  if (ctx.flags.bool('quiet')) {
    ctx.io.stdout.write(imageIdLines(rows, noTrunc));
    return ExitCode.ok;
  }
  const columns = imageColumns<StoreImage>(noTrunc);
  if (rows.some((r) => r.image.kind === 'index')) columns.push({ header: 'PLATFORMS', cell: (r) => r.image.platforms.map(formatPlatform).join(',') });
  ctx.io.stdout.write(renderTable(rows, columns));
  return ExitCode.ok;
}

export const lsCommand: Command = {
  spec: {
    name: 'ls',
    summary: 'List the images in the embedded store (or a Docker data root or daemon, with its containers)',
    description: `Lists every image in the embedded store, one line per name, like docker images: REPOSITORY, TAG, IMAGE ID (the first 12 hex digits of the config digest), CREATED (relative to now) and SIZE (the sum of the image's blobs as stored, shared layers counted in every image that uses them).

An image without a name is shown once as <none> <none>; it can still be used by its ID. A multi-platform image (an OCI index or Docker manifest list) is listed with the index digest as its ID, and a PLATFORMS column lists what it holds.

PATTERN arguments filter by name using shell-style globs (micromatch) over the familiar name (debian:12) or the full name (docker.io/library/debian:12); a pattern without a tag also matches the repository alone, so 'baler ls debian' lists every debian tag.

With --from docker-root:DIR (a Docker data root, read offline) or --from docker (the running daemon; its data root offline when it does not answer, which is said on stderr), the images there are listed the same way (SIZE as docker images counts it) and a second table lists the containers: CONTAINER ID, IMAGE, CREATED, STATUS (as dockerd last recorded it) and NAMES, like docker ps -a. --json then prints {"Source", "Images": [...], "Containers": [...]}; --quiet prints only image IDs.`,
    args: [{ name: 'PATTERN', description: 'Only names matching this glob (repeatable).', optional: true, multiple: true }],
    flags: [
      { name: 'no-trunc', type: 'boolean', description: 'Show full image IDs (sha256:…).' },
      { name: 'from', type: 'string', placeholder: 'SOURCE', description: 'List docker-root:DIR (a Docker data root, offline) or docker (the running daemon) instead of the store, with its containers.' },
    ],
    examples: [
      { command: 'baler ls', description: 'List every image in the store.' },
      { command: "baler ls 'debian:*'", description: 'List every tag of debian.' },
      { command: 'baler ls -q', description: 'Print only the image IDs, one per line.' },
      { command: 'baler ls --json | jq -r ".[].Id"', description: 'Full image IDs for a script.' },
      { command: 'baler ls --from docker-root:/mnt/old/var/lib/docker', description: 'Images and containers of a Docker data root on a disk from another host.' },
    ],
  },
  run,
};
