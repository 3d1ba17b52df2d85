/** XLSX of a report: one sheet per table, with a title sheet (exceljs). */
import ExcelJS from 'exceljs';
import type { Table } from './report-table.ts';

/** Sheet names: at most 31 characters, none of []:*?/\ (Excel's rules). */
const sheetName = (name: string) => name.replace(/[[\]:*?/\\]/g, '-').slice(0, 31);

export async function toXlsx(title: string[][], tables: readonly Table[]): Promise<Buffer> {
  const book = new ExcelJS.Workbook();
  book.creator = 'Loa';
  const about = book.addWorksheet('report');
  for (const line of title) about.addRow(line);
  for (const t of tables) {
    const sheet = book.addWorksheet(sheetName(t.name));
    sheet.addRow(t.header).font = { bold: true };
    for (const r of t.rows) sheet.addRow(r);
    sheet.views = [{ state: 'frozen', ySplit: 1 }];
  }
  return Buffer.from(await book.xlsx.writeBuffer());
}
