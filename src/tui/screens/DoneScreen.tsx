import { Box, Text } from 'ink';
import { useTheme } from '../components/theme.js';
import { formatBytes, formatDuration, formatRate, wrappedRows } from '../format.js';
import type { DoneSummary } from '../state/machine.js';

/** Facts the Done screen gives up first on a short terminal, least useful first. */
const DROPPABLE = ['Dedupe saved', 'Throughput', 'Time', 'sha256', 'Written', 'Images'];

/** The first of `lines` that fit in `room` wrapped rows. */
function fitting(lines: readonly string[], width: number, room: number): string[] {
  const kept: string[] = [];
  for (const line of lines) {
    if (wrappedRows([...kept, line], width) > room) break;
    kept.push(line);
  }
  return kept;
}

/**
 * What a finished copy did; notes and warnings wrap, since they name paths the user must read whole.
 * Without a height every row shows.
 */
export function DoneScreen({ done, width = 80, height = Infinity }: { done: DoneSummary; width?: number; height?: number }) {
  const t = useTheme();
  const o = done.outcome;
  const secs = o.durationMs / 1000;
  let rows: Array<readonly [string, string]> = [
    ['Images', String(o.images)],
    ['Written', `${formatBytes(o.bytesWritten)}${o.blobsCopied + o.blobsSkipped > 0 ? ` (${o.blobsCopied} blobs copied, ${o.blobsSkipped} already there)` : ''}`],
    ['Dedupe saved', formatBytes(done.dedupeSaved)],
    ['Time', formatDuration(secs)],
    ['Throughput', formatRate(secs > 0 ? o.bytesRead / secs : 0)],
    ['Output', o.location],
  ];
  if (o.archiveSha256) rows.push(['sha256', o.archiveSha256]);
  const notes = [...done.notes, ...(o.notes ?? [])].map((n) => `  ${n}`);
  const warnings = o.warnings.map((w) => `! ${w}`);
  // The frame must not outgrow a short terminal: blank rows and the command's label go first, then the
  // facts least worth a row, then notes and warnings beyond those that fit (counted on a row of their own).
  const commandRows = wrappedRows([done.command], width);
  let room = height - 1 - commandRows;
  const wantLines = wrappedRows([...notes, ...warnings], width);
  let spare = room - rows.length - wantLines;
  const gaps = Math.max(0, Math.min(3, spare));
  for (const key of DROPPABLE) {
    if (spare >= 0) break;
    if (rows.some(([k]) => k === key)) {
      rows = rows.filter(([k]) => k !== key);
      spare++;
    }
  }
  room -= rows.length + gaps;
  // warnings outrank notes: they say something may be wrong with what was written
  const all = wrappedRows([...notes, ...warnings], width) <= room;
  const shownWarnings = all ? warnings : fitting(warnings, width, room - 1);
  const shownNotes = all ? notes : fitting(notes, width, room - 1 - wrappedRows(shownWarnings, width));
  const untold = notes.length + warnings.length - shownNotes.length - shownWarnings.length;
  return (
    <Box flexDirection="column">
      <Text bold {...t.fg('green')}>
        ✓ Done
      </Text>
      {gaps >= 2 ? <Text> </Text> : null}
      {rows.map(([k, v]) => (
        <Text key={k} wrap="truncate">
          <Text bold>{k.padEnd(14)}</Text>
          {v}
        </Text>
      ))}
      {shownNotes.map((n, i) => (
        <Text key={`n${i}`} wrap="wrap">
          {n}
        </Text>
      ))}
      {shownWarnings.map((w, i) => (
        <Text key={i} wrap="wrap" {...t.fg('yellow')}>
          {w}
        </Text>
      ))}
      {untold > 0 ? <Text dimColor>{`  … ${untold} more note${untold === 1 ? '' : 's'} or warning${untold === 1 ? '' : 's'}`}</Text> : null}
      {gaps >= 3 ? <Text> </Text> : null}
      {gaps >= 1 ? <Text dimColor>Equivalent command:</Text> : null}
      <Text wrap="wrap" {...t.fg('cyan')}>
        {done.command}
      </Text>
    </Box>
  );
}
