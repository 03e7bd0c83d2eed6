import micromatch from 'micromatch';
import { ExitCode } from '../../errors.js';
import { hexOf, shortId } from '../../model/digest.js';
import type { ImageName } from '../../model/image-name.js';
import { familiarName, familiarRepository, fullName } from '../../model/image-name.js';
import { formatPlatform } from '../../model/platform.js';
import type { StoreImage } from '../../store/images.js';
import { renderTable, type TableColumn } from '../render/table.js';
import { formatBytes, formatRelativeTime } from '../render/units.js';
import type { Command, CommandContext } from '../spec.js';
import { openStoreFor, printJson } from '../store-context.js';

/** One line of `baler ls`: an image under one of its names, or once as <none> when unnamed. */
interface LsRow {
  image: StoreImage;
  name?: ImageName;
}

function matches(name: ImageName, patterns: readonly string[]): boolean {
  const familiar = familiarName(name);
  const repo = familiarRepository(name);
  return patterns.some((p) => micromatch.isMatch(familiar, p) || micromatch.isMatch(fullName(name), p) || (!/[:@]/.test(p) && micromatch.isMatch(repo, p)));
}

function rowsOf(images: readonly StoreImage[], patterns: readonly string[]): LsRow[] {
  const rows: LsRow[] = [];
  for (const image of images) {
    if (image.names.length === 0) {
      if (patterns.length === 0) rows.push({ image });
      continue;
    }
    for (const name of image.names) if (patterns.length === 0 || matches(name, patterns)) rows.push({ image, name });
  }
  // newest first, like docker images; names alphabetically within one image
  return rows.sort((a, b) => (b.image.created ?? '').localeCompare(a.image.created ?? '') || (a.name ? familiarName(a.name) : '~').localeCompare(b.name ? familiarName(b.name) : '~'));
}

function tagOf(n: ImageName | undefined): string {
  return n?.tag ?? '<none>';
}

function createdCell(image: StoreImage): string {
  if (!image.created) return '';
  const t = new Date(image.created);
  return Number.isNaN(t.getTime()) ? image.created : formatRelativeTime(t);
}

async function run(ctx: CommandContext): Promise<ExitCode> {
  const store = await openStoreFor(ctx);
  const rows = rowsOf(await store.images(), ctx.args);
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
    const ids = [...new Set(rows.map((r) => (noTrunc ? r.image.id : shortId(r.image.id))))];
    ctx.io.stdout.write(ids.map((i) => `${i}\n`).join(''));
    return ExitCode.ok;
  }
  const columns: TableColumn<LsRow>[] = [
    { header: 'REPOSITORY', cell: (r) => (r.name ? familiarRepository(r.name) : '<none>') },
    { header: 'TAG', cell: (r) => tagOf(r.name) },
    { header: 'IMAGE ID', cell: (r) => (noTrunc ? r.image.id : hexOf(r.image.id).slice(0, 12)) },
    { header: 'CREATED', cell: (r) => createdCell(r.image) },
    { header: 'SIZE', cell: (r) => formatBytes(r.image.size) },
  ];
  if (rows.some((r) => r.image.kind === 'index')) columns.push({ header: 'PLATFORMS', cell: (r) => r.image.platforms.map(formatPlatform).join(',') });
  ctx.io.stdout.write(renderTable(rows, columns));
  return ExitCode.ok;
}

export const lsCommand: Command = {
  spec: {
    name: 'ls',
    summary: 'List the images in the embedded store',
    description: `Lists every image in the embedded store, one line per name, like docker images: REPOSITORY, TAG, IMAGE ID (the first 12 hex digits of the config digest), CREATED (relative to now) and SIZE (the sum of the image's blobs as stored, shared layers counted in every image that uses them).

An image without a name is shown once as <none> <none>; it can still be used by its ID. A multi-platform image (an OCI index or Docker manifest list) is listed with the index digest as its ID, and a PLATFORMS column lists what it holds.

PATTERN arguments filter by name using shell-style globs (micromatch) over the familiar name (debian:12) or the full name (docker.io/library/debian:12); a pattern without a tag also matches the repository alone, so 'baler ls debian' lists every debian tag.`,
    args: [{ name: 'PATTERN', description: 'Only names matching this glob (repeatable).', optional: true, multiple: true }],
    flags: [{ name: 'no-trunc', type: 'boolean', description: 'Show full image IDs (sha256:…).' }],
    examples: [
      { command: 'baler ls', description: 'List every image in the store.' },
      { command: "baler ls 'debian:*'", description: 'List every tag of debian.' },
      { command: 'baler ls -q', description: 'Print only the image IDs, one per line.' },
      { command: 'baler ls --json | jq -r ".[].Id"', description: 'Full image IDs for a script.' },
    ],
  },
  run,
};
