import { Readable } from 'node:stream';

/**
 * Reads the first `n` bytes of a paused stream (fewer if it is shorter) and gives back a stream that
 * still yields every byte, head included: for sniffing magic numbers before choosing a decoder.
 */
export async function peekStream(s: Readable, n: number): Promise<{ head: Buffer; stream: Readable }> {
  const chunks: Buffer[] = [];
  let have = 0;
  let ended = false;
  while (have < n) {
    const chunk = s.read() as Buffer | string | null;
    if (chunk !== null) {
      const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      chunks.push(b);
      have += b.length;
      continue;
    }
    if (s.readableEnded || s.destroyed) {
      ended = true;
      break;
    }
    const outcome = await new Promise<'more' | 'end'>((resolve, reject) => {
      const cleanup = (): void => {
        s.off('readable', onReadable);
        s.off('end', onEnd);
        s.off('error', onError);
        s.off('close', onEnd);
      };
      const onReadable = (): void => (cleanup(), resolve('more'));
      const onEnd = (): void => (cleanup(), resolve('end'));
      const onError = (err: Error): void => (cleanup(), reject(err));
      s.on('readable', onReadable);
      s.on('end', onEnd);
      s.on('error', onError);
      s.on('close', onEnd);
    });
    if (outcome === 'end') {
      ended = true;
      break;
    }
  }
  const all = Buffer.concat(chunks, have);
  if (ended) {
    if (s.errored) {
      s.on('error', () => undefined); // reported by the rejection below, not as an unhandled event
      throw s.errored;
    }
    return { head: all.subarray(0, n), stream: Readable.from(all.length ? [all] : []) };
  }
  s.unshift(all);
  return { head: all.subarray(0, n), stream: s };
}
