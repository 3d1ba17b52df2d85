/**
 * A strict XML 1.0 well-formedness check for tests. Feed parsers forgive (feedsmith reads broken
 * markup on purpose), so feeds are also checked here: one root, tags nested and matched, attributes
 * quoted and unique, `<` and `&` never raw in text or attribute values, only known entities.
 * Returns the problems found, empty when the document is well-formed.
 */
export function xmlProblems(xml: string): string[] {
  const problems: string[] = [];
  const stack: string[] = [];
  let roots = 0;
  const name = '[A-Za-z_][\\w.:-]*';
  const ref = /&(?:amp|lt|gt|quot|apos|#\d+|#x[0-9A-Fa-f]+);/g;
  const checkChars = (text: string, where: string) => {
    if (/[<]/.test(text)) problems.push(`raw '<' in ${where}`);
    if (/&/.test(text.replace(ref, '')))
      problems.push(`raw or unknown '&' in ${where}: ${text.slice(0, 40)}`);
  };
  let rest = xml.replace(/^<\?xml[^?]*\?>\s*/, '');
  if (rest === xml && xml.startsWith('<?xml')) problems.push('malformed XML declaration');
  const token = new RegExp(
    `^(?:<!--[\\s\\S]*?-->|<!\\[CDATA\\[[\\s\\S]*?\\]\\]>|</(${name})\\s*>|<(${name})((?:\\s+${name}\\s*=\\s*(?:"[^"]*"|'[^']*'))*)\\s*(/?)>)`,
  );
  while (rest.length > 0) {
    const lt = rest.indexOf('<');
    const text = lt < 0 ? rest : rest.slice(0, lt);
    if (text) {
      if (stack.length === 0 && text.trim()) problems.push(`text outside the root: ${text.slice(0, 40)}`);
      checkChars(text, 'text');
      if (text.includes(']]>')) problems.push("']]>' in text");
    }
    if (lt < 0) break;
    rest = rest.slice(lt);
    const m = token.exec(rest);
    if (!m) {
      problems.push(`malformed markup at: ${rest.slice(0, 60)}`);
      break;
    }
    const [whole, closing, opening, attrs = '', selfClosing] = m;
    if (closing) {
      const open = stack.pop();
      if (open !== closing) problems.push(`</${closing}> closes <${open ?? 'nothing'}>`);
    } else if (opening) {
      if (stack.length === 0) roots += 1;
      const seen = new Set<string>();
      for (const a of attrs.matchAll(new RegExp(`(${name})\\s*=\\s*(?:"([^"]*)"|'([^']*)')`, 'g'))) {
        if (seen.has(a[1] ?? '')) problems.push(`attribute ${a[1]} repeated on <${opening}>`);
        seen.add(a[1] ?? '');
        checkChars(a[2] ?? a[3] ?? '', `attribute ${a[1]} of <${opening}>`);
      }
      if (!selfClosing) stack.push(opening);
    }
    rest = rest.slice(whole.length);
  }
  if (stack.length) problems.push(`unclosed: ${stack.join(' > ')}`);
  if (roots !== 1) problems.push(`${roots} root elements`);
  return problems;
}
