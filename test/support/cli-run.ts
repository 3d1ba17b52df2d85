import { runCli } from '#infra/cli/main.ts';
import { OPS_TOKEN, type TestLoa } from './local-loa.ts';

/** Runs the loa CLI in this process against a local runtime with its ops token, stdin given, no waits. */
export async function cliAgainst(loa: Pick<TestLoa, 'baseUrl'>, args: string[], stdin = '') {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
    env: { LOA_ENDPOINT: loa.baseUrl, LOA_OPS_TOKEN: OPS_TOKEN },
    readStdin: async () => stdin,
    sleep: async () => undefined,
  });
  return { code, stdout, stderr };
}
