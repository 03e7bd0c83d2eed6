import { Text } from 'ink';
import { formatBytes, shortHex, truncate } from '../format.js';

/** Below this many columns a layer row leaves out its digest. */
const NARROW = 70;

/** `› 2  12 MB  +30 ~2 -1  RUN apt-get install …`; a step without a command shows its history comment. */
export function LayerRow(props: { index: number; at: boolean; size: number; added: number; changed: number; removed: number; createdBy?: string; comment?: string; digest: string; width: number }) {
  const counts = `+${props.added} ~${props.changed} -${props.removed}`;
  const step = (props.createdBy ?? '').replace(/^\/bin\/sh -c #\(nop\)\s*/, '').replace(/^\/bin\/sh -c /, 'RUN ').replace(/\s+/g, ' ');
  const at = props.at ? '›' : ' ';
  const n = String(props.index + 1).padStart(2);
  // a narrow terminal keeps room for the step: the digest goes, and the columns close up
  const head = props.width >= NARROW ? `${at} ${n} ${shortHex(props.digest, 8)} ${formatBytes(props.size).padStart(9)} ${counts.padEnd(16)} ` : `${at} ${n} ${formatBytes(props.size).padStart(7)} ${counts} `;
  return (
    <Text wrap="truncate" inverse={props.at}>
      {head + truncate(step || (props.comment ? `(${props.comment})` : '(no history)'), Math.max(8, props.width - head.length))}
    </Text>
  );
}
