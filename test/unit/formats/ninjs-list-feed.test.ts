import { describe, expect, it } from 'vitest';
import { renderNinjsList } from '#formats/ninjs-list.ts';
import { feedViewFixture, TOMBSTONE, TRICKY_BODY, TRICKY_TITLE } from '#test/fixtures/feed-view.ts';
import { validateNinjs } from '#test/support/ninjs-validator.ts';

describe('renderNinjsList', () => {
  it('wraps the page in a small envelope with self and next', () => {
    const view = feedViewFixture();

    const page = JSON.parse(renderNinjsList(view));

    expect(page).toMatchObject({
      title: view.title,
      updated: view.updated,
      self: view.selfUrl,
      next: view.nextUrl,
    });
    expect(page.items).toHaveLength(3);
  });

  it('makes every item, the tombstone included, valid ninjs 2.1 by IPTC’s schema', () => {
    const page = JSON.parse(renderNinjsList(feedViewFixture()));

    for (const item of page.items) expect(validateNinjs(item)).toEqual([]);
  });

  it('is checked by a validator that refuses a bad pubstatus', () => {
    const page = JSON.parse(renderNinjsList(feedViewFixture()));

    expect(validateNinjs({ ...page.items[2], pubstatus: 'withdrawn' })).not.toEqual([]);
  });

  it('carries the full documents, text byte for byte and asset links as given', () => {
    const json = renderNinjsList(feedViewFixture());

    const item = JSON.parse(json).items[0];

    expect(item.headlines[0].value).toBe(TRICKY_TITLE);
    expect(item.bodies[0]).toEqual({ role: 'main', contenttype: 'text/html', value: TRICKY_BODY });
    expect(item.associations.map((a: { renditions: { href: string }[] }) => a.renditions[0]?.href)).toEqual([
      'https://loa.test/assets/vtv4/anh-ky-ket?expires=1750000000&kid=k1&sig=anh-ky-ket-sig',
      'https://loa.test/assets/vtv4/phong-su?expires=1750000000&kid=k1&sig=phong-su-sig',
    ]);
    // Raw UTF-8 in the bytes (only the quotes are escaped, as JSON requires), not \u escapes.
    expect(Buffer.from(json, 'utf8').includes(Buffer.from(JSON.stringify(TRICKY_TITLE), 'utf8'))).toBe(true);
  });

  it('writes a withdrawn item as a tombstone: same uri and version, pubstatus canceled, no content', () => {
    const tombstone = JSON.parse(renderNinjsList(feedViewFixture())).items[2];

    expect(tombstone).toEqual({
      uri: 'http://loa.example/articles/rut-bai',
      type: 'text',
      representationtype: 'partial',
      version: '1',
      versioncreated: TOMBSTONE.withdrawnAt,
      pubstatus: 'canceled',
      altids: [{ role: 'loa:articleId', value: 'rut-bai' }],
      standard: {
        name: 'ninjs',
        version: '2.1',
        schema: 'http://www.iptc.org/std/ninjs/ninjs-schema_2.1.json',
      },
    });
  });
});
