import { Box, Text } from 'ink';
import { FileTree, treeLines } from '../components/FileTree.js';
import { LayerRow } from '../components/LayerRow.js';
import { useTheme } from '../components/theme.js';
import { windowStart } from '../components/window.js';
import { formatBytes } from '../format.js';
import type { TuiState } from '../state/machine.js';
import { displayName } from '../state/selectors.js';

/** Like dive: layers with the step that made each, the chosen layer's changes, and wasted space. */
export function LayerBrowser({ state, width, height }: { state: TuiState; width: number; height: number }) {
  const t = useTheme();
  const L = state.layers;
  const image = state.images.find((r) => r.key === L.image);
  const title = `Layers of ${image ? displayName(image) : '?'}`;
  if (L.status === 'loading') return <Text>{`${title}: reading layer headers…`}</Text>;
  if (L.status === 'error') return <Text {...t.fg('red')}>{`${title}: ✗ ${L.error ?? 'failed'}`}</Text>;
  const changes = L.changes;
  if (!changes) return <Text>{title}</Text>;
  const listH = Math.min(L.listings.length, Math.max(3, Math.floor((height - 6) / 3)));
  const start = windowStart(L.cursor, L.listings.length, listH);
  const layer = changes.layers[L.cursor];
  const lines = layer ? treeLines(layer.changes) : [];
  const hints = changes.squash.map((h) => `squash ${h.from + 1}–${h.to + 1} saves ${formatBytes(h.saves)}`).join('; ');
  const treeH = Math.max(3, height - listH - 6);
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
      <Text bold wrap="truncate">{`Layer ${L.cursor + 1}: ${lines.length} changes (+ added, ~ changed, - removed)`}</Text>
      <FileTree lines={lines} scroll={L.scroll} height={treeH} width={width} />
      <Text wrap="truncate" {...(changes.wastedBytes > 0 ? t.fg('yellow') : {})}>
        {`Wasted space: ${formatBytes(changes.wastedBytes)} in ${changes.hidden.length} hidden file${changes.hidden.length === 1 ? '' : 's'} (of ${formatBytes(changes.totalBytes)} in all layers)`}
      </Text>
      <Text wrap="truncate" dimColor>
        {hints ? `Suggest: ${hints}` : 'Nothing to squash: no layer hides bytes of a lower one.'}
      </Text>
    </Box>
  );
}
