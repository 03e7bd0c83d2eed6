import type { ArchiveCompression, LayerChoice, SaveFormat } from '../../cli/command-line.js';
import type { SourceSpec, TuiServices } from '../tui-services.js';

/**
 * The Action screen's form as data: which verbs a source offers and which fields each verb has.
 * Pure, so the reducer and the screen agree on what a cursor position means.
 */

export type ActionKind = 'save' | 'oci-dir' | 'export' | 'load';

export interface ActionForm {
  kind: ActionKind;
  format: SaveFormat;
  compression: LayerChoice;
  archive: ArchiveCompression;
  output: string;
  /** The user typed the output: it is kept; otherwise it follows the selection and the verb. */
  outputTyped: boolean;
  platform: string;
  /** Index into actionFields(). */
  field: number;
  /** A text field is being typed into. */
  editing: boolean;
}

export type FieldId = 'kind' | 'format' | 'compression' | 'archive' | 'output' | 'platform' | 'start';

export interface FormField {
  id: FieldId;
  label: string;
  type: 'choice' | 'text' | 'button';
  value: string;
  choices?: readonly string[];
}

export const FORMATS: readonly SaveFormat[] = ['docker', 'oci'];
export const COMPRESSIONS: readonly LayerChoice[] = ['keep', 'gzip', 'zstd', 'none'];
export const ARCHIVE_COMPRESSIONS: readonly ArchiveCompression[] = ['auto', 'none', 'gzip', 'zstd'];

export const KIND_LABELS: Record<ActionKind, string> = {
  save: 'save to an archive file',
  'oci-dir': 'save to an OCI layout directory',
  export: 'export the flattened file system to a tar',
  load: 'load into the store',
};

export function initialActionForm(): ActionForm {
  return { kind: 'save', format: 'docker', compression: 'keep', archive: 'auto', output: '', outputTyped: false, platform: '', field: 0, editing: false };
}

/** Verbs a source offers: the store and Docker (daemon or offline) save and export out; an archive or layout loads in. */
export function availableKinds(source: SourceSpec | undefined, can: TuiServices['actions']): ActionKind[] {
  if (!source) return [];
  const out: ActionKind[] = [];
  if (source.kind === 'store') {
    if (can.save) out.push('save');
    if (can.ociDir) out.push('oci-dir');
    if (can.export) out.push('export');
  } else if (source.kind === 'docker-root' || source.kind === 'docker') {
    // save --from docker-root:DIR / --from docker; export docker-root:DIR:IMAGE / docker:IMAGE
    if (can.save) out.push('save');
    if (can.ociDir) out.push('oci-dir');
    if (can.export) out.push('export');
  } else if (can.load) out.push('load');
  return out;
}

export function actionFields(form: ActionForm, kinds: readonly ActionKind[]): FormField[] {
  const fields: FormField[] = [{ id: 'kind', label: 'Action', type: 'choice', value: form.kind, choices: kinds }];
  if (form.kind === 'save') fields.push({ id: 'format', label: 'Format', type: 'choice', value: form.format, choices: FORMATS });
  if (form.kind === 'save' || form.kind === 'oci-dir') fields.push({ id: 'compression', label: 'Layers', type: 'choice', value: form.compression, choices: COMPRESSIONS });
  if (form.kind === 'save' || form.kind === 'export') fields.push({ id: 'archive', label: 'Compress', type: 'choice', value: form.archive, choices: ARCHIVE_COMPRESSIONS });
  if (form.kind !== 'load') {
    fields.push({ id: 'output', label: form.kind === 'oci-dir' ? 'Directory' : 'Output file', type: 'text', value: form.output });
  }
  fields.push({ id: 'platform', label: 'Platform', type: 'text', value: form.platform });
  fields.push({ id: 'start', label: 'Start', type: 'button', value: '' });
  return fields;
}

function cycle<T>(choices: readonly T[], current: T, delta: number): T {
  const i = choices.indexOf(current);
  const n = choices.length;
  return choices[(((i < 0 ? 0 : i) + delta) % n + n) % n] as T;
}

/** Left/right (or space) on a choice field. */
export function cycleField(form: ActionForm, kinds: readonly ActionKind[], delta: number): ActionForm {
  const field = actionFields(form, kinds)[form.field];
  if (!field || field.type !== 'choice') return form;
  switch (field.id) {
    case 'kind':
      return kinds.length ? { ...form, kind: cycle(kinds, form.kind, delta), field: 0 } : form;
    case 'format':
      return { ...form, format: cycle(FORMATS, form.format, delta) };
    case 'compression':
      return { ...form, compression: cycle(COMPRESSIONS, form.compression, delta) };
    case 'archive':
      return { ...form, archive: cycle(ARCHIVE_COMPRESSIONS, form.archive, delta) };
    default:
      return form;
  }
}

export function setTextField(form: ActionForm, kinds: readonly ActionKind[], value: string): ActionForm {
  const field = actionFields(form, kinds)[form.field];
  if (field?.id === 'output') return { ...form, output: value, outputTyped: true };
  if (field?.id === 'platform') return { ...form, platform: value };
  return form;
}

/** A file name from the first selected image: `debian:12` -> `debian_12.tar`. */
export function defaultOutput(kind: ActionKind, names: readonly string[], count: number): string {
  const stem = count === 1 && names[0] ? names[0].replace(/^.*\//, '').replace(/[^A-Za-z0-9._-]+/g, '_') : 'images';
  return kind === 'oci-dir' ? `${stem}-oci` : kind === 'export' ? `${stem}-rootfs.tar` : `${stem}.tar`;
}
