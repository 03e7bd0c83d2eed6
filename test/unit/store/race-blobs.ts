// The blobs both sides of the lease race tests write: small, distinct, the same in every process.
export function raceBlobBytes(i: number): Buffer {
  return Buffer.from(`race blob ${i}\n`.repeat(64));
}
