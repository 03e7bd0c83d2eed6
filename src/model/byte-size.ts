/**
 * Sizes the way the docker CLI prints them (go-units), so `baler ls` and `docker images` read alike:
 * decimal units, three significant digits, no space ("72.8MB"). In model/ because the CLI's lines and
 * the messages lower layers write for users (a resumed blob's "61.2MB of 120MB") use the same form.
 */
const SIZE_UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB'] as const;

/** `formatBytes(1850)` → "1.85kB"; go-units HumanSizeWithPrecision(size, 3). */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < SIZE_UNITS.length - 1) {
    value /= 1000;
    unit++;
  }
  // toPrecision(3) then Number() drops trailing zeros like Go's %g does
  return `${Number(value.toPrecision(3))}${SIZE_UNITS[unit]}`;
}
