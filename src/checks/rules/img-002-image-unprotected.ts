import { Engine, matchImage } from '../matchers/engine';
import { CheckContext, RawFinding, Rule } from '../types';
import { hasExpression, kyvernoEntries, objectsOfKind, PROBE_DIGEST, pushedImages } from '../views';
import { clusterPath, q } from './util';

/** The pod-spec spellings of a pushed image that a policy must cover. */
export function podForms(image: string): string[] {
  return [`${image}:v1.2.3`, `${image}@${PROBE_DIGEST}`, `${image}:v1.2.3@${PROBE_DIGEST}`];
}

function safeMatch(engine: Engine, pattern: string, image: string): boolean {
  try {
    return matchImage(engine, pattern, image).matched;
  } catch {
    return false;
  }
}

export interface EnginePatterns {
  readonly engine: Engine;
  readonly cluster: string;
  readonly where: string;
  readonly include: readonly string[];
  readonly skip: readonly string[];
  /** the form the engine compares at admission for a pod-spec image */
  readonly admissionForms: (image: string) => string[];
}

/** Every enabled engine's patterns in the final cluster objects. */
export function enginePatterns(ctx: CheckContext): EnginePatterns[] {
  const out: EnginePatterns[] = [];
  for (const e of kyvernoEntries(ctx.artifacts)) {
    out.push({
      engine: 'kyverno', cluster: e.cluster, where: e.where,
      include: e.entry.imageReferences ?? [], skip: e.entry.skipImageReferences ?? [], admissionForms: podForms,
    });
  }
  for (const p of objectsOfKind(ctx.artifacts, 'ImageValidatingPolicy')) {
    out.push({
      engine: 'kyverno-ivpol', cluster: p.cluster, where: p.where,
      include: (p.policy.spec?.matchImageReferences ?? []).map((m: any) => m.glob).filter((g: unknown) => typeof g === 'string'),
      skip: [], admissionForms: podForms,
    });
  }
  for (const p of objectsOfKind(ctx.artifacts, 'ClusterImagePolicy')) {
    out.push({
      engine: 'policy-controller', cluster: p.cluster, where: p.where,
      include: (p.policy.spec?.images ?? []).map((i: any) => i.glob).filter((g: unknown) => typeof g === 'string'),
      skip: [],
      // the webhook resolves tags and matches `registry/repo@sha256:…`
      admissionForms: (image) => [`${image}@${PROBE_DIGEST}`],
    });
  }
  return out;
}

export const ISB_IMG_002: Rule = {
  id: 'ISB-IMG-002',
  level: 'error',
  title: 'A pushed image is matched by no policy pattern of an enabled engine',
  explanation: 'Each admission engine matches image patterns with its own semantics (Kyverno: wildcard over the '
    + 'normalized name; ImageValidatingPolicy: glob over the raw pod-spec string; policy-controller: anchored glob '
    + 'over the digest-resolved name, where * stops at "/"). A pattern that does not match the image the workflow '
    + 'pushes protects nothing: unsigned builds of that image are admitted.',
  fix: 'Let the blueprint derive the patterns (omit imageReferences), or write patterns for the engine\'s matcher '
    + '(check with `image-signing-blueprint match`).',
  check(ctx) {
    const out: RawFinding[] = [];
    const engines = enginePatterns(ctx);
    const byCluster = new Map<string, EnginePatterns[]>();
    for (const e of engines) byCluster.set(`${e.cluster}/${e.engine}`, [...(byCluster.get(`${e.cluster}/${e.engine}`) ?? []), e]);
    const images = pushedImages(ctx.artifacts).filter((p) => !hasExpression(p.image));
    for (const [key, group] of byCluster) {
      const [cluster, engine] = key.split('/');
      for (const { image } of images) {
        for (const form of group[0].admissionForms(image)) {
          const covered = group.some((g) => g.include.some((pat) => safeMatch(g.engine, pat, form))
            && !g.skip.some((pat) => safeMatch(g.engine, pat, form)));
          if (!covered) {
            out.push({
              path: clusterPath(ctx.model, cluster),
              message: `cluster ${q(cluster)}: no ${engine} policy pattern matches ${q(form)} (an image the workflow pushes); `
                + `patterns: ${group.flatMap((g) => g.include).map((p) => q(p)).join(', ') || 'none'}`,
            });
            break;
          }
        }
      }
    }
    return out;
  },
};
