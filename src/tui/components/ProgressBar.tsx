import { Text } from 'ink';
import { useTheme } from './theme.js';

/** A fixed-width bar; the filled part is a different character, so it reads without colour. */
export function ProgressBar({ fraction, width }: { fraction: number; width: number }) {
  const t = useTheme();
  const w = Math.max(4, width);
  const filled = Math.round(Math.max(0, Math.min(1, fraction)) * w);
  return (
    <Text>
      <Text {...t.fg('green')}>{'█'.repeat(filled)}</Text>
      <Text dimColor>{'░'.repeat(w - filled)}</Text>
    </Text>
  );
}
