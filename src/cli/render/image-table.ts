/**
 * The `docker images` table of `baler ls`, for any place that lists images: the store, a Docker data
 * root read offline, a running daemon. One line per name; an unnamed image once as <none> <none>.
 */
import micromatch from 'micromatch';
import type { Digest } from '../../model/digest.js';
import { hexOf } from '../../model/digest.js';
import type { ImageName } from '../../model/image-name.js';
import { familiarName, familiarRepository, fullName } from '../../model/image-name.js';
import { renderTable, type TableColumn } from './table.js';
import { formatBytes, formatRelativeTime } from './units.js';

/** What a line needs; the store's images carry more (platforms, kind). */
export interface ListedImage {
  readonly id: Digest;
  readonly names: readonly ImageName[];
  readonly created?: string;
  /** Undefined when the place does not know it. */
  readonly size?: number;
}

export interface ImageLine<T extends ListedImage> {
  image: T;
  name?: ImageName;
}

function matches(name: ImageName, patterns: readonly string[]): boolean {
  const familiar = familiarName(name);
  const repo = familiarRepository(name);
  return patterns.some((p) => micromatch.isMatch(familiar, p) || micromatch.isMatch(fullName(name), p) || (!/[:@]/.test(p) && micromatch.isMatch(repo, p)));
}

/** Lines for `images`, filtered by glob `patterns` over names; newest first, names alphabetically within an image. */
export function imageLines<T extends ListedImage>(images: readonly T[], patterns: readonly string[]): ImageLine<T>[] {
  const rows: ImageLine<T>[] = [];
  for (const image of images) {
    if (image.names.length === 0) {
      if (patterns.length === 0) rows.push({ image });
      continue;
    }
    for (const name of image.names) if (patterns.length === 0 || matches(name, patterns)) rows.push({ image, name });
  }
  return rows.sort((a, b) => (b.image.created ?? '').localeCompare(a.image.created ?? '') || (a.name ? familiarName(a.name) : '~').localeCompare(b.name ? familiarName(b.name) : '~'));
}

function createdCell(image: ListedImage): string {
  if (!image.created) return '';
  const t = new Date(image.created);
  return Number.isNaN(t.getTime()) ? image.created : formatRelativeTime(t);
}

export function imageColumns<T extends ListedImage>(noTrunc: boolean): TableColumn<ImageLine<T>>[] {
  return [
    { header: 'REPOSITORY', cell: (r) => (r.name ? familiarRepository(r.name) : '<none>') },
    { header: 'TAG', cell: (r) => r.name?.tag ?? '<none>' },
    { header: 'IMAGE ID', cell: (r) => (noTrunc ? r.image.id : hexOf(r.image.id).slice(0, 12)) },
    { header: 'CREATED', cell: (r) => createdCell(r.image) },
    { header: 'SIZE', cell: (r) => (r.image.size === undefined ? '' : formatBytes(r.image.size)) },
  ];
}

/** `--quiet`: each image's ID once, one per line (short unless noTrunc). */
export function imageIdLines<T extends ListedImage>(rows: readonly ImageLine<T>[], noTrunc: boolean): string {
  return [...new Set(rows.map((r) => (noTrunc ? r.image.id : hexOf(r.image.id).slice(0, 12))))].map((i) => `${i}\n`).join('');
}

export function renderImageTable<T extends ListedImage>(rows: readonly ImageLine<T>[], noTrunc: boolean): string {
  return renderTable(rows, imageColumns<T>(noTrunc));
}
