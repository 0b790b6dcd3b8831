export * from './config/types';
export * from './blueprint';
export * from './customize';
export * from './github/signing-stack';
export * from './github/org-secrets-stack';
export * from './cluster/admission-chart';
export * from './checks/public';
export * from './verify/image-verifier';
