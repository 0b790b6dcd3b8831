import { isImageName, parseImageName } from '../../config/image-name';
import { Rule } from '../types';
import { hasExpression, pushedImages } from '../views';
import { q, repoPath } from './util';

export const ISB_IMG_001: Rule = {
  id: 'ISB-IMG-001',
  level: 'error',
  title: 'Image reference invalid, not fully qualified, or not lowercase',
  explanation: 'Every image the workflow pushes and every policy protects must be a fully qualified, lowercase '
    + 'name. GHCR rejects uppercase repository names, and an unqualified name is normalized differently by each '
    + 'admission engine (docker.io vs index.docker.io/library), so a policy written for one spelling silently '
    + 'misses the other.',
  fix: 'Write the image as registry/path in lowercase, e.g. ghcr.io/acme/web.',
  check(ctx) {
    const out = [];
    for (const p of pushedImages(ctx.artifacts)) {
      if (hasExpression(p.image)) {
        out.push({
          path: repoPath(ctx.model, p.repo),
          message: `the workflow pushes ${q(p.image)}, which is only known at run time (${p.step.where}); it could not be checked`,
          level: 'warning' as const,
          fix: 'name the image literally; never interpolate ${{ github.repository }} (it keeps uppercase letters)',
        });
        continue;
      }
      const parsed = parseImageName(p.image);
      if (!isImageName(parsed)) {
        out.push({ path: repoPath(ctx.model, p.repo), message: `the workflow pushes ${q(p.image)}: it ${parsed.message} (${p.step.where})`, fix: parsed.fix });
      }
    }
    return out;
  },
};
