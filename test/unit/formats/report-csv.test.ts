import { describe, expect, it } from 'vitest';
import { toCsv } from '#formats/report-csv.ts';
import { parseCsv } from '#test/support/zip.ts';

describe('toCsv', () => {
  it('starts with a UTF-8 BOM, ends rows with CRLF and keeps Vietnamese as written', () => {
    const csv = toCsv({ name: 't', header: ['topic', 'routed'], rows: [['văn-hoá-du-lịch', 3]] });

    expect(Buffer.from(csv, 'utf8').subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    expect(csv).toBe('\uFEFFtopic,routed\r\nvăn-hoá-du-lịch,3\r\n');
  });

  it('quotes separators, quotes and line breaks so a reader gets the cells back', () => {
    const cells = ['a,b', 'say "hi"', 'two\nlines'];

    const csv = toCsv({ name: 't', header: ['x', 'y', 'z'], rows: [cells] });

    expect(parseCsv(csv.slice(1))[1]).toEqual(cells);
  });

  it('defuses cells a spreadsheet would run as formulas', () => {
    const csv = toCsv({ name: 't', header: ['reason'], rows: [['=HYPERLINK("http://x")'], ['-1+2']] });

    expect(parseCsv(csv.slice(1)).slice(1)).toEqual([[`'=HYPERLINK("http://x")`], [`'-1+2`]]);
  });
});
