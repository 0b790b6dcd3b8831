import { Rule } from '../types';
import { ISB_CFG_001 } from './cfg-001-config-valid';
import { ISB_ID_001 } from './id-001-regexp-anchored';
import { ISB_ID_002 } from './id-002-subject-matches-san';
import { ISB_ID_003 } from './id-003-issuer';
import { ISB_ID_004 } from './id-004-refs-match-triggers';
import { ISB_ID_005 } from './id-005-keyless-pull-request';
import { ISB_IMG_001 } from './img-001-image-reference';
import { ISB_IMG_002 } from './img-002-image-unprotected';
import { ISB_IMG_003 } from './img-003-pattern-too-broad';
import { ISB_IMG_004 } from './img-004-shared-pattern';
import { ISB_KEY_001 } from './key-001-policy-key-matches';
import { ISB_KEY_002 } from './key-002-secret-names';
import { ISB_KEY_003 } from './key-003-no-secret-material';
import { ISB_KEY_004 } from './key-004-previous-key-expired';
import { ISB_KEY_005 } from './key-005-kms-key-matches';
import { ISB_NET_001 } from './net-001-airgapped-keyless';
import { ISB_NET_002 } from './net-002-airgapped-public-tuf';
import { ISB_POL_001 } from './pol-001-enforcement';
import { ISB_POL_002 } from './pol-002-background';
import { ISB_POL_003 } from './pol-003-format-readable';
import { ISB_POL_004 } from './pol-004-tlog-agreement';
import { ISB_POL_005 } from './pol-005-kyverno-version';
import { ISB_POL_006 } from './pol-006-attestations-produced';
import { ISB_POL_007 } from './pol-007-cip-signature-verified';
import { ISB_POL_008 } from './pol-008-trust-root-agreement';
import { ISB_REG_001 } from './reg-001-registry-support';
import { ISB_WF_001 } from './wf-001-sign-by-digest';
import { ISB_WF_002 } from './wf-002-actions-pinned';
import { ISB_WF_003 } from './wf-003-permissions';
import { ISB_WF_004 } from './wf-004-recursive';
import { ISB_WF_005 } from './wf-005-action-runtime';
import { ISB_WF_006 } from './wf-006-signer-workflow-shared';

/** The rule catalogue, in documentation order. */
export const RULES: readonly Rule[] = [
  ISB_IMG_001, ISB_IMG_002, ISB_IMG_003, ISB_IMG_004,
  ISB_ID_001, ISB_ID_002, ISB_ID_003, ISB_ID_004, ISB_ID_005,
  ISB_KEY_001, ISB_KEY_002, ISB_KEY_003, ISB_KEY_004, ISB_KEY_005,
  ISB_POL_001, ISB_POL_002, ISB_POL_003, ISB_POL_004, ISB_POL_005, ISB_POL_006, ISB_POL_007, ISB_POL_008,
  ISB_WF_001, ISB_WF_002, ISB_WF_003, ISB_WF_004, ISB_WF_005, ISB_WF_006,
  ISB_REG_001, ISB_NET_001, ISB_NET_002, ISB_CFG_001,
];
