import { describe, expect, it } from 'vitest';
import { el, escapeAttr, escapeText, xmlDocument } from '#formats/xml.ts';
import { xmlProblems } from '#test/support/xml-well-formed.ts';

describe('the feed XML writer', () => {
  it('escapes &, < and > in text, so "]]>" cannot occur', () => {
    expect(escapeText('a & b < c > d ]]> e')).toBe('a &amp; b &lt; c &gt; d ]]&gt; e');
  });

  it('escapes quotes and keeps tabs and newlines in attributes as references', () => {
    expect(escapeAttr('say "xin chào"\t&\nbye')).toBe('say &quot;xin chào&quot;&#9;&amp;&#10;bye');
  });

  it('drops characters XML 1.0 cannot carry at all, and keeps Vietnamese and emoji', () => {
    expect(escapeText('Hà\u0000 Giang\u000B\uFFFE \uD800🇻🇳')).toBe('Hà Giang 🇻🇳');
  });

  it('writes string children as text, never as markup', () => {
    const xml = el('title', { lang: 'vi' }, '<b>Hà Giang</b>').xml;

    expect(xml).toBe('<title lang="vi">&lt;b&gt;Hà Giang&lt;/b&gt;</title>');
  });

  it('skips absent children and attributes, and closes an empty element', () => {
    expect(el('link', { href: 'x', rel: undefined }, undefined, false, null).xml).toBe('<link href="x"/>');
  });

  it('writes a declaration and a well-formed document', () => {
    const doc = xmlDocument(el('rss', { version: '2.0' }, el('channel', null, el('title', null, 'A & B'))));

    expect(doc.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<rss')).toBe(true);
    expect(xmlProblems(doc)).toEqual([]);
  });
});

describe('the well-formedness check the feed tests rely on', () => {
  it.each([
    ['a raw ampersand', '<a>x & y</a>'],
    ['an unknown entity', '<a>&nbsp;</a>'],
    ['a mismatched end tag', '<a><b></a></b>'],
    ['an unclosed element', '<a><b></b>'],
    ['a raw < in an attribute', '<a href="x<y"/>'],
    ['a repeated attribute', '<a x="1" x="2"/>'],
    ['two roots', '<a/><b/>'],
  ])('refuses %s', (_what, xml) => {
    expect(xmlProblems(xml)).not.toEqual([]);
  });
});
