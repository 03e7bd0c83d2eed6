/**
 * Column tables like docker's tabwriter output: a header row in capitals, cells left-aligned and
 * separated by at least three spaces, the last column never padded (no trailing blanks).
 *
 *   REPOSITORY   TAG   IMAGE ID       CREATED        SIZE
 *   imga         1     0d4f23c8e1a2   2 hours ago    7.05MB
 */
export interface TableColumn<Row> {
  readonly header: string;
  readonly cell: (row: Row) => string;
  /** Right-align (numbers); default left. */
  readonly align?: 'left' | 'right';
}

const GAP = '   ';

export function renderTable<Row>(rows: readonly Row[], columns: readonly TableColumn<Row>[]): string {
  const cells = rows.map((r) => columns.map((c) => c.cell(r)));
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((line) => (line[i] ?? '').length)));
  const line = (values: readonly string[]): string =>
    values
      .map((v, i) => {
        const last = i === values.length - 1;
        const width = widths[i] ?? 0;
        if (columns[i]?.align === 'right') return v.padStart(width);
        return last ? v : v.padEnd(width);
      })
      .join(GAP)
      .trimEnd();
  return `${[line(columns.map((c) => c.header)), ...cells.map(line)].join('\n')}\n`;
}
