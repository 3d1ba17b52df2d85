import { describe, expect, it } from 'vitest';
import { sanitizeArticleHtml } from '#domain/html-policy.ts';
import { articleFixture } from '#test/fixtures/articles.ts';

describe('sanitizeArticleHtml', () => {
  it('leaves the Vietnamese sample body byte for byte', () => {
    const { bodyHtml } = articleFixture();

    const out = sanitizeArticleHtml(bodyHtml);

    expect(Buffer.from(out, 'utf8').equals(Buffer.from(bodyHtml, 'utf8'))).toBe(true);
  });

  it('keeps the structure a news article uses', () => {
    const html =
      '<h2>Hà Giang</h2><p><strong>Đồng Văn</strong> và <em>Mèo Vạc</em>, <a href="https://hagiang.gov.vn/a?x=1&amp;y=2">xem</a> ' +
      '<a href="mailto:toasoan@hagiang.vn">thư</a></p><figure><img src="https://cdn.hagiang.vn/a.jpg" alt="Cột cờ Lũng Cú" />' +
      '<figcaption>Ảnh: TTXVN</figcaption></figure><blockquote>Trích</blockquote><ul><li>một</li></ul><ol><li>hai</li></ol>' +
      '<table><thead><tr><th>Năm</th></tr></thead><tbody><tr><td>2024</td></tr></tbody></table><p>dòng<br />mới</p>';

    expect(sanitizeArticleHtml(html)).toBe(html);
  });

  it.each([
    ['<script>alert(1)</script><p>a</p>', '<p>a</p>'],
    ['<p onclick="x()" style="color:red" class="c">a</p>', '<p>a</p>'],
    ['<a href="javascript:alert(1)">a</a>', '<a>a</a>'],
    ['<a href=" JaVaScRiPt:alert(1)">a</a>', '<a>a</a>'],
    ['<a href="javascript&#58;alert(1)">a</a>', '<a>a</a>'],
    ['<a href="&#106;avascript:alert(1)">a</a>', '<a>a</a>'],
    ['<a href="jav&#x09;ascript:alert(1)">a</a>', '<a>a</a>'],
    ['<a href="vbscript:x">a</a>', '<a>a</a>'],
    ['<a href="//evil.example/">a</a>', '<a>a</a>'],
    ['<img src="data:image/png;base64,AAAA" alt="x"><p>a</p>', '<p>a</p>'],
    ['<img src="javascript:alert(1)" onerror="x()">', ''],
    ['<iframe src="https://evil.example"></iframe><p>a</p>', '<p>a</p>'],
    ['<style>p{}</style><p>a</p>', '<p>a</p>'],
    ['<svg onload="alert(1)"><p>a</p></svg>', '<p>a</p>'],
    ['<math><mi xlink:href="javascript:alert(1)">x</mi></math>', 'x'],
    ['<p>a</p><form action="https://evil.example"><input name="q"></form>', '<p>a</p>'],
    ['<a href="https://ok.example" target="_blank" rel="opener">a</a>', '<a href="https://ok.example">a</a>'],
  ])('makes %s safe', (dirty, clean) => {
    expect(sanitizeArticleHtml(dirty)).toBe(clean);
  });

  it('writes a character given as an entity as the character itself, in NFC', () => {
    expect(sanitizeArticleHtml('<p>H&agrave; Giang&nbsp;&#7897;</p>')).toBe('<p>Hà Giang\u00a0ộ</p>');
    expect(sanitizeArticleHtml('<p>a&#769;</p>')).toBe('<p>á</p>');
  });

  it('keeps text that looks like markup escaped', () => {
    expect(sanitizeArticleHtml('<p>1 &lt; 2 &amp; 3 &gt; 2</p>')).toBe('<p>1 &lt; 2 &amp; 3 &gt; 2</p>');
  });
});
