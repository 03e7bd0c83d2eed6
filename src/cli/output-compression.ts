import { chooseOutputCompression } from '../codecs/output-compression.js';
import { BalerError } from '../errors.js';
import type { LayerCompression } from '../model/media-types.js';

/** chooseOutputCompression for the CLI: a conflict is a usage error naming --compress (when `verb` has it). */
export function outputCompression(verb: string, name: string | undefined, explicit: LayerCompression | undefined, o: { hasCompressFlag?: boolean } = {}): LayerCompression {
  const choice = chooseOutputCompression(name, explicit);
  if ('codec' in choice) return choice.codec;
  const c = choice.conflict;
  switch (c.kind) {
    case 'name-says-other':
      throw new BalerError('E_USAGE', `${verb}: ${c.name} is named for ${c.named}, but --compress ${c.chosen} was given; rename it or drop --compress`);
    case 'foreign-name-chosen':
      throw new BalerError('E_USAGE', `${verb}: ${c.name} is named for .${c.suffix}, but --compress ${c.chosen} was given; rename it`);
    case 'foreign-name': {
      // `load --into` has no --compress: the name is the only way to choose there
      const plain = o.hasCompressFlag === false ? '' : ', or give --compress none for a plain tar under this name';
      throw new BalerError('E_USAGE', `${verb}: ${c.name}: baler writes gzip (.gz) or zstd (.zst), not .${c.suffix}; rename it${plain}`);
    }
  }
}
