import assert from 'node:assert/strict';
import { buffer } from 'node:stream/consumers';
import { pipeline } from 'node:stream/promises';
import { describe, test } from 'node:test';
import { decompressAuto, decompressor } from '../../../src/codecs/index.js';
import { runProcess } from '../../helpers/run-process.js';
import { skipUnlessTools } from '../../helpers/tools.js';
import { chunked, rejectsWith, sampleBytes } from './codec-test-data.js';

const data = sampleBytes(512 * 1024);

async function decompress(c: 'xz' | 'bzip2', bytes: Buffer, what: string): Promise<Buffer> {
  const dec = decompressor(c, what);
  const out = buffer(dec);
  await pipeline(chunked(bytes, 4096), dec).catch(() => undefined);
  return out;
}

for (const [codec, tool] of [
  ['xz', 'xz'],
  ['bzip2', 'bzip2'],
] as const) {
  describe(`${codec} (decompress only, via ${tool})`, { skip: skipUnlessTools(tool) }, () => {
    const compressed = async (): Promise<Buffer> => (await runProcess(tool, ['-c'], { input: data })).stdoutBytes;

    test('decodes what the tool wrote, also through decompressAuto in 321-byte chunks', async () => {
      const z = await compressed();
      assert.deepEqual(await decompress(codec, z, `x.${codec}`), data);
      const auto = await decompressAuto(chunked(z), `x.${codec}`);
      assert.equal(auto.compression, codec);
      assert.deepEqual(await buffer(auto.stream), data);
    });

    test('truncated input is E_TRUNCATED, garbage is E_FORMAT, both naming the file', async () => {
      const z = await compressed();
      await rejectsWith(decompress(codec, z.subarray(0, z.length - 200), `cut.${codec}`), 'E_TRUNCATED', `cut.${codec}: truncated ${codec} data`);
      const garbage = Buffer.concat([z.subarray(0, 6), Buffer.alloc(5000, 0x33)]);
      await rejectsWith(decompress(codec, garbage, `bad.${codec}`), 'E_FORMAT', new RegExp(`^bad\\.${codec}: corrupt ${codec} data`));
    });

    test('a missing program is E_UNSUPPORTED naming it', async () => {
      const z = await compressed();
      const saved = process.env.PATH;
      process.env.PATH = '/nonexistent';
      try {
        await rejectsWith(decompress(codec, z, `x.${codec}`), 'E_UNSUPPORTED', `x.${codec}: ${codec} data needs the \`${tool}\` program, which is not installed`);
      } finally {
        process.env.PATH = saved;
      }
    });
  });
}
