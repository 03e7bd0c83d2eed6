import type { ArchiveCompression } from '../../cli/command-line.js';
import { chooseOutputCompression, type CompressionConflict } from '../../codecs/output-compression.js';
import { BalerError } from '../../errors.js';
import type { LayerCompression } from '../../model/media-types.js';

/**
 * The Action form's Compress field against its output name (codecs/output-compression.ts's rule).
 * The words name the field the user set, not the CLI's --compress they never typed.
 */
function conflictText(c: CompressionConflict): string {
  switch (c.kind) {
    case 'name-says-other':
      return `Compress: ${c.chosen} does not fit ${c.name}, which is named for ${c.named}; rename it or set Compress to auto`;
    case 'foreign-name-chosen':
      return `Compress: ${c.chosen} does not fit ${c.name}, which is named for .${c.suffix}; rename it`;
    case 'foreign-name':
      return `Compress: ${c.name}: baler writes gzip (.gz) or zstd (.zst), not .${c.suffix}; rename it, or set Compress to none for a plain tar under this name`;
  }
}

/** What is wrong with the pair, for the form; undefined when it can run. */
export function compressFieldProblem(output: string, archive: ArchiveCompression): string | undefined {
  const choice = chooseOutputCompression(output, archive === 'auto' ? undefined : archive);
  return 'conflict' in choice ? conflictText(choice.conflict) : undefined;
}

/** The codec to write `output` with; a conflict is a usage error in the field's words. */
export function compressFieldCodec(output: string, archive: ArchiveCompression): LayerCompression {
  const choice = chooseOutputCompression(output, archive === 'auto' ? undefined : archive);
  if ('conflict' in choice) throw new BalerError('E_USAGE', conflictText(choice.conflict));
  return choice.codec;
}
