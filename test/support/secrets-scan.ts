import * as fs from 'node:fs';
import * as path from 'node:path';

export function listFilesRecursive(root: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(root, { withFileTypes: true })) {
    const p = path.join(root, e.name);
    if (e.isDirectory()) out.push(...listFilesRecursive(p));
    else out.push(p);
  }
  return out;
}

/** Files under root that contain any of the needles (never prints the needles). */
export function filesContaining(root: string, needles: string[]): string[] {
  return listFilesRecursive(root).filter((f) => {
    const text = fs.readFileSync(f, 'utf8');
    return needles.some((n) => n.length > 0 && text.includes(n));
  });
}
