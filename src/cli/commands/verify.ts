import { BalerError, exitCodeFor, ExitCode } from '../../errors.js';
import { shortId } from '../../model/digest.js';
import { plural } from '../../model/plural.js';
import { verifySource, type VerifyReport } from '../../pipeline/verify.js';
import { resolveStorePath } from '../../store/location.js';
import { openInputSource } from '../../transports/detect.js';
import { parseTransportRef, type RefContext } from '../../transports/registry.js';
import type { ImageSource } from '../../transports/types.js';
import { registryAccess, registryFlags } from '../registry-flags.js';
import { writeJson } from '../render/json.js';
import { progressFor } from '../render/progress-lines.js';
import { formatBytes } from '../render/units.js';
import type { CliIo, Command, CommandContext } from '../spec.js';

/** A transport reference (`oci:DIR`, `store:DIR`…) is opened as such; anything else is a file or directory, recognised by content. */
const TRANSPORT_PREFIX = /^(store|oci|oci-archive|docker-archive|docker-root|docker|registry)(:|$)/;

type WarningHandler = (code: string, message: string) => void;

async function openTarget(target: string, refs: RefContext, signal: AbortSignal, onWarning: WarningHandler): Promise<ImageSource> {
  if (TRANSPORT_PREFIX.test(target)) return parseTransportRef(target, refs).openSource({ signal, onWarning });
  return openInputSource(target, refs, signal, onWarning);
}

/**
 *   imga:1                 e4fa9cf5f51b  3 layers OK
 *   imgb:1, imgb:latest    9915cc46d8c2  2 layers OK (1 expected at the destination)
 *   note: 1 unreferenced blob: sha256:…
 *   apps.tar: OK (2 images, 9 blobs, 2.0MB checked)
 */
function printReport(io: CliIo, r: VerifyReport, quiet: boolean): void {
  if (!quiet) {
    for (const img of r.images) {
      const names = img.names.length ? img.names.join(', ') : '<none>';
      const expected = img.layersExpected ? ` (${img.layersExpected} expected at the destination)` : '';
      io.stdout.write(`${names.padEnd(24)} ${img.ids.map(shortId).join(',')}  ${plural(img.layers, 'layer')} OK${expected}\n`);
    }
    if (r.delta) io.stdout.write(`delta against ${r.delta.base}: ${plural(r.delta.expectedExternal.length, 'layer blob')} expected at the destination, not in the archive\n`);
    for (const note of r.notIncluded ?? []) io.stdout.write(`note: ${note}\n`);
    if (r.unreferenced.length) io.stdout.write(`note: ${plural(r.unreferenced.length, 'unreferenced blob')}: ${r.unreferenced.join(', ')}\n`);
  }
  // most messages already start with the input's name; say it once
  if (r.problem) io.stdout.write(`${r.input}: FAILED: ${r.problem.message.startsWith(`${r.input}: `) ? r.problem.message.slice(r.input.length + 2) : r.problem.message}\n`);
  else io.stdout.write(`${r.input}: OK (${plural(r.images.length, 'image')}, ${plural(r.blobsChecked, 'blob')}, ${formatBytes(r.bytesChecked)} checked)\n`);
}

async function run(ctx: CommandContext): Promise<ExitCode> {
  const { flags, io } = ctx;
  const target = ctx.args[0] as string;
  const json = flags.bool('json');
  const quiet = flags.bool('quiet');
  const refs: RefContext = { storePath: resolveStorePath(flags.string('store'), io.env, io.cwd), cwd: io.cwd, stdin: io.stdin, registry: registryAccess(flags, io) };
  let report: VerifyReport;
  try {
    // e.g. a split set without its .baler.json: the parts could not be checked against their digests
    const onWarning: WarningHandler = (_code, message) => void io.stderr.write(`baler: warning: ${message}\n`);
    const source = await openTarget(target, refs, io.signal, onWarning);
    try {
      const progress = progressFor(io, { quiet: true, json });
      report = await verifySource(source, target, { signal: io.signal, ...(progress ? { onEvent: progress.handle } : {}) });
    } finally {
      await source[Symbol.asyncDispose]();
    }
  } catch (err) {
    // an input that cannot even be opened (not an archive, bad manifest.json) is a failed verification too
    if (!(err instanceof BalerError) || err.code === 'E_INTERNAL' || err.code === 'E_USAGE' || err.code === 'E_CANCELLED') throw err;
    report = { input: target, ok: false, problem: { code: err.code, message: err.message, exit: exitCodeFor(err) }, images: [], blobsChecked: 0, bytesChecked: 0, unreferenced: [] };
  }
  // a failed check carries `error`, as every failing --json run's document does (render/error-text.ts)
  if (json) writeJson(io, report.problem ? { ...report, error: report.problem } : report);
  else printReport(io, report, quiet);
  return report.problem ? report.problem.exit : ExitCode.ok;
}

export const verifyCommand: Command = {
  spec: {
    name: 'verify',
    summary: 'Check an archive or OCI layout completely without loading it',
    description: [
      'Reads FILE (a docker-archive, an oci-archive, either wrapped in gzip, zstd, xz or bzip2, or an OCI layout directory; the kind is recognised from the content) or SOURCE (a transport reference such as oci:DIR or store:DIR) exactly as baler load would, and checks everything without writing anything: every manifest, config and layer against its digest and size, every layer against the diff_id its config lists, and every reference between manifest.json, index.json, manifests, configs and blobs.',
      'It prints one line per image (names, image ID, layer count) and a summary; blob files nothing refers to are noted but are not an error. A delta archive (baler save --have) is reported with the layers it expects at its destination; those are not failures. The first problem found ends the check with one line saying what and where.',
    ].join('\n\n'),
    args: [{ name: 'FILE|SOURCE', description: 'The archive file, OCI layout directory or transport reference to check.' }],
    flags: [...registryFlags],
    examples: [
      { command: 'baler verify apps.tar', description: 'Check an archive before carrying it across the air gap.' },
      { command: 'baler verify --json apps.tar.zst', description: 'The same for a compressed archive, as a JSON report.' },
      { command: 'baler verify oci:/srv/layout', description: 'Check an OCI layout directory.' },
    ],
    sections: [
      {
        title: 'OUTPUT',
        body: 'One line per image: its names, short image ID(s) and "N layers OK" (with "(M expected at the destination)" for a delta), then notes, then "FILE: OK (…)" or "FILE: FAILED: <problem>". With --json, one object: input, ok, problem (code, message, exit) and, when it failed, the same as error (as every failing --json command prints it), images (names, ids, digest, layers, layersExpected), blobsChecked, bytesChecked, delta (base, expectedExternal), unreferenced, and notIncluded (one line per multi-platform image whose index lists platforms the input does not hold, as docker save writes for a pulled image under the containerd image store; a note, not a failure).',
      },
      {
        title: 'EXIT STATUS',
        body: '0 when everything checks out (unreferenced blobs included); 3 when a blob or file the archive refers to is missing; 4 when the input is malformed, truncated or not an archive; 5 when a digest, size or diff_id does not match; 6 on an I/O failure.',
      },
    ],
  },
  run,
};
