import type { Command } from '../spec.js';
import { fsckCommand } from './fsck.js';
import { historyCommand } from './history.js';
import { inspectCommand } from './inspect.js';
import { lsCommand } from './ls.js';
import { pruneCommand } from './prune.js';
import { rmCommand } from './rm.js';
import { tagCommand } from './tag.js';
import { psCommand } from './ps.js';
import { commitCommand } from './commit.js';
import { exportCommand } from './export.js';
import { importCommand } from './import.js';
import { squashCommand } from './squash.js';
import { saveCommand } from './save.js';
import { loadCommand } from './load.js';
import { inventoryCommand } from './inventory.js';
import { verifyCommand } from './verify.js';

/**
 * Every verb, in the order `baler --help` lists them. Each helper module exports one Command.
 * Add a verb by importing it here; gen-man picks it up from this list too.
 */
export const commands: readonly Command[] = [
  saveCommand,
  loadCommand,
  lsCommand,
  inspectCommand,
  historyCommand,
  tagCommand,
  rmCommand,
  pruneCommand,
  fsckCommand,
  exportCommand,
  importCommand,
  squashCommand,
  psCommand,
  commitCommand,
  inventoryCommand,
  verifyCommand,
];
