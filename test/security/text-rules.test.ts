import { describe, expect, it } from 'vitest';
import { runCli } from '#infra/cli/main.ts';
import { CreateAgreementInput } from '#schemas/agreement.ts';
import { Article } from '#schemas/article.ts';
import { describeIssues } from '#schemas/issues.ts';
import { articleFixture } from '#test/fixtures/articles.ts';

const INVISIBLE = {
  'C1 control U+0085': '\u0085',
  'C1 control U+009B (CSI)': '\u009B',
  'bidi override U+202E': '\u202E',
  'bidi embedding U+202A': '\u202A',
  'bidi isolate U+2066': '\u2066',
  'bidi isolate U+2069': '\u2069',
  'zero-width space U+200B': '\u200B',
  'zero-width joiner U+200D': '\u200D',
  'BOM U+FEFF': '\uFEFF',
};

const problemsOf = (result: { success: boolean; error?: unknown }) =>
  result.success ? [] : describeIssues(result.error as never);

// Defect 6: C1, bidi and zero-width characters passed text validation; the CLI printed controls raw.
describe('text rules', () => {
  it.each(Object.entries(INVISIBLE))(
    'refuses %s in an article title and byline, naming the field',
    (_name, c) => {
      const title = problemsOf(Article.safeParse(articleFixture({ title: `Kỳ kết${c} hợp tác` })));
      expect(title).toEqual([expect.stringMatching(/^title: contains .*\(U\+[0-9A-F]{4}\)/)]);
      const byline = problemsOf(Article.safeParse(articleFixture({ byline: `Hà Giang${c}` })));
      expect(byline).toEqual([expect.stringMatching(/^byline: contains /)]);
    },
  );

  it('refuses them in a partner name, naming the field', () => {
    for (const c of Object.values(INVISIBLE)) {
      const parsed = CreateAgreementInput.safeParse({
        agreementId: 'a1',
        partner: { partnerId: 'p1', name: `VTV4${c}` },
        validFrom: '2024-01-01',
        validTo: '2099-12-31',
        topics: ['infrastructure'],
        languages: ['vi'],
        channels: [{ type: 'feed' }],
      });
      expect(problemsOf(parsed)).toContainEqual(expect.stringMatching(/^partner\.name: contains /));
    }
  });

  it('accepts a body carrying them (bodies are sanitised, which drops them)', async () => {
    const { sanitizeArticleHtml } = await import('#domain/html-policy.ts');
    const body = '<p>Hà Giang\u202Egnaig\u2069 \u0085ký kết\u200B</p>';
    expect(Article.safeParse(articleFixture({ bodyHtml: body })).success).toBe(true);
    expect(sanitizeArticleHtml(body)).toBe('<p>Hà Gianggnaig ký kết</p>');
  });

  it('escapes control characters the CLI prints, in tables and in error messages', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const respond = (status: number, body: unknown) =>
      new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
    const io = (fetchImpl: typeof fetch) => ({
      stdout: { write: (s: string) => out.push(s) },
      stderr: { write: (s: string) => err.push(s) },
      env: { LOA_ENDPOINT: 'http://127.0.0.1:9', LOA_OPS_TOKEN: 'x'.repeat(40) },
      fetch: fetchImpl,
    });
    const evil = 'VTV4\u001b[2J\u009b31m\u202Eevil';
    await runCli(
      ['agreements', 'list'],
      io(async () => respond(200, { items: [{ agreementId: 'a1', partner: { name: evil } }] })),
    );
    await runCli(
      ['agreements', 'get', 'a1'],
      io(async () => respond(400, { error: `bad ${evil}` })),
    );

    const printed = [...out, ...err].join('');
    // biome-ignore lint/suspicious/noControlCharactersInRegex: this pattern exists to find control characters
    expect(printed).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e]/);
    expect(out.join('')).toContain('VTV4\\u001b[2J\\u009b31m\\u202eevil');
    expect(err.join('')).toContain('\\u001b');
  });
});
