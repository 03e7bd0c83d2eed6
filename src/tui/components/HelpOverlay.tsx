import { Box, Text } from 'ink';
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

export function HelpOverlay() {
  const t = useTheme();
  return (
    <Box flexDirection="column" borderStyle="round" paddingX={1} {...(t.color ? { borderColor: 'cyan' } : {})}>
      <Text bold>Keys</Text>
      {KEYS.map(([k, what]) => (
        <Text key={k} wrap="truncate">
          <Text bold>{k.padEnd(11)}</Text> {what}
        </Text>
      ))}
      <Text dimColor wrap="truncate">
        Every action here is also a plain command; baler prints it when you quit.
      </Text>
    </Box>
  );
}
