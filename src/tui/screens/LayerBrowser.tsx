import { Box, Text } from 'ink';
import { FileTree, treeLines } from '../components/FileTree.js';
import { LayerRow } from '../components/LayerRow.js';
import { useTheme } from '../components/theme.js';
import { TypedAhead } from '../components/TypedAhead.js';
import { windowStart } from '../components/window.js';
import { formatBytes } from '../format.js';
import type { TuiState } from '../state/machine.js';
import { displayName } from '../state/selectors.js';

interface Rows {
  list: number;
  header: number;
  tree: number;
  wasted: number;
  suggest: number;
}

/**
 * Rows for each part out of `height`, below the title: the layer under the cursor and two rows of its
 * tree (a line and "x-y of n") come first, then the tree's heading, the wasted-space line and the
 * squash suggestion; of the rows left for the layers and the tree, a third goes to the layers.
 */
function fitRows(height: number, layers: number, changes: number): Rows {
  const listMin = Math.min(layers, 1);
  const treeMin = Math.min(changes, 2);
  let room = height - 1 - listMin - treeMin;
  const take = (): number => {
    if (room <= 0) return 0;
    room -= 1;
    return 1;
  };
  const header = take();
  const wasted = take();
  const suggest = take();
  const both = Math.max(0, room) + listMin + treeMin;
  const list = Math.max(listMin, Math.min(layers, Math.floor(both / 3), both - treeMin));
  return { list, header, tree: Math.max(0, both - list), wasted, suggest };
}

/** Like dive: layers with the step that made each, the chosen layer's changes, and wasted space. */
export function LayerBrowser({ state, width, height }: { state: TuiState; width: number; height: number }) {
  const t = useTheme();
  const L = state.layers;
  const image = state.images.find((r) => r.key === L.image);
  const title = `Layers of ${image ? displayName(image) : '?'}`;
  if (L.status === 'loading') {
    return (
      <Box flexDirection="column" height={height}>
        <Text wrap="truncate">{`${title}: reading layer headers…`}</Text>
        <TypedAhead count={state.typeAhead.length} list="the layer list" />
      </Box>
    );
  }
  if (L.status === 'error') {
    return (
      <Box flexDirection="column" height={height} overflow="hidden">
        <Text wrap="wrap" {...t.fg('red')}>{`${title}: ✗ ${L.error ?? 'failed'}`}</Text>
      </Box>
    );
  }
  const changes = L.changes;
  if (!changes) return <Text wrap="truncate">{title}</Text>;
  const layer = changes.layers[L.cursor];
  const lines = layer ? treeLines(layer.changes) : [];
  const hints = changes.squash.map((h) => `squash ${h.from + 1}–${h.to + 1} saves ${formatBytes(h.saves)}`).join('; ');
  const rows = fitRows(height, L.listings.length, lines.length);
  const listH = rows.list;
  const start = windowStart(L.cursor, L.listings.length, listH);
  return (
    <Box flexDirection="column" height={height}>
      <Text bold wrap="truncate">{`${title} · ${L.listings.length} layers`}</Text>
      {L.listings.slice(start, start + listH).map((l, i) => {
        const idx = start + i;
        const s = changes.layers[idx];
        return (
          <LayerRow
            key={`${idx}`}
            index={idx}
            at={idx === L.cursor}
            size={l.size}
            added={s?.added ?? 0}
            changed={s?.changed ?? 0}
            removed={s?.removed ?? 0}
            digest={l.digest}
            width={width}
            {...(l.createdBy ? { createdBy: l.createdBy } : {})}
            {...(l.comment ? { comment: l.comment } : {})}
          />
        );
      })}
      {rows.header ? <Text bold wrap="truncate">{`Layer ${L.cursor + 1}: ${lines.length} changes (+ added, ~ changed, - removed)`}</Text> : null}
      <FileTree lines={lines} scroll={L.scroll} height={rows.tree} width={width} />
      {rows.wasted ? (
        <Text wrap="truncate" {...(changes.wastedBytes > 0 ? t.fg('yellow') : {})}>
          {`Wasted space: ${formatBytes(changes.wastedBytes)} in ${changes.hidden.length} hidden file${changes.hidden.length === 1 ? '' : 's'} (of ${formatBytes(changes.totalBytes)} in all layers)`}
        </Text>
      ) : null}
      {rows.suggest ? (
        <Text wrap="truncate" dimColor>
          {hints ? `Suggest: ${hints}` : 'Nothing to squash: no layer hides bytes of a lower one.'}
        </Text>
      ) : null}
    </Box>
  );
}
