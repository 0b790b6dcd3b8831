import { Rule } from '../types';

/**
 * The loader's refusals (config/): schema and cross-field problems without a more specific rule.
 * The rule runs before there is a model, so its findings come from the loader (see
 * checks/config-findings.ts), never from `check`.
 */
export const ISB_CFG_001: Rule = {
  id: 'ISB-CFG-001',
  level: 'error',
  title: 'The blueprint config is refused by the loader',
  explanation: 'A value has the wrong type or format, a required field is missing, two fields contradict each other, '
    + 'or a file the config names (public key, trusted root, base blueprint) is missing or unreadable. Nothing can '
    + 'be rendered from such a config. Refusals that are instances of a more specific rule carry that rule\'s id '
    + 'instead (an invalid image name is ISB-IMG-001, a signature format the engine cannot read ISB-POL-003, '
    + 'keyless signing without the transparency log ISB-POL-004).',
  fix: 'Fix the value at the reported config path (file and line are given); `image-signing-blueprint init` writes a valid starter config.',
  check() {
    return [];
  },
};
