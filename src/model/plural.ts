/**
 * "1 layer", "3 layers": English count phrases for regular nouns. In model/ because the CLI's report
 * lines, the TUI's aftermath and the pipeline's leftover notices all say counts to users the same way.
 */
export function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
