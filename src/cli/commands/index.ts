import type { Command } from '../spec.js';

/**
 * Every verb, in the order `baler --help` lists them. Each helper module exports one Command.
 * Add a verb by importing it here; gen-man picks it up from this list too.
 */
export const commands: readonly Command[] = [];
