// The switchyard.dev/v1alpha1 API: zod schemas are the single source of truth for types, validation and CRDs.
export * from './common.ts';
export * from './provider.ts';
export * from './modelroute.ts';
export * from './quota.ts';
export * from './secret.ts';
export * from './conditions.ts';
