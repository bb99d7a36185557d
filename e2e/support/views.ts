// What e2e tests read back from an object's status: its generation and conditions.
export interface ConditionView {
  readonly type: string;
  readonly status: string;
  readonly reason: string;
  readonly message: string;
  readonly observedGeneration?: number;
  readonly lastTransitionTime?: string;
}

export interface ObjectView {
  readonly generation: number;
  readonly resourceVersion: string;
  readonly observedGeneration?: number;
  readonly conditions: readonly ConditionView[];
}
