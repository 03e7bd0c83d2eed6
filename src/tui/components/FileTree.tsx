import { Box, Text } from 'ink';
import type { FileChange } from '../../image/layer-changes.js';
import { formatBytes, truncate } from '../format.js';
import { useTheme } from './theme.js';

export interface TreeLine {
  depth: number;
  label: string;
  change: FileChange;
}

const MARK: Record<FileChange['kind'], string> = { added: '+', changed: '~', removed: '-' };

/**
 * Lays a layer's changes out as a tree: sorted by path, each indented under the nearest listed
 * ancestor and labelled relative to it (a layer need not list every parent directory).
 */
export function treeLines(changes: readonly FileChange[]): TreeLine[] {
  const sorted = [...changes].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const stack: Array<{ path: string; depth: number }> = [];
  const out: TreeLine[] = [];
  for (const c of sorted) {
    const path = c.path.replace(/\/$/, '');
    while (stack.length && !path.startsWith(`${stack[stack.length - 1]!.path}/`)) stack.pop();
    const parent = stack[stack.length - 1];
    const label = parent ? path.slice(parent.path.length + 1) : path || '/';
    const depth = parent ? parent.depth + 1 : 0;
    out.push({ depth, label: c.type === 'dir' ? `${label}/` : label, change: c });
    if (path) stack.push({ path, depth });
  }
  return out;
}

export function FileTree({ lines, scroll, height, width }: { lines: readonly TreeLine[]; scroll: number; height: number; width: number }) {
  const t = useTheme();
  // Keep a row for the "x-y of n" footer when the tree does not fit.
  const rows = lines.length > height ? Math.max(1, height - 1) : height;
  const shown = lines.slice(scroll, scroll + rows);
  return (
    <Box flexDirection="column" height={height}>
      {shown.map((l, i) => {
        const c = l.change;
        const size = c.type === 'file' || c.kind === 'removed' ? formatBytes(c.size).padStart(9) : ''.padStart(9);
        const colour = c.kind === 'added' ? t.fg('green') : c.kind === 'removed' ? t.fg('red') : t.fg('yellow');
        return (
          <Text key={`${scroll + i}`} wrap="truncate" {...colour}>
            {`${MARK[c.kind]} ${size}  ${truncate(`${'  '.repeat(l.depth)}${l.label}`, width - 14)}`}
          </Text>
        );
      })}
      {lines.length > height ? <Text dimColor>{`  ${scroll + 1}-${Math.min(lines.length, scroll + rows)} of ${lines.length} (J/K scroll)`}</Text> : null}
    </Box>
  );
}
