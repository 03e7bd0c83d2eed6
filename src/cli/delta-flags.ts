import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { BalerError, fromSystemError } from '../errors.js';
import { formatBytes } from './render/units.js';
import { InventoryIndex, inventoryDigest, parseInventory, serializeInventory, type Inventory } from '../model/inventory.js';
import { JsonLimits } from '../model/json-limits.js';
import { DeltaRecorder } from '../pipeline/delta-recorder.js';
import { inventoryOfSource } from '../pipeline/inventory.js';
import { openInputSource } from '../transports/detect.js';
import type { RefContext } from '../transports/registry.js';
import type { ParsedFlags } from './spec.js';

/** The spec entries save uses for deltas (kept here so save.ts only lists them). */
export const deltaFlagSpecs = [
  { name: 'have', type: 'string', placeholder: 'FILE', description: 'Write a delta: leave out the layers the inventory FILE (from baler inventory) says the destination holds.' },
  { name: 'since', type: 'string', placeholder: 'ARCHIVE', description: 'Write a delta against ARCHIVE, an earlier archive already loaded at the destination: leave out the layers it contains.' },
] as const;

/**
 * `save --have FILE` / `--since ARCHIVE` (not both: save refuses that first) as a DeltaRecorder for the
 * pipeline; undefined for a full save.
 * The base digest is the sha256 of the inventory document (for --since: of the inventory derived from
 * the archive, as `baler inventory --from docker-archive:ARCHIVE` would print it).
 */
export async function deltaFromFlags(flags: ParsedFlags, refs: RefContext, signal: AbortSignal): Promise<DeltaRecorder | undefined> {
  const have = flags.string('have');
  const since = flags.string('since');
  if (have !== undefined) {
    const path = resolve(refs.cwd, have);
    const limit = 64 * JsonLimits.manifest;
    let bytes: Buffer;
    try {
      // sized first: a wrong path (an archive given as --have) must not be read into memory whole
      if ((await stat(path)).size > limit) throw new BalerError('E_FORMAT', `${have}: larger than ${limit} bytes, not an inventory`);
      bytes = await readFile(path);
    } catch (err) {
      throw err instanceof BalerError ? err : fromSystemError(err, have);
    }
    return recorderFor(parseInventory(bytes, have), inventoryDigest(bytes));
  }
  if (since !== undefined) {
    const source = await openInputSource(since, refs, signal);
    try {
      // derived rather than taken: a fixed time keeps the base digest a function of the archive alone
      const inventory = await inventoryOfSource(source, source.ref.toString(), 'blobs', { signal, now: new Date(0) });
      return recorderFor(inventory, inventoryDigest(serializeInventory(inventory)));
    } finally {
      await source[Symbol.asyncDispose]();
    }
  }
  return undefined;
}

function recorderFor(inventory: Inventory, digest: ReturnType<typeof inventoryDigest>): DeltaRecorder {
  return new DeltaRecorder(new InventoryIndex(inventory), { inventory: digest, source: inventory.source, holds: inventory.holds });
}

/** save's closing line for a delta: what was left out, and that only baler load takes it. */
export function deltaSummaryLine(d: { base: string; leftOut: number; leftOutBytes: number }): string {
  return `Delta against ${d.base}: ${d.leftOut} layer${d.leftOut === 1 ? '' : 's'} (${formatBytes(d.leftOutBytes)}) left out; load it with baler load where its base is`;
}
