export * from './config/types';
export * from './blueprint';
export * from './github/signing-stack';
export * from './cluster/admission-chart';
