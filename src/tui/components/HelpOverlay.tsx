import { Box, Text } from 'ink';
import { wrapWords } from '../format.js';
import { useTheme } from './theme.js';

const KEYS: ReadonlyArray<readonly [string, string]> = [
  ['↑ ↓ / j k', 'move'],
  ['space', 'select or unselect an image'],
  ['a', 'select every visible image (again: none)'],
  ['/', 'filter images: text, or a glob like debian:* or */app*'],
  ['enter', 'choose / continue / start'],
  ['← → / h l', 'change a choice on the Action screen'],
  ['s', 'start the copy from anywhere on the Action screen'],
  ['L / i', 'layer browser for the image under the cursor'],
  ['J K', 'scroll the layer browser’s file list'],
  ['tab', 'complete a file name while typing a path'],
  ['esc', 'back (or stop typing)'],
  ['ctrl-c', 'cancel a running copy; quit elsewhere'],
  ['?', 'this help'],
  ['q', 'quit'],
];

const FOOTER = 'Every action here is also a plain command; baler prints it when you quit.';
const CLOSE = 'press ? or esc to close';
const KEY_W = 11;
/** The border's rows and columns, with the padding inside it. */
const FRAME_ROWS = 2;
const FRAME_COLS = 4;
/** The fewest rows the overlay is given: its border, title, one row of a key, the line counting the rest, how to close it. */
export const HELP_MIN_ROWS = FRAME_ROWS + 4;
/** Below this many columns for a description, it goes under its key rather than beside it. */
const DESC_MIN = 12;

/** A row of the overlay: the key column (bold; blank under a key's first row) and the text after it. */
interface HelpRow {
  keyColumn: string;
  text: string;
}

/** One key (or the footer, whose key is empty) and its description, as the rows it takes. */
interface HelpEntry {
  key: string;
  rows: HelpRow[];
}

function helpEntries(inner: number): HelpEntry[] {
  const beside = inner - KEY_W - 1 >= DESC_MIN;
  const keys = KEYS.map(([key, what]) => {
    if (beside) return { key, rows: wrapWords(what, inner - KEY_W - 1).map((text, i) => ({ keyColumn: `${(i === 0 ? key : '').padEnd(KEY_W)} `, text })) };
    return { key, rows: [{ keyColumn: key, text: '' }, ...wrapWords(what, inner - 2).map((text) => ({ keyColumn: '  ', text }))] };
  });
  return [...keys, { key: '', rows: wrapWords(FOOTER, inner).map((text) => ({ keyColumn: '', text })) }];
}

const rowsOf = (entries: readonly HelpEntry[]): number => entries.reduce((n, e) => n + e.rows.length, 0);

export interface HelpView {
  /** Entries in view, the last one cut to the rows left when it alone is taller than they are. */
  shown: HelpEntry[];
  above: number;
  below: number;
  /** The furthest the list scrolls: the first entry in view when its last one is. */
  maxStart: number;
}

/**
 * The overlay in `height` rows and `width` columns, scrolled to entry `scroll`: its title and the line
 * saying how to close it always, the entries that fit between them, and a line counting the rest.
 */
export function helpView(height: number, width: number, scroll: number): HelpView {
  const entries = helpEntries(Math.max(1, width - FRAME_COLS));
  const room = height - FRAME_ROWS - 2;
  if (rowsOf(entries) <= room) return { shown: entries, above: 0, below: 0, maxStart: 0 };
  // the line counting what is out of view takes a row; at least one entry row stays
  const listRoom = Math.max(1, room - 1);
  let maxStart = entries.length - 1;
  while (maxStart > 0 && rowsOf(entries.slice(maxStart - 1)) <= listRoom) maxStart--;
  const start = Math.min(Math.max(0, scroll), maxStart);
  const shown: HelpEntry[] = [];
  let used = 0;
  for (const e of entries.slice(start)) {
    if (used + e.rows.length > listRoom) {
      if (shown.length === 0) shown.push({ key: e.key, rows: e.rows.slice(0, listRoom) });
      break;
    }
    shown.push(e);
    used += e.rows.length;
  }
  return { shown, above: start, below: entries.length - start - shown.length, maxStart };
}

function moreLine({ above, below }: HelpView): string {
  if (below === 0) return `… ${above} above (k)`;
  return above === 0 ? `… ${below} more (j/k)` : `… ${above} above, ${below} more (j/k)`;
}

/** The keys, in a box `height` rows tall at most; `scroll` is the first entry in view. */
export function HelpOverlay({ height, width, scroll }: { height: number; width: number; scroll: number }) {
  const t = useTheme();
  const view = helpView(height, width, scroll);
  return (
    <Box flexDirection="column" borderStyle="round" paddingX={1} width={width} {...(t.color ? { borderColor: 'cyan' } : {})}>
      <Text bold wrap="truncate">
        Keys
      </Text>
      {view.shown.map((e) =>
        e.rows.map((row, i) => (
          <Text key={`${e.key}${i}`} wrap="truncate" dimColor={e.key === ''}>
            <Text bold>{row.keyColumn}</Text>
            {row.text}
          </Text>
        )),
      )}
      {view.above + view.below > 0 ? (
        <Text dimColor wrap="truncate">
          {moreLine(view)}
        </Text>
      ) : null}
      <Text dimColor wrap="truncate">
        {CLOSE}
      </Text>
    </Box>
  );
}
