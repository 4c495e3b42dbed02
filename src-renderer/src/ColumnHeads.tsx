/**
 * A table's header row from its list of columns, so each table names its columns once. A column is
 * its label, or a label with a hint, a fixed width (for a `table-layout: fixed` table, which takes
 * the widths from this row) and an alignment.
 */
export type Column = string | { label: string; title?: string; width?: string; align?: 'right' };

export function ColumnHeads({ columns }: { columns: readonly Column[] }) {
  return (
    <thead>
      <tr>
        {columns.map((column) => {
          const { label, title, width, align } = typeof column === 'string' ? { label: column } : column;
          return (
            <th key={label} scope="col" title={title} style={width || align ? { width, textAlign: align } : undefined}>
              {label}
            </th>
          );
        })}
      </tr>
    </thead>
  );
}
