import * as fs from 'node:fs';
import * as path from 'node:path';
import { MANIFEST_FILE, writeArtifactsDetailed } from '../../src/synth/write';
import { tempDir } from '../support/fixtures';

/** A folder that does not exist yet is moved into place whole; existing folders get file by file renames. */
describe('synth moves new folders in one rename', () => {
  const files = new Map([['a/b/c.txt', 'c'], ['a/b/d.txt', 'd'], ['a/e.txt', 'e'], ['top.txt', 't']]);
  const counting = () => {
    const calls: string[] = [];
    const renameSync = (from: string, to: string) => {
      if (!to.endsWith(MANIFEST_FILE)) calls.push(to);
      fs.renameSync(from, to);
    };
    return { calls, renameSync };
  };
  const read = (out: string) => Object.fromEntries([...files.keys()].map((k) => [k, fs.readFileSync(path.join(out, k), 'utf8')]));

  test('fresh output folder: one rename for a/, one for top.txt; every file in place and listed', () => {
    const out = path.join(tempDir(), 'out');
    const { calls, renameSync } = counting();
    const r = writeArtifactsDetailed(out, files, { renameSync });
    expect(calls.map((c) => path.relative(out, c))).toEqual(['a', 'top.txt']);
    expect(r.written).toEqual([...files.keys()].sort());
    expect(read(out)).toEqual(Object.fromEntries(files));
    expect(fs.readdirSync(out).filter((f) => f.startsWith('.isb-staging-'))).toEqual([]);
  });

  test('existing a/ (from an earlier synth) but no a/b/: a/b moves whole, a/e.txt by itself', () => {
    const out = path.join(tempDir(), 'out');
    writeArtifactsDetailed(out, new Map([['a/e.txt', 'old e']]));
    const { calls, renameSync } = counting();
    writeArtifactsDetailed(out, files, { renameSync });
    expect(calls.map((c) => path.relative(out, c))).toEqual(['a/b', 'a/e.txt', 'top.txt']);
    expect(read(out)).toEqual(Object.fromEntries(files));
    const manifest = JSON.parse(fs.readFileSync(path.join(out, MANIFEST_FILE), 'utf8'));
    expect(Object.keys(manifest.files).sort()).toEqual([...files.keys()].sort());
  });
});
