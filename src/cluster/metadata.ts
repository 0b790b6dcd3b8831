import { createHash } from 'node:crypto';

/*
 * Names, labels and annotations every rendered Kubernetes object shares (one level below the
 * renderers, so they import it instead of each other).
 */

/** Namespaces never subjected to the policy (the cluster's own machinery). */
export const SYSTEM_NAMESPACES = ['kube-system', 'kube-public', 'kube-node-lease', 'kyverno'];

export const BLUEPRINT_ANNOTATION = 'image-signing-blueprint/blueprint';
export const MANAGED_BY_LABEL = { 'app.kubernetes.io/managed-by': 'image-signing-blueprint' };

/** A Kubernetes object name of at most 63 characters, stable for the same inputs. */
export function boundedName(...parts: string[]): string {
  const full = parts.join('-');
  if (full.length <= 63) return full;
  const hash = createHash('sha256').update(full).digest('hex').slice(0, 8);
  return `${full.slice(0, 54).replace(/-+$/, '')}-${hash}`;
}
