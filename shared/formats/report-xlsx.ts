/** XLSX of a report: a title sheet, then one sheet per table with a bold, frozen header. */
import type { Table } from './report-table.ts';
import { writeXlsx } from './xlsx-writer.ts';

/** Sheet names: at most 31 characters, none of []:*?/\ (Excel's rules). */
const sheetName = (name: string) => name.replace(/[[\]:*?/\\]/g, '-').slice(0, 31);

export async function toXlsx(title: string[][], tables: readonly Table[]): Promise<Buffer> {
  return writeXlsx([
    { name: 'report', rows: title },
    ...tables.map((t) => ({ name: sheetName(t.name), rows: [t.header, ...t.rows], header: true })),
  ]);
}
