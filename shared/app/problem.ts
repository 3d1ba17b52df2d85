/**
 * RFC 9457 problem details: the one shape of every error the HTTP endpoints answer (ops, feeds,
 * assets, the local server's own refusals). `detail` is the human sentence (it names the field at
 * fault); `errors` lists each field at fault with a JSON pointer; `reason` (and `offer`) carry a
 * machine-readable refusal, such as a replay's. `error` and `problems` repeat `detail` and the
 * fields' lines for clients of the earlier `{error, problems}` shape (RFC 9457 §3.2 extensions).
 */
const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';

/** Titles of the statuses Loa answers with; others fall back to "Error". */
const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  410: 'Gone',
  413: 'Content Too Large',
  421: 'Misdirected Request',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

/** One field at fault: its dotted path, a JSON pointer into the request, and what is wrong. */
interface FieldProblem {
  field: string;
  pointer: string;
  detail: string;
}

interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: FieldProblem[];
  reason?: string;
  offer?: string;
  /** Extension members kept for clients written before problem details: `detail`, and the `path: message` lines. */
  error: string;
  problems?: string[];
}

export interface ProblemExtras {
  /** `path: message` lines, as `describeIssues` writes them. */
  problems?: readonly string[];
  /** A short machine-readable cause (`article-withdrawn`, `expired`, ...); also names `type`. */
  reason?: string;
  offer?: string;
}

/** `channels.0.url: Invalid URL` → `{field: 'channels.0.url', pointer: '/channels/0/url', detail}`. */
function fieldProblem(line: string): FieldProblem {
  const at = line.indexOf(': ');
  const field = at < 0 ? '(root)' : line.slice(0, at);
  const detail = at < 0 ? line : line.slice(at + 2);
  const pointer =
    field === '(root)'
      ? ''
      : `/${field
          .split('.')
          .map((s) => s.replaceAll('~', '~0').replaceAll('/', '~1'))
          .join('/')}`;
  return { field, pointer, detail };
}

/** The problem document for a status and a human sentence. */
function problemOf(status: number, detail: string, extras: ProblemExtras = {}): Problem {
  const slug = extras.reason ?? (extras.problems?.length ? 'invalid-request' : undefined);
  return {
    // `about:blank` means "nothing beyond the status" (RFC 9457 §4.2.1); a reason gets its own URN.
    type: slug ? `urn:loa:problem:${slug}` : 'about:blank',
    title: TITLES[status] ?? 'Error',
    status,
    detail,
    ...(extras.problems?.length && { errors: extras.problems.map(fieldProblem) }),
    ...(extras.reason && { reason: extras.reason }),
    ...(extras.offer && { offer: extras.offer }),
    error: detail,
    ...(extras.problems?.length && { problems: [...extras.problems] }),
  };
}

/** The body and content type of a problem response. */
export function problemBody(
  status: number,
  detail: string,
  extras?: ProblemExtras,
): { contentType: string; body: string } {
  return { contentType: PROBLEM_CONTENT_TYPE, body: JSON.stringify(problemOf(status, detail, extras)) };
}
