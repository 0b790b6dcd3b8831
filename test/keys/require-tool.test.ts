import { toolAvailable } from './require-tool';

describe('toolAvailable', () => {
  test('false for a missing tool', () => {
    expect(toolAvailable('isb-no-such-tool-xyz')).toBe(false);
  });
  test('true for a tool that is there (node itself)', () => {
    expect(toolAvailable(process.execPath, ['--version'])).toBe(true);
  });
});
