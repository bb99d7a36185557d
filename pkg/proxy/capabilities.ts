// Which client operations a target can serve, from its Provider's declared model capabilities (design §3, issue 6
// point 4). Decided once per target when the table loads; the request path only reads booleans.
//
// Rule: an operation is served when the model lists the capability of the same name (`chat` for chat completions,
// `embeddings` for embeddings). A model the Provider does not list, or a Provider whose models are not listed
// (modelsListed=false, "any model"), can serve any operation: nothing declared, nothing to enforce.
import type { Operation } from '../providers/types.ts';
import type { TableProvider } from '../table/types.ts';

export type OperationSet = Readonly<Record<Operation, boolean>>;

export const OPERATIONS: readonly Operation[] = ['chat', 'embeddings'];

export const ANY_OPERATION: OperationSet = Object.freeze({ chat: true, embeddings: true });

export interface TargetOperations {
  readonly ops: OperationSet;
  /** The declared capabilities; null when nothing is declared (any operation). */
  readonly capabilities: readonly string[] | null;
}

export function targetOperations(provider: TableProvider, model: string): TargetOperations {
  if (!provider.modelsListed || !Object.hasOwn(provider.models, model)) return { ops: ANY_OPERATION, capabilities: null };
  const capabilities = provider.models[model]?.capabilities ?? [];
  return { ops: { chat: capabilities.includes('chat'), embeddings: capabilities.includes('embeddings') }, capabilities };
}

const OPERATION_TEXT: Readonly<Record<Operation, string>> = { chat: 'chat completions', embeddings: 'embeddings' };

/** The 400 message: names the model, the refused operation and what the route's targets declare. */
export function unsupportedMessage(model: string, op: Operation, declared: readonly string[]): string {
  const what = declared.length === 0 ? 'no capabilities' : declared.join(', ');
  return `The model ${JSON.stringify(model)} does not support ${OPERATION_TEXT[op]}: its providers declare ${what}.`;
}
