import { Box, Text } from 'ink';
import type { Digest } from '../../model/digest.js';
import { formatBytes, formatCreated, shortHex, truncate } from '../format.js';
import type { ImageRow } from '../tui-services.js';
import { useTheme } from './theme.js';
import { windowStart } from './window.js';

interface Props {
  rows: readonly ImageRow[];
  cursor: number;
  selected: readonly Digest[];
  width: number;
  height: number;
}

const ID_W = 12;
const SIZE_W = 9;
const CREATED_W = 16;
/** Narrower than this, the ID column goes: on 40 columns it would leave names 10. */
const ID_FROM = 50;

/** name:tag, ID, size, created; `›` marks the cursor and `[x]` a selected image. */
export function ImageTable({ rows, cursor, selected, width, height }: Props) {
  const t = useTheme();
  const showCreated = width >= 70;
  const showId = width >= ID_FROM;
  const nameW = Math.max(10, width - 6 - (showId ? ID_W + 1 : 0) - SIZE_W - (showCreated ? CREATED_W + 1 : 0) - 2);
  // the header takes a row, and a list longer than the window one more for its "x-y of n" line
  const bodyHeight = Math.max(1, rows.length > height - 1 ? height - 2 : height - 1);
  const start = windowStart(cursor, rows.length, bodyHeight);
  const shown = rows.slice(start, start + bodyHeight);
  const header = `      ${'NAME'.padEnd(nameW)} ${showId ? `${'ID'.padEnd(ID_W)} ` : ''}${'SIZE'.padStart(SIZE_W)}${showCreated ? ` ${'CREATED'.padEnd(CREATED_W)}` : ''}`;
  return (
    <Box flexDirection="column" height={height}>
      <Text bold wrap="truncate">
        {header}
      </Text>
      {shown.map((r, i) => {
        const at = start + i === cursor;
        const sel = selected.includes(r.key);
        const name = r.names.length ? r.names.join(', ') : '<none>';
        const line = `${at ? '›' : ' '} ${sel ? '[x]' : '[ ]'} ${truncate(name, nameW).padEnd(nameW)} ${showId ? `${shortHex(r.id).padEnd(ID_W)} ` : ''}${formatBytes(r.size).padStart(SIZE_W)}${
          showCreated ? ` ${formatCreated(r.created).padEnd(CREATED_W)}` : ''
        }`;
        return (
          <Text key={r.key} wrap="truncate" inverse={at} bold={sel} {...(sel ? t.fg('yellow') : {})}>
            {line}
          </Text>
        );
      })}
      {rows.length > shown.length ? (
        <Text dimColor wrap="truncate">
          {`  ${start + 1}-${start + shown.length} of ${rows.length}`}
        </Text>
      ) : null}
    </Box>
  );
}
