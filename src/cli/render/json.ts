/**
 * `--json` output: one JSON document on stdout, nothing else there (progress is off), so scripts can
 * pipe it to jq. Names are printed as familiar strings (`imga:1`), as docker prints them.
 */
import type { Writable } from 'node:stream';
import { familiarName } from '../../model/image-name.js';
import type { CopyReport } from '../../pipeline/copy.js';

export function writeJson(io: { readonly stdout: Writable }, value: unknown): void {
  io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** CopyReport with names as familiar strings; every other field (counts, location, warnings…) as it is. */
export type CopyReportJson = Omit<CopyReport, 'images' | 'moved'> & {
  images: Array<{ names: string[]; id: string; digest: string }>;
  moved: Array<{ name: string; from: string; to: string }>;
};

export function copyReportJson(r: CopyReport): CopyReportJson {
  return {
    ...r,
    images: r.images.map((i) => ({ names: i.names.map(familiarName), id: i.id, digest: i.digest })),
    moved: r.moved.map((m) => ({ name: familiarName(m.name), from: m.from, to: m.to })),
  };
}
