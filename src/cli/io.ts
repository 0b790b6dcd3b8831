/**
 * What a CLI command may touch besides the file system: its streams and environment.
 * Tests pass a captured Io; bin/ passes the process.
 */
export interface CliIo {
  readonly env: Record<string, string | undefined>;
  /** working directory relative paths resolve against */
  readonly cwd: string;
  /** true when stdin is a terminal (prompts allowed) */
  readonly stdinIsTty: boolean;
  /** true when stdout is a terminal (colour allowed) */
  readonly stdoutIsTty?: boolean;
  /** write to standard output (no newline added) */
  out(text: string): void;
  /** write to standard error (no newline added) */
  err(text: string): void;
  /** reads all of standard input (used for passwords when not on a TTY) */
  readStdin(): Promise<string>;
  /** prompts on the terminal without echo; only called when stdinIsTty */
  promptHidden(question: string): Promise<string>;
}

export function processIo(): CliIo {
  // `... | head`: when the reader goes away, stop writing instead of dying on an unhandled EPIPE
  // (Node would print its stack trace, which only --debug may do)
  let stdoutClosed = false;
  let stderrClosed = false;
  if (process.stdout.listenerCount('error') === 0) {
    process.stdout.on('error', (e: NodeJS.ErrnoException) => {
      stdoutClosed = true;
      if (e.code !== 'EPIPE') process.exitCode = 1;
    });
  }
  if (process.stderr.listenerCount('error') === 0) {
    process.stderr.on('error', () => { stderrClosed = true; });
  }
  return {
    out: (t) => { if (!stdoutClosed) process.stdout.write(t); },
    err: (t) => { if (!stderrClosed) process.stderr.write(t); },
    env: process.env,
    cwd: process.cwd(),
    stdinIsTty: Boolean(process.stdin.isTTY),
    stdoutIsTty: Boolean(process.stdout.isTTY),
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const c of process.stdin) chunks.push(Buffer.from(c));
      return Buffer.concat(chunks).toString('utf8');
    },
    promptHidden: (question: string) => new Promise<string>((resolve, reject) => {
      const stdin = process.stdin;
      process.stderr.write(question);
      let value = '';
      const onData = (buf: Buffer) => {
        for (const ch of buf.toString('utf8')) {
          if (ch === '\r' || ch === '\n' || ch === '\u0004') {
            cleanup();
            process.stderr.write('\n');
            resolve(value);
            return;
          }
          if (ch === '\u0003') {
            cleanup();
            reject(new Error('interrupted'));
            return;
          }
          if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
          else value += ch;
        }
      };
      const cleanup = () => {
        stdin.removeListener('data', onData);
        if (stdin.isTTY) stdin.setRawMode(false);
        stdin.pause();
      };
      if (stdin.isTTY) stdin.setRawMode(true);
      stdin.resume();
      stdin.on('data', onData);
    }),
  };
}

/** A captured Io for tests. */
export function memoryIo(opts: { env?: Record<string, string | undefined>; cwd?: string; stdin?: string } = {}):
CliIo & { stdout: () => string; stderr: () => string } {
  let out = '';
  let err = '';
  return {
    out: (t) => { out += t; },
    err: (t) => { err += t; },
    env: opts.env ?? {},
    cwd: opts.cwd ?? process.cwd(),
    stdinIsTty: false,
    readStdin: async () => opts.stdin ?? '',
    promptHidden: async () => { throw new Error('no TTY in memoryIo'); },
    stdout: () => out,
    stderr: () => err,
  };
}
