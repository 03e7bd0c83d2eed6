/** First index of a `height`-row window over `length` rows that keeps `cursor` in view, centred when it can. */
export function windowStart(cursor: number, length: number, height: number): number {
  if (length <= height) return 0;
  return Math.max(0, Math.min(cursor - Math.floor(height / 2), length - height));
}
