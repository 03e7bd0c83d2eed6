import { Box, Text } from 'ink';
import { equivalentCommand } from '../../cli/command-line.js';
import { useTheme } from '../components/theme.js';
import { KIND_LABELS, type ActionKind } from '../state/action-form.js';
import type { TuiState } from '../state/machine.js';
import { formFields, plannedCopy, selectedImages, selectionRefs } from '../state/selectors.js';
import { truncate } from '../format.js';

/** What to do with the selection; the command line underneath always shows the plain equivalent. */
export function ActionScreen({ state, width, storeFlag }: { state: TuiState; width: number; storeFlag?: string }) {
  const t = useTheme();
  const fields = formFields(state);
  const refs = selectionRefs(state);
  // images, not names: one image may carry several names, all of which the command lists
  const count = selectedImages(state).length;
  const plan = plannedCopy(state);
  const labelW = 12;
  return (
    <Box flexDirection="column">
      <Text bold wrap="truncate">{`Action for ${count} image${count === 1 ? '' : 's'}: ${truncate(refs.join(' '), width - 20)}`}</Text>
      <Text> </Text>
      {fields.length === 2 && fields[0]?.choices?.length === 0 ? <Text {...t.fg('red')}>Nothing this source can do yet.</Text> : null}
      {fields.map((f, i) => {
        const at = i === state.form.field;
        if (f.type === 'button') {
          return (
            <Text key={f.id} inverse={at} bold>
              {`${at ? '›' : ' '} [ Start ]`}
            </Text>
          );
        }
        const value =
          f.type === 'choice'
            ? (f.choices ?? []).map((c) => (c === f.value ? `‹${f.id === 'kind' ? KIND_LABELS[c as ActionKind] : c}›` : f.id === 'kind' ? '' : ` ${c} `)).filter(Boolean).join('')
            : `${f.value || (f.id === 'platform' ? '(all / as stored)' : '')}${at && state.form.editing ? '▌' : ''}`;
        return (
          <Text key={f.id} wrap="truncate" inverse={at && !state.form.editing}>
            {`${at ? '›' : ' '} ${f.label.padEnd(labelW)} ${value}`}
          </Text>
        );
      })}
      <Text> </Text>
      {state.formError ? <Text {...t.fg('red')}>{`✗ ${state.formError}`}</Text> : null}
      <Text dimColor>Equivalent command:</Text>
      <Text wrap="wrap" {...t.fg('cyan')}>
        {'error' in plan ? `(${plan.error})` : equivalentCommand(plan.action, storeFlag ? { storeFlag } : {})}
      </Text>
    </Box>
  );
}
