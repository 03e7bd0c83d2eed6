import { Box, Text } from 'ink';
import { ImageTable } from '../components/ImageTable.js';
import { SelectionPanel } from '../components/SelectionPanel.js';
import { useTheme } from '../components/theme.js';
import { TypedAhead } from '../components/TypedAhead.js';
import { truncateStart, wrapWithin, wrapWords } from '../format.js';
import type { TuiState } from '../state/machine.js';
import { selectedImages, selectionSummary, visibleImages } from '../state/selectors.js';

function sourceLabel(s: TuiState): string {
  if (!s.source) return '';
  const src = s.source;
  if (src.kind === 'store' || src.kind === 'docker') return src.kind;
  return src.kind === 'docker-root' ? `docker-root:${src.path}` : src.path;
}

/** An empty store is where a first-time user starts: say how to fill it. */
function emptyText(s: TuiState): string {
  return s.source?.kind === 'store' ? 'The store holds no images yet. To load some: esc, then choose an archive or OCI layout path.' : 'No images here.';
}

/** The table's least: its header, the row under the cursor, and the "x-y of n" line. */
const TABLE_MIN = 3;
/** The selection panel's least: its border and three lines. */
const PANEL_MIN = 5;
/** The table a panel below it leaves: its header, three images and the "x-y of n" line. */
const TABLE_UNDER_PANEL = 5;

/** The rows of the whole notices that fit in `room` rows; those left out are counted on the last row. */
function fitNotices(notices: readonly string[], width: number, room: number): string[] {
  const wrapped = notices.map((n) => wrapWords(n, width));
  if (wrapped.flat().length <= room) return wrapped.flat();
  if (room <= 0) return [];
  const kept: string[] = [];
  let whole = 0;
  for (const rows of wrapped) {
    if (kept.length + rows.length + 1 > room) break;
    kept.push(...rows);
    whole++;
  }
  const left = notices.length - whole;
  return [...kept, `  … ${left} more notice${left === 1 ? '' : 's'}`];
}

/** Columns a source cut from its start still needs to say something (`…ages.tar`). */
const SOURCE_MIN = 8;

/**
 * What follows `Images` on the heading: ` in SOURCE · n shown · n selected`. The counts stay whole; the
 * source is cut from its start to make room, and left out when too little of it would be left.
 */
function headingTail(s: TuiState, shown: number, width: number): string {
  const counts = ` · ${shown}${s.filter ? ` of ${s.images.length}` : ''} shown · ${s.selected.length} selected`;
  const source = sourceLabel(s);
  const room = width - 'Images in '.length - counts.length;
  if (source.length <= room) return ` in ${source}${counts}`;
  return room >= SOURCE_MIN ? ` in ${truncateStart(source, room)}${counts}` : counts;
}

/** The image list with type-to-filter and multi-select; the panel sums up the selection. */
export function ImagesScreen({ state, width, height }: { state: TuiState; width: number; height: number }) {
  const t = useTheme();
  const rows = visibleImages(state);
  const summary = selectionSummary(selectedImages(state));
  const side = width >= 110;
  // Every row below comes out of `height`, so the frame never outgrows a short terminal: notices wrap
  // (they name a directory the user may look into) and take rows from the table down to its least,
  // and the panel below the table goes before the table keeps fewer than three images.
  const listH = Math.max(0, height - 2);
  const notices = fitNotices(state.imagesNotices.map((n) => `  ${n}`), width, listH - TABLE_MIN);
  const bodyH = Math.max(0, listH - notices.length);
  const panelW = side ? 40 : width;
  const fitPanelH = side ? bodyH : Math.min(7, Math.max(PANEL_MIN, bodyH - 8), bodyH - TABLE_UNDER_PANEL);
  const panelH = fitPanelH >= PANEL_MIN ? fitPanelH : 0;
  const tableH = side ? bodyH : bodyH - panelH;
  const tableW = side ? width - panelW - 1 : width;
  // while typed, the filter keeps its end in view, where the typing goes on
  const filterLine = state.filtering ? truncateStart(`/${state.filter}▌`, width) : state.filter ? `/${state.filter}` : '';
  return (
    <Box flexDirection="column" height={height}>
      <Text wrap="truncate">
        <Text bold>Images</Text>
        <Text dimColor>{headingTail(state, rows.length, width)}</Text>
      </Text>
      <Text wrap="truncate" {...t.fg('cyan')}>
        {filterLine || ' '}
      </Text>
      {notices.map((n, i) => (
        <Text key={`notice${i}`} wrap="truncate" dimColor>
          {n}
        </Text>
      ))}
      {state.imagesStatus === 'loading' ? <Text>Reading images…</Text> : null}
      {state.imagesStatus === 'loading' ? <TypedAhead count={state.typeAhead.length} list="the list" /> : null}
      {state.imagesStatus === 'error'
        ? wrapWithin(`✗ ${state.imagesError ?? 'failed'}`, width, bodyH).map((row, i) => (
            <Text key={`error${i}`} wrap="truncate" {...t.fg('red')}>
              {row}
            </Text>
          ))
        : null}
      {state.imagesStatus === 'ready' && state.images.length === 0
        ? wrapWithin(emptyText(state), width, bodyH).map((row, i) => (
            <Text key={`empty${i}`} wrap="truncate">
              {row}
            </Text>
          ))
        : null}
      {state.imagesStatus === 'ready' && state.images.length > 0 ? (
        <Box flexDirection={side ? 'row' : 'column'}>
          <Box width={tableW} flexDirection="column">
            {rows.length === 0
              ? wrapWithin(`No image matches ${JSON.stringify(state.filter)}.`, tableW, tableH).map((row, i) => (
                  <Text key={`none${i}`} wrap="truncate">
                    {row}
                  </Text>
                ))
              : null}
            {rows.length > 0 ? <ImageTable rows={rows} cursor={state.cursor} selected={state.selected} width={tableW} height={tableH} /> : null}
          </Box>
          {panelH > 0 ? <SelectionPanel summary={summary} width={panelW} height={panelH} /> : null}
        </Box>
      ) : null}
    </Box>
  );
}
