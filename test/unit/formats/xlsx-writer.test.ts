import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { writeXlsx } from '#formats/xlsx-writer.ts';
import { unzip } from '#test/support/zip.ts';

describe('writeXlsx', () => {
  it('writes a workbook exceljs reads back: sheet names, numbers, Vietnamese and markup as text', async () => {
    const partner = 'Ban Truyền hình đối ngoại VTV4';

    const bytes = writeXlsx([
      { name: 'report', rows: [['partner', partner]] },
      {
        name: 'rows',
        rows: [
          ['topic', 'routed'],
          ['<b>&"x"</b>', 42],
          ['ocop-products', 0.5],
        ],
        header: true,
      },
    ]);

    const book = new ExcelJS.Workbook();
    await book.xlsx.load(bytes as unknown as ArrayBuffer);
    expect(book.worksheets.map((w) => w.name)).toEqual(['report', 'rows']);
    expect(book.getWorksheet('report')?.getCell('B1').value).toBe(partner);
    const rows = book.getWorksheet('rows');
    expect(rows?.getCell('A2').value).toBe('<b>&"x"</b>');
    expect(rows?.getCell('B2').value).toBe(42);
    expect(rows?.getCell('B3').value).toBe(0.5);
    expect(rows?.getCell('A1').font?.bold).toBe(true);
  });

  it('stores the Vietnamese text as its exact UTF-8 bytes inside the sheet XML', () => {
    const text = 'Hà Giang – sản phẩm OCOP';

    const entries = unzip(writeXlsx([{ name: 's', rows: [[text]] }]));

    expect(entries.get('xl/worksheets/sheet1.xml')?.includes(Buffer.from(text, 'utf8'))).toBe(true);
  });
});
