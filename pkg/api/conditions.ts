// Condition types and reasons: the stable vocabulary of status the controller and `switchyard validate` report.
export const ConditionType = {
  Accepted: 'Accepted',
  ResolvedRefs: 'ResolvedRefs',
  Programmed: 'Programmed',
  Healthy: 'Healthy',
  Exceeded: 'Exceeded',
} as const;
export type ConditionTypeName = (typeof ConditionType)[keyof typeof ConditionType];

export const Reason = {
  // Accepted
  Accepted: 'Accepted',
  Invalid: 'Invalid',
  /** Lost to another object: an older route holds the model name, or another object has the same name or key. */
  Conflict: 'Conflict',
  UnsupportedValue: 'UnsupportedValue',
  UnsafeBaseURL: 'UnsafeBaseURL',
  NoUsableTargets: 'NoUsableTargets',
  // ResolvedRefs
  ResolvedRefs: 'ResolvedRefs',
  ProviderNotFound: 'ProviderNotFound',
  ProviderNotAccepted: 'ProviderNotAccepted',
  SecretNotFound: 'SecretNotFound',
  SecretKeyNotFound: 'SecretKeyNotFound',
  ModelNotListed: 'ModelNotListed',
  InvalidSecretValue: 'InvalidSecretValue',
  RouteNotFound: 'RouteNotFound',
  /** The targets and fallbacks of a route have no capability (chat, embeddings, ...) in common. */
  CapabilityMismatch: 'CapabilityMismatch',
  /** No target or fallback of a route can serve any client API of an operation its models declare (provider descriptors). */
  ClientApiUnsupported: 'ClientApiUnsupported',
} as const;
export type ReasonName = (typeof Reason)[keyof typeof Reason];
