import { BlueprintError } from '../errors';

/**
 * Where the private key password comes from, in cosign's order
 * (`cmd/cosign/cli/generate/generate_key_pair.go` `readPasswordFn`):
 *  1. the `COSIGN_PASSWORD` environment variable when it is set, even to an empty string;
 *  2. otherwise, on a terminal, a hidden prompt (asked twice when `confirm`);
 *  3. otherwise all of standard input, used as-is.
 *
 * Choice for stdin: like cosign (`io.ReadAll(os.Stdin)`) nothing is stripped, so
 * `echo secret | ...` makes the password `secret\n`. Use `printf %s secret | ...` or
 * COSIGN_PASSWORD. We only warn (on stderr) when the piped password ends with a newline.
 * (skopeo's `--sign-passphrase-file` strips one trailing newline; cosign does not.)
 * Never read from argv. Internal: not part of the jsii API.
 */

export const PASSWORD_ENV = 'COSIGN_PASSWORD';
export const PASSWORD_PROMPT = 'Enter password for private key: ';
export const PASSWORD_CONFIRM_PROMPT = 'Enter password for private key again: ';

export type PasswordSource = 'env' | 'prompt' | 'stdin';

/**
 * What reading a password needs of the process: the environment, whether stdin is a terminal, a
 * hidden prompt, stdin and stderr. The CLI's `CliIo` is one; declared here so the key layer needs
 * nothing from the CLI.
 */
export interface PasswordIo {
  readonly env: Record<string, string | undefined>;
  readonly stdinIsTty: boolean;
  err(text: string): void;
  readStdin(): Promise<string>;
  promptHidden(question: string): Promise<string>;
}

export interface ReadPasswordOptions {
  /** ask twice on a terminal (key generation) */
  readonly confirm?: boolean;
}

export interface PasswordResult {
  readonly password: string;
  readonly source: PasswordSource;
}

export async function readPassword(io: PasswordIo, opts: ReadPasswordOptions = {}): Promise<PasswordResult> {
  const fromEnv = io.env[PASSWORD_ENV];
  if (fromEnv !== undefined) return { password: fromEnv, source: 'env' };
  if (io.stdinIsTty) {
    const first = await io.promptHidden(PASSWORD_PROMPT);
    if (opts.confirm) {
      const second = await io.promptHidden(PASSWORD_CONFIRM_PROMPT);
      if (first !== second) {
        throw new BlueprintError('KEY_PASSWORD_MISMATCH', 'passwords do not match',
          { fix: 'type the same password twice' });
      }
    }
    return { password: first, source: 'prompt' };
  }
  const piped = await io.readStdin();
  if (/\r?\n$/.test(piped)) {
    io.err('warning: the password read from stdin ends with a newline; it is used as-is, like cosign does '
      + `(pipe it with printf '%s' or set ${PASSWORD_ENV} to avoid that)\n`);
  }
  return { password: piped, source: 'stdin' };
}
