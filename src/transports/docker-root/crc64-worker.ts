/**
 * The worker side of crc64-offload.ts: keeps one running CRC-64 per file id and answers each chunk with
 * its size (so the main thread can bound what is in flight) and each file end with the checksum.
 */
import { parentPort } from 'node:worker_threads';
import { Crc64 } from './crc64.js';

export type CrcRequest = { id: number; chunk: Uint8Array } | { id: number; end: true };
export type CrcReply = { done: number } | { id: number; crc: Uint8Array };

const running = new Map<number, Crc64>();

parentPort?.on('message', (m: CrcRequest) => {
  if ('chunk' in m) {
    let crc = running.get(m.id);
    if (!crc) running.set(m.id, (crc = new Crc64()));
    crc.update(m.chunk);
    parentPort?.postMessage({ done: m.chunk.length } satisfies CrcReply);
    return;
  }
  const crc = running.get(m.id) ?? new Crc64();
  running.delete(m.id);
  parentPort?.postMessage({ id: m.id, crc: crc.digestBytes() } satisfies CrcReply);
});
