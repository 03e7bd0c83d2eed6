import { BalerError, ExitCode } from '../../errors.js';
import { isDigest } from '../../model/digest.js';
import { familiarName, parseImageName, type ImageName } from '../../model/image-name.js';
import { listContainers } from '../../transports/docker-root/containers.js';
import { detectStorageDriver } from '../../transports/docker-root/drivers.js';
import { listRootImages } from '../../transports/docker-root/image-list.js';
import { liveDaemonOf, type DockerEngine } from '../../transports/docker-daemon/client.js';
import { DockerDaemonRef } from '../../transports/docker-daemon/transport.js';
import { parseTransportRef } from '../../transports/registry.js';
import { containerJson, renderContainerTable, rowFromEngine, rowFromStored, type ContainerRow } from '../render/containers.js';
import { imageIdLines, imageLines, renderImageTable, type ListedImage } from '../render/image-table.js';
import type { CommandContext } from '../spec.js';
import { printJson, storePathFor } from '../store-context.js';

export interface PlaceListing {
  /** `docker-root:DIR` or the daemon's socket: which reader was used. */
  source: string;
  images: ListedImage[];
  containers: ContainerRow[];
}

async function listRoot(ctx: CommandContext, root: string): Promise<PlaceListing> {
  await detectStorageDriver(root); // a clear error when DIR is not a Docker data root
  const live = await liveDaemonOf(root);
  if (live && !ctx.flags.bool('quiet')) ctx.io.stderr.write(`baler: warning: ${live}\n`);
  const [images, containers] = await Promise.all([listRootImages(root), listContainers(root)]);
  return { source: `docker-root:${root}`, images, containers: containers.map(rowFromStored) };
}

function namesOf(repoTags: readonly string[]): ImageName[] {
  const out: ImageName[] = [];
  for (const t of repoTags) {
    try {
      out.push(parseImageName(t));
    } catch {
      // a tag the daemon accepted but baler cannot parse is left out of the list, not fatal
    }
  }
  return out;
}

async function listDaemon(engine: DockerEngine): Promise<PlaceListing> {
  const [images, containers] = await Promise.all([engine.listImages(), engine.listContainers()]);
  return {
    source: engine.label,
    images: images
      .filter((i) => isDigest(i.id))
      .map((i) => ({ id: i.id as ListedImage['id'], names: namesOf(i.repoTags), created: new Date(i.created * 1000).toISOString(), size: i.size })),
    containers: containers.map(rowFromEngine).sort((a, b) => (b.created?.getTime() ?? 0) - (a.created?.getTime() ?? 0)),
  };
}

/**
 * The images and containers of `docker-root:DIR` or `docker` (the live daemon, or its data root when it
 * is down: said on stderr). `verb` names the command in a usage error.
 */
export async function readDockerPlace(ctx: CommandContext, from: string, verb: string): Promise<PlaceListing> {
  const ref = parseTransportRef(from, { storePath: storePathFor(ctx), cwd: ctx.io.cwd });
  if (ref.transport.name === 'docker-root') return listRoot(ctx, ref.location);
  if (!(ref instanceof DockerDaemonRef)) throw new BalerError('E_USAGE', `${verb}: --from ${JSON.stringify(from)}: expected docker-root:DIR or docker`);
  const place = await ref.reach();
  if (place.kind === 'daemon') return listDaemon(place.engine);
  if (!ctx.flags.bool('quiet')) ctx.io.stderr.write(`baler: warning: ${place.reason}\n`);
  return listRoot(ctx, place.root);
}

/**
 * `baler ls --from docker-root:DIR|docker`: the images there (like docker images) and a second table of
 * its containers (like docker ps -a).
 */
export async function listDockerPlace(ctx: CommandContext, from: string): Promise<ExitCode> {
  const listing = await readDockerPlace(ctx, from, 'ls');
  const lines = imageLines(listing.images, ctx.args);
  const noTrunc = ctx.flags.bool('no-trunc');
  if (ctx.flags.bool('json')) {
    const seen = new Set<string>();
    printJson(ctx.io, {
      Source: listing.source,
      Images: lines
        .filter((l) => !seen.has(l.image.id) && seen.add(l.image.id))
        .map(({ image }) => ({ Id: image.id, RepoTags: image.names.map(familiarName), Created: image.created ?? null, Size: image.size ?? null })),
      Containers: listing.containers.map(containerJson),
    });
    return ExitCode.ok;
  }
  if (ctx.flags.bool('quiet')) {
    ctx.io.stdout.write(imageIdLines(lines, noTrunc));
    return ExitCode.ok;
  }
  ctx.io.stdout.write(renderImageTable(lines, noTrunc));
  ctx.io.stdout.write(listing.containers.length > 0 ? `\n${renderContainerTable(listing.containers)}` : '\nNo containers\n');
  return ExitCode.ok;
}
