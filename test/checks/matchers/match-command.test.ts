import { matchCommand } from '../../../src/cli/commands/match';
import { memoryIo } from '../../../src/cli/io';

describe('matchCommand', () => {
  test('match: exit 0, prints engine, pattern and the compared string', async () => {
    const io = memoryIo();
    const code = await matchCommand({ engine: 'kyverno' }, 'docker.io/nginx*', 'nginx', io);
    expect(code).toBe(0);
    expect(io.stdout()).toMatch(/^match\n/);
    expect(io.stdout()).toContain('engine:   kyverno');
    expect(io.stdout()).toContain('pattern:  docker.io/nginx*');
    expect(io.stdout()).toContain('compared: docker.io/nginx:latest');
    expect(io.stderr()).toBe('');
  });

  test('no match: exit 1, says why', async () => {
    const io = memoryIo();
    const code = await matchCommand({ engine: 'kyverno' }, 'docker.io/library/nginx*', 'nginx', io);
    expect(code).toBe(1);
    expect(io.stdout()).toMatch(/^no match\n/);
    expect(io.stdout()).toContain('compared: docker.io/nginx:latest');
    expect(io.stdout()).toContain('does not match');
  });

  test('policy-controller compares the fully qualified name', async () => {
    const io = memoryIo();
    expect(await matchCommand({ engine: 'policy-controller' }, 'ghcr.io/acme/*', 'ghcr.io/acme/team/app:v1', io)).toBe(1);
    expect(io.stdout()).toContain('compared: ghcr.io/acme/team/app:v1');
    const io2 = memoryIo();
    expect(await matchCommand({ engine: 'policy-controller' }, 'index.docker.io/library/*', 'nginx', io2)).toBe(0);
    expect(io2.stdout()).toContain('compared: index.docker.io/library/nginx:latest');
  });

  test('kyverno-ivpol compares the raw string', async () => {
    const io = memoryIo();
    expect(await matchCommand({ engine: 'kyverno-ivpol' }, 'ghcr.io/acme/{app,api}:*', 'ghcr.io/acme/api:1', io)).toBe(0);
    expect(io.stdout()).toContain('compared: ghcr.io/acme/api:1');
  });

  test('unknown engine: exit 2, one line naming the value and the allowed engines', async () => {
    const io = memoryIo();
    expect(await matchCommand({ engine: 'gatekeeper' }, '*', 'nginx', io)).toBe(2);
    expect(io.stderr()).toBe('error: unknown engine "gatekeeper" (allowed: kyverno, kyverno-ivpol, policy-controller)\n');
    expect(io.stdout()).toBe('');
  });

  test.each([
    ['policy-controller', 'ghcr.io/acme/app?', 'ghcr.io/acme/app', 'ghcr.io/acme/app?'],
    ['kyverno-ivpol', 'ghcr.io/[acme', 'ghcr.io/acme/app', 'ghcr.io/[acme'],
    ['kyverno', '*', 'Bad/Image', 'Bad/Image'],
    ['policy-controller', '**', 'ghcr.io/Acme/app', 'ghcr.io/Acme/app'],
  ])('%s: invalid pattern or image → exit 2 naming it (%j, %j)', async (engine, pattern, image, named) => {
    const io = memoryIo();
    expect(await matchCommand({ engine }, pattern, image, io)).toBe(2);
    expect(io.stderr()).toContain(JSON.stringify(named));
    expect(io.stderr().trimEnd().split('\n')).toHaveLength(1);
    expect(io.stdout()).toBe('');
  });
});
