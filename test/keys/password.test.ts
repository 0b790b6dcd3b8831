import { CliIo, memoryIo } from '../../src/cli/io';
import { PASSWORD_CONFIRM_PROMPT, PASSWORD_PROMPT, readPassword } from '../../src/keys/password';

function ttyIo(answers: string[], env: Record<string, string | undefined> = {}) {
  const base = memoryIo({ env });
  const prompts: string[] = [];
  const readStdin = jest.fn(async () => 'from-stdin');
  const io: CliIo & { stderr: () => string } = {
    ...base,
    stdinIsTty: true,
    readStdin,
    promptHidden: async (q: string) => {
      prompts.push(q);
      const a = answers.shift();
      if (a === undefined) throw new Error('unexpected prompt');
      return a;
    },
  };
  return { io, prompts, readStdin };
}

describe('readPassword source order', () => {
  test('COSIGN_PASSWORD wins over TTY and stdin', async () => {
    const { io, prompts, readStdin } = ttyIo(['typed'], { COSIGN_PASSWORD: 'from-env' });
    expect(await readPassword(io, { confirm: true })).toEqual({ password: 'from-env', source: 'env' });
    expect(prompts).toEqual([]);
    expect(readStdin).not.toHaveBeenCalled();
  });

  test('COSIGN_PASSWORD set to the empty string is used (not treated as unset)', async () => {
    const io = memoryIo({ env: { COSIGN_PASSWORD: '' }, stdin: 'from-stdin' });
    expect(await readPassword(io)).toEqual({ password: '', source: 'env' });
  });

  test('COSIGN_PASSWORD is used as-is (no trimming)', async () => {
    const io = memoryIo({ env: { COSIGN_PASSWORD: ' pw \n' } });
    expect((await readPassword(io)).password).toBe(' pw \n');
  });

  test('TTY: prompts once when not confirming', async () => {
    const { io, prompts, readStdin } = ttyIo(['typed']);
    expect(await readPassword(io)).toEqual({ password: 'typed', source: 'prompt' });
    expect(prompts).toEqual([PASSWORD_PROMPT]);
    expect(readStdin).not.toHaveBeenCalled();
  });

  test('TTY: prompts twice for keygen and accepts a match', async () => {
    const { io, prompts } = ttyIo(['typed', 'typed']);
    expect(await readPassword(io, { confirm: true })).toEqual({ password: 'typed', source: 'prompt' });
    expect(prompts).toEqual([PASSWORD_PROMPT, PASSWORD_CONFIRM_PROMPT]);
  });

  test('TTY: mismatch is KEY_PASSWORD_MISMATCH and does not echo either password', async () => {
    const { io } = ttyIo(['first-secret', 'second-secret']);
    const p = readPassword(io, { confirm: true });
    await expect(p).rejects.toMatchObject({ code: 'KEY_PASSWORD_MISMATCH' });
    const e = (await p.catch((x: unknown) => x)) as Error;
    expect(e.message).not.toContain('first-secret');
    expect(e.message).not.toContain('second-secret');
  });

  test('no env, no TTY: all of stdin, as-is (cosign io.ReadAll), with a newline warning', async () => {
    const io = memoryIo({ stdin: 'piped\n' });
    expect(await readPassword(io)).toEqual({ password: 'piped\n', source: 'stdin' });
    expect(io.stderr()).toContain('ends with a newline');
    expect(io.stderr()).not.toContain('piped');
  });

  test('stdin without a trailing newline: no warning', async () => {
    const io = memoryIo({ stdin: 'pi ped' });
    expect((await readPassword(io)).password).toBe('pi ped');
    expect(io.stderr()).toBe('');
  });

  test('empty stdin gives the empty password', async () => {
    expect((await readPassword(memoryIo({ stdin: '' }))).password).toBe('');
  });

  test('argv is never a source: only env, prompt and stdin are consulted', async () => {
    const saved = process.argv;
    process.argv = [...saved, '--password', 'from-argv', 'COSIGN_PASSWORD=from-argv'];
    try {
      expect((await readPassword(memoryIo({ stdin: 'x' }))).password).toBe('x');
    } finally {
      process.argv = saved;
    }
  });

  test('reads the environment through io.env, not process.env', async () => {
    process.env.COSIGN_PASSWORD = 'from-process-env';
    try {
      expect((await readPassword(memoryIo({ env: {}, stdin: 'y' }))).password).toBe('y');
    } finally {
      delete process.env.COSIGN_PASSWORD;
    }
  });
});
