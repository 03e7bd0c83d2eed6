import { Box, Text } from 'ink';
import { equivalentCommand } from '../../cli/command-line.js';
import { useTheme } from '../components/theme.js';
import { windowStart } from '../components/window.js';
import { KIND_LABELS, type ActionKind, type FormField } from '../state/action-form.js';
import type { TuiState } from '../state/machine.js';
import { formFields, plannedCopy, selectedImages, selectionRefs } from '../state/selectors.js';
import { truncate, wrappedRows } from '../format.js';

/** Fields kept in view however short the terminal: the one under the cursor and its neighbours. */
const FIELDS_MIN = 3;

/** `text` cut to what fits in `rows` wrapped rows of `width`, its end marked when it was cut. */
function fitRows(text: string, width: number, rows: number): string {
  const most = Math.max(1, rows) * Math.max(1, width);
  return text.length <= most ? text : `${text.slice(0, most - 1)}…`;
}

interface ActionLayout {
  /** Fields shown, a window over the list that keeps the cursor in view. */
  first: number;
  shown: number;
  /** Rows the error and the command may take; both are cut to them. */
  errorRows: number;
  commandRows: number;
  /** Optional rows, given only when everything above fits. */
  gapUnderHeading: boolean;
  commandLabel: boolean;
  gapAboveCommand: boolean;
}

/**
 * Shares `height` rows out so the frame never outgrows the terminal: the heading always, then the fields
 * down to FIELDS_MIN, the error and the command (cut if need be), and blank rows and the command's label last.
 */
function actionLayout(p: { fields: number; cursor: number; errorRows: number; commandRows: number; notice: boolean; height: number }): ActionLayout {
  let room = Math.max(0, p.height - 1 - (p.notice ? 1 : 0));
  const fieldsLeast = Math.min(p.fields, FIELDS_MIN);
  const errorRows = Math.min(p.errorRows, Math.max(p.errorRows > 0 ? 1 : 0, room - fieldsLeast - 1));
  room -= errorRows;
  const commandRows = Math.min(p.commandRows, Math.max(1, room - fieldsLeast));
  room -= commandRows;
  const shown = Math.max(0, Math.min(p.fields, room));
  room -= shown;
  const commandLabel = room >= 1;
  const gapUnderHeading = room >= 2;
  const gapAboveCommand = room >= 3;
  return { first: windowStart(p.cursor, p.fields, shown), shown, errorRows, commandRows, gapUnderHeading, commandLabel, gapAboveCommand };
}

function fieldValue(f: FormField, editingHere: boolean): string {
  if (f.type === 'choice') {
    return (f.choices ?? []).map((c) => (c === f.value ? `‹${f.id === 'kind' ? KIND_LABELS[c as ActionKind] : c}›` : f.id === 'kind' ? '' : ` ${c} `)).filter(Boolean).join('');
  }
  return `${f.value || (f.id === 'platform' ? '(all / as stored)' : '')}${editingHere ? '▌' : ''}`;
}

/** What to do with the selection; the command line underneath always shows the plain equivalent. */
export function ActionScreen({ state, width, height, storeFlag }: { state: TuiState; width: number; height: number; storeFlag?: string }) {
  const t = useTheme();
  const fields = formFields(state);
  const refs = selectionRefs(state);
  // images, not names: one image may carry several names, all of which the command lists
  const count = selectedImages(state).length;
  const plan = plannedCopy(state);
  const labelW = 12;
  const nothingToDo = fields.length === 2 && fields[0]?.choices?.length === 0;
  const error = state.formError ? `✗ ${state.formError}` : '';
  const command = 'error' in plan ? `(${plan.error})` : equivalentCommand(plan.action, storeFlag ? { storeFlag } : {});
  const layout = actionLayout({
    fields: fields.length,
    cursor: state.form.field,
    errorRows: error ? wrappedRows([error], width) : 0,
    commandRows: wrappedRows([command], width),
    notice: nothingToDo,
    height,
  });
  const last = layout.first + layout.shown - 1;
  return (
    <Box flexDirection="column">
      <Text bold wrap="truncate">{`Action for ${count} image${count === 1 ? '' : 's'}: ${truncate(refs.join(' '), width - 20)}`}</Text>
      {layout.gapUnderHeading ? <Text> </Text> : null}
      {nothingToDo ? <Text {...t.fg('red')}>Nothing this source can do yet.</Text> : null}
      {fields.slice(layout.first, last + 1).map((f, j) => {
        const i = layout.first + j;
        const at = i === state.form.field;
        // fields scrolled out of view are pointed at from the edge rows, which costs no row of its own
        const marker = at ? '›' : i === layout.first && i > 0 ? '↑' : i === last && last < fields.length - 1 ? '↓' : ' ';
        if (f.type === 'button') {
          return (
            <Text key={f.id} inverse={at} bold>
              {`${marker} [ Start ]`}
            </Text>
          );
        }
        return (
          <Text key={f.id} wrap="truncate" inverse={at && !state.form.editing}>
            {`${marker} ${f.label.padEnd(labelW)} ${fieldValue(f, at && state.form.editing)}`}
          </Text>
        );
      })}
      {layout.gapAboveCommand ? <Text> </Text> : null}
      {error && layout.errorRows > 0 ? <Text {...t.fg('red')}>{fitRows(error, width, layout.errorRows)}</Text> : null}
      {layout.commandLabel ? <Text dimColor>Equivalent command:</Text> : null}
      <Text wrap="wrap" {...t.fg('cyan')}>
        {fitRows(command, width, layout.commandRows)}
      </Text>
    </Box>
  );
}
