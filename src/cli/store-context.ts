import { resolveStorePath } from '../store/location.js';
import { openPresentStore, openStoreIfPresent, type Store } from '../store/store.js';
import type { CliIo, CommandContext } from './spec.js';

/** The store a store verb works on: --store, $BALER_STORE, else the XDG default (made by the first write into it). */
export function storePathFor(ctx: CommandContext): string {
  return resolveStorePath(ctx.flags.string('store'), ctx.io.env, ctx.io.cwd);
}

/** The store a verb reads or changes; E_NOT_FOUND when there is none (a read never makes one). */
export function openStoreFor(ctx: CommandContext): Promise<Store> {
  return openPresentStore(storePathFor(ctx));
}

/** For verbs that show an absent store as an empty one (ls, prune), without making it. */
export function openStoreIfPresentFor(ctx: CommandContext): Promise<Store | undefined> {
  return openStoreIfPresent(storePathFor(ctx));
}

/** `--json` output: one pretty JSON document and a newline. */
export function printJson(io: CliIo, value: unknown): void {
  io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
