import { Text } from 'ink';

/** Keys typed while a list loads show nowhere else: say they were taken, and when they act. */
export function TypedAhead({ count, list }: { count: number; list: string }) {
  if (count === 0) return null;
  const text = count === 1 ? `1 key typed ahead; it applies once ${list} is read` : `${count} keys typed ahead; they apply once ${list} is read`;
  return (
    <Text wrap="truncate" dimColor>
      {text}
    </Text>
  );
}
