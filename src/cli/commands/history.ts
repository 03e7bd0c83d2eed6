import { ExitCode } from '../../errors.js';
import { shortId, type Digest } from '../../model/digest.js';
import { historyRows, type HistoryRow } from '../../model/history.js';
import { renderTable } from '../render/table.js';
import { formatBytes, formatRelativeTime } from '../render/units.js';
import type { Command, CommandContext } from '../spec.js';
import { openStoreFor, printJson } from '../store-context.js';
import { loadImageDetails } from '../image-details.js';

interface HistoryLine {
  row: HistoryRow;
  /** Set on the newest step: the image ID (docker shows <missing> for the steps below it). */
  id?: Digest;
  size: number;
}

const CREATED_BY_WIDTH = 45;

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

function truncate(s: string, width: number): string {
  return s.length > width ? `${s.slice(0, width - 1)}…` : s;
}

function created(iso: string | undefined): string {
  if (!iso) return '';
  const t = new Date(iso);
  return Number.isNaN(t.getTime()) ? iso : formatRelativeTime(t);
}

async function run(ctx: CommandContext): Promise<ExitCode> {
  const store = await openStoreFor(ctx);
  const [query] = ctx.args;
  const details = await loadImageDetails(store, (await store.resolve(query ?? '')).image);
  const noTrunc = ctx.flags.bool('no-trunc');
  const id = details.manifest.config.digest;
  // newest first, as docker history prints it; sizes are the layer blobs as stored
  const lines: HistoryLine[] = historyRows(details.config)
    .map((row) => ({ row, size: row.layerIndex === undefined ? 0 : (details.manifest.layers[row.layerIndex]?.size ?? 0) }))
    .reverse();
  if (lines[0]) lines[0].id = id;
  if (ctx.flags.bool('json')) {
    printJson(
      ctx.io,
      lines.map((l) => ({
        Id: l.id ?? '<missing>',
        Created: l.row.entry.created ?? null,
        CreatedBy: l.row.entry.created_by ?? '',
        Size: l.size,
        Comment: l.row.entry.comment ?? '',
        EmptyLayer: l.row.layerIndex === undefined,
        DiffId: l.row.diffId ?? null,
        Layer: l.row.layerIndex === undefined ? null : (details.manifest.layers[l.row.layerIndex]?.digest ?? null),
      })),
    );
    return ExitCode.ok;
  }
  ctx.io.stdout.write(
    renderTable(lines, [
      { header: 'IMAGE', cell: (l) => (l.id ? (noTrunc ? l.id : shortId(l.id)) : '<missing>') },
      { header: 'CREATED', cell: (l) => created(l.row.entry.created) },
      { header: 'CREATED BY', cell: (l) => (noTrunc ? oneLine(l.row.entry.created_by ?? '') : truncate(oneLine(l.row.entry.created_by ?? ''), CREATED_BY_WIDTH)) },
      { header: 'SIZE', cell: (l) => formatBytes(l.size) },
      { header: 'COMMENT', cell: (l) => oneLine(l.row.entry.comment ?? '') },
    ]),
  );
  return ExitCode.ok;
}

export const historyCommand: Command = {
  spec: {
    name: 'history',
    summary: 'Show the build steps and layers of an image',
    description: `Shows the history of IMAGE the way docker history does: one line per build step, newest first, with the step's creation time, the command that made it, the size of the layer it added and its comment. Steps that only changed metadata (ENV, CMD, LABEL…) are included with size 0B. The newest line shows the image ID; older steps show <missing>, as for pulled images.

Sizes are those of the layer blobs as stored in the store (compressed when the layer is). An image without history gets one line per layer.`,
    args: [{ name: 'IMAGE', description: 'Image name, ID (or prefix) or manifest digest.' }],
    flags: [{ name: 'no-trunc', type: 'boolean', description: 'Do not shorten the image ID and the CREATED BY column.' }],
    examples: [
      { command: 'baler history imga:1', description: 'Show how imga:1 was built.' },
      { command: 'baler history --no-trunc --json imga:1', description: 'Every step as JSON, commands in full.' },
    ],
  },
  run,
};
