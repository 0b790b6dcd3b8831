import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Writes every file or none: all content is first written to a staging folder inside
 * `outdir`, then each file is renamed into place. A failure while staging leaves `outdir`
 * as it was.
 */
export function writeArtifacts(outdir: string, files: ReadonlyMap<string, string>): string[] {
  fs.mkdirSync(outdir, { recursive: true });
  const staging = fs.mkdtempSync(path.join(outdir, '.isb-staging-'));
  const written: string[] = [];
  try {
    for (const [rel, content] of files) {
      if (path.isAbsolute(rel) || rel.split('/').includes('..')) throw new Error(`refusing to write outside the output folder: ${rel}`);
      const target = path.join(staging, rel);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, content, { mode: 0o644 });
    }
    for (const rel of [...files.keys()].sort()) {
      const dest = path.join(outdir, rel);
      fs.mkdirSync(path.dirname(dest), { recursive: true });
      fs.renameSync(path.join(staging, rel), dest);
      written.push(rel);
    }
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
  return written;
}
