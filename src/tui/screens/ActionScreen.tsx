import { Box, Text } from 'ink';
import { equivalentCommand } from '../../cli/command-line.js';
import { useTheme } from '../components/theme.js';
import { windowStart } from '../components/window.js';
import { KIND_LABELS, type ActionKind, type FormField } from '../state/action-form.js';
import type { TuiState } from '../state/machine.js';
import { formFields, plannedCopy, selectedImages, selectionRefs } from '../state/selectors.js';
import { truncate, truncateStart, wrapWithin, wrapWords } from '../format.js';

/** Fields kept in view however short the terminal: the one under the cursor and its neighbours. */
const FIELDS_MIN = 3;

/** Columns before a field's value: the marker, the label and a space. */
const LABEL_W = 12;
const VALUE_AT = 2 + LABEL_W + 1;

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

/**
 * A field's value in `room` columns. The choice made stays whole in its ‹›, the others go first when they
 * do not all fit; a typed value keeps its end, where the typing goes on and a path names its file.
 */
function fieldValue(f: FormField, editingHere: boolean, room: number): string {
  if (f.type === 'choice') {
    const label = (c: string): string => (f.id === 'kind' ? KIND_LABELS[c as ActionKind] : c);
    const all = (f.choices ?? []).map((c) => (c === f.value ? `‹${label(c)}›` : f.id === 'kind' ? '' : ` ${c} `)).filter(Boolean).join('');
    return all.length <= room ? all : `‹${truncate(label(f.value), room - 2)}›`;
  }
  return truncateStart(`${f.value || (f.id === 'platform' ? '(all / as stored)' : '')}${editingHere ? '▌' : ''}`, room);
}

/** What to do with the selection; the command line underneath always shows the plain equivalent. */
export function ActionScreen({ state, width, height, storeFlag }: { state: TuiState; width: number; height: number; storeFlag?: string }) {
  const t = useTheme();
  const fields = formFields(state);
  const refs = selectionRefs(state);
  // images, not names: one image may carry several names, all of which the command lists
  const count = selectedImages(state).length;
  const plan = plannedCopy(state);
  const nothingToDo = fields.length === 2 && fields[0]?.choices?.length === 0;
  const error = state.formError ? `✗ ${state.formError}` : '';
  const command = 'error' in plan ? `(${plan.error})` : equivalentCommand(plan.action, storeFlag ? { storeFlag } : {});
  const layout = actionLayout({
    fields: fields.length,
    cursor: state.form.field,
    errorRows: error ? wrapWords(error, width).length : 0,
    commandRows: wrapWords(command, width).length,
    notice: nothingToDo,
    height,
  });
  const last = layout.first + layout.shown - 1;
  const heading = `Action for ${count} image${count === 1 ? '' : 's'}: `;
  return (
    <Box flexDirection="column">
      <Text bold wrap="truncate">{`${heading}${truncate(refs.join(' '), width - heading.length)}`}</Text>
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
            {`${marker} ${f.label.padEnd(LABEL_W)} ${fieldValue(f, at && state.form.editing, width - VALUE_AT)}`}
          </Text>
        );
      })}
      {layout.gapAboveCommand ? <Text> </Text> : null}
      {wrapWithin(error, width, layout.errorRows).map((row, i) => (
        <Text key={`error${i}`} wrap="truncate" {...t.fg('red')}>
          {row}
        </Text>
      ))}
      {layout.commandLabel ? <Text dimColor>Equivalent command:</Text> : null}
      {wrapWithin(command, width, layout.commandRows).map((row, i) => (
        <Text key={`command${i}`} wrap="truncate" {...t.fg('cyan')}>
          {row}
        </Text>
      ))}
    </Box>
  );
}
