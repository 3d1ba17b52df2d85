/**
 * What the CLI's end-to-end tests share: a local Loa with one agreement whose partner refuses, its
 * articles already failed there; and `loa` run in this process against it, its output captured.
 */
import { runCli } from '#infra/cli/main.ts';
import { OPS_TOKEN, startTestLoa, type TestLoa } from './local-loa.ts';
import { approve, createAgreement } from './ops-fixtures.ts';
import { Receiver, type Reply } from './receiver.ts';

export interface RefusingPartner {
  loa: TestLoa;
  partner: Receiver;
  close(): Promise<void>;
}

/**
 * Starts a partner that answers `refusal` at `path`, a local Loa with agreement `agreementId` sending
 * there, and approves `articles` (in order), waiting until their deliveries settle (failed).
 */
export async function startWithRefusingPartner(opts: {
  agreementId: string;
  path: string;
  refusal: Reply;
  articles: string[];
}): Promise<RefusingPartner> {
  const partner = await new Receiver().start();
  partner.script(opts.path, [], opts.refusal);
  const loa = await startTestLoa();
  await createAgreement(loa, opts.agreementId, `${partner.baseUrl}${opts.path}`);
  for (const articleId of opts.articles) await approve(loa, articleId);
  await loa.settled();
  return {
    loa,
    partner,
    async close() {
      await loa.close();
      await partner.stop();
    },
  };
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `loa args` in this process against `loa` (its endpoint and ops token; `env` adds to them),
 * stdout a terminal only with `tty`; a job is polled every 50 ms at most, not every 500.
 */
export async function runLoa(
  loa: Pick<TestLoa, 'baseUrl'>,
  args: string[],
  opts: { tty?: boolean; env?: Record<string, string>; stdin?: string; until?: Promise<void> } = {},
): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    stdout: { write: (s: string) => (stdout += s), isTTY: opts.tty ?? false },
    stderr: { write: (s: string) => (stderr += s) },
    env: { LOA_ENDPOINT: loa.baseUrl, LOA_OPS_TOKEN: OPS_TOKEN, ...opts.env },
    readStdin: async () => opts.stdin ?? '',
    sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 50))),
    ...(opts.until && { until: opts.until }),
  });
  return { code, stdout, stderr };
}
