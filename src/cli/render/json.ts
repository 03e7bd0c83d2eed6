/**
 * `--json` output: one JSON document on stdout, nothing else there (progress is off), so scripts can
 * pipe it to jq. Names are printed as familiar strings (`imga:1`), as docker prints them.
 */
import type { Writable } from 'node:stream';
import { familiarName, type ImageName } from '../../model/image-name.js';
import type { CopyReport } from '../../pipeline/copy.js';

export function writeJson(io: { readonly stdout: Writable }, value: unknown): void {
  io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** CopyReport with names as familiar strings; every other field (counts, location, warnings…) as it is. */
export type CopyReportJson = Omit<CopyReport, 'images' | 'moved'> & {
  /** pushedAs: where a registry sink put the image (HOST/REPO:TAG), when it renames (ImageSink.destinationName). */
  images: Array<{ names: string[]; id: string; digest: string; pushedAs?: string[] }>;
  moved: Array<{ name: string; from: string; to: string }>;
};

export function copyReportJson(r: CopyReport, destinationName?: (name: ImageName | undefined) => string | undefined): CopyReportJson {
  const pushedAs = (names: readonly ImageName[]): { pushedAs?: string[] } => {
    if (!destinationName) return {};
    // an image without names still has a place when the destination names it (registry://HOST/REPO:TAG)
    const places = (names.length ? names.map((n) => destinationName(n)) : [destinationName(undefined)]).filter((p): p is string => p !== undefined);
    return { pushedAs: [...new Set(places)] };
  };
  return {
    ...r,
    images: r.images.map((i) => ({ names: i.names.map(familiarName), id: i.id, digest: i.digest, ...pushedAs(i.names) })),
    moved: r.moved.map((m) => ({ name: familiarName(m.name), from: m.from, to: m.to })),
  };
}
