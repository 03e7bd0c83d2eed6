import { resolveStorePath } from '../store/location.js';
import { openExistingLayout, openStore, type Store } from '../store/store.js';
import type { CliIo, CommandContext } from './spec.js';

/** The store a store verb works on: --store, $BALER_STORE, else the XDG default (created when missing). */
export function storePathFor(ctx: CommandContext): string {
  return resolveStorePath(ctx.flags.string('store'), ctx.io.env, ctx.io.cwd);
}

export function openStoreFor(ctx: CommandContext): Promise<Store> {
  return openStore(storePathFor(ctx));
}

/** For verbs that must not create a store as a side effect (fsck). */
export function openExistingStoreFor(ctx: CommandContext): Promise<Store> {
  return openExistingLayout(storePathFor(ctx));
}

/** `--json` output: one pretty JSON document and a newline. */
export function printJson(io: CliIo, value: unknown): void {
  io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
