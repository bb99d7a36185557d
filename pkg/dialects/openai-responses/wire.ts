// Typed wire schemas of the OpenAI Responses API (`POST /v1/responses`), the subset this dialect reads and writes.
// Field names and shapes follow the official `openai` SDK's resources/responses/responses.d.ts. Request-side types
// describe what a client may send (everything optional or unknown-tolerant: decode validates); answer-side types are
// exactly what the encoder emits.

// ---- request ----------------------------------------------------------------------------------------------------

export interface InputTextPart {
  readonly type: 'input_text';
  readonly text: string;
}

export interface InputImagePart {
  readonly type: 'input_image';
  readonly image_url?: string | null;
  readonly file_id?: string | null;
  readonly detail?: 'low' | 'high' | 'auto' | 'original';
}

export interface InputFilePart {
  readonly type: 'input_file';
  readonly file_id?: string | null;
  /** A data URL ("data:application/pdf;base64,…") or bare base64. */
  readonly file_data?: string;
  readonly file_url?: string;
  readonly filename?: string;
}

/** Assistant history carries the parts the API produced. */
export interface OutputTextPart {
  readonly type: 'output_text';
  readonly text: string;
  readonly annotations: readonly unknown[];
}

export interface RefusalPart {
  readonly type: 'refusal';
  readonly refusal: string;
}

export type InputContentPart = InputTextPart | InputImagePart | InputFilePart | OutputTextPart | RefusalPart;

export interface MessageItemParam {
  readonly type?: 'message';
  readonly role: 'user' | 'assistant' | 'system' | 'developer';
  readonly content: string | readonly InputContentPart[];
}

export interface FunctionCallItemParam {
  readonly type: 'function_call';
  readonly call_id: string;
  readonly name: string;
  /** JSON text of the arguments object. */
  readonly arguments: string;
  readonly id?: string;
}

export interface FunctionCallOutputItemParam {
  readonly type: 'function_call_output';
  readonly call_id: string;
  readonly output: string | readonly (InputTextPart | InputImagePart | InputFilePart)[];
}

export interface ReasoningItem {
  readonly type: 'reasoning';
  readonly id: string;
  readonly summary: readonly { readonly type: 'summary_text'; readonly text: string }[];
  readonly content?: readonly { readonly type: 'reasoning_text'; readonly text: string }[];
  readonly encrypted_content?: string | null;
  readonly status?: ItemStatus;
}

export type InputItem = MessageItemParam | FunctionCallItemParam | FunctionCallOutputItemParam | ReasoningItem;

export interface FunctionToolParam {
  readonly type: 'function';
  readonly name: string;
  readonly description?: string | null;
  readonly parameters: Readonly<Record<string, unknown>> | null;
  readonly strict: boolean | null;
}

export type ToolChoiceParam = 'none' | 'auto' | 'required' | { readonly type: 'function'; readonly name: string };

export type TextFormat =
  | { readonly type: 'text' }
  | { readonly type: 'json_object' }
  | {
      readonly type: 'json_schema';
      readonly name: string;
      readonly schema: Readonly<Record<string, unknown>>;
      readonly strict?: boolean | null;
      readonly description?: string;
    };

export type ReasoningEffort = 'none' | 'minimal' | 'low' | 'medium' | 'high' | 'xhigh';

export interface ReasoningParam {
  readonly effort?: ReasoningEffort | null;
  readonly summary?: 'auto' | 'concise' | 'detailed' | null;
}

export interface ResponseCreateParams {
  readonly model: string;
  readonly input?: string | readonly InputItem[];
  readonly instructions?: string | null;
  readonly tools?: readonly FunctionToolParam[];
  readonly tool_choice?: ToolChoiceParam;
  readonly parallel_tool_calls?: boolean | null;
  readonly text?: { readonly format?: TextFormat };
  readonly reasoning?: ReasoningParam | null;
  readonly max_output_tokens?: number | null;
  readonly temperature?: number | null;
  readonly top_p?: number | null;
  readonly user?: string;
  readonly stream?: boolean | null;
  /** Stateful fields: only OpenAI itself keeps responses (see stateful.ts). */
  readonly store?: boolean | null;
  readonly previous_response_id?: string | null;
  readonly background?: boolean | null;
  readonly conversation?: unknown;
  readonly prompt?: unknown;
}

// ---- answer -----------------------------------------------------------------------------------------------------

export type ItemStatus = 'in_progress' | 'completed' | 'incomplete';

export interface OutputMessageItem {
  readonly type: 'message';
  readonly id: string;
  readonly role: 'assistant';
  readonly status: ItemStatus;
  readonly content: readonly OutputTextPart[];
}

export interface FunctionCallItem {
  readonly type: 'function_call';
  readonly id: string;
  readonly call_id: string;
  readonly name: string;
  readonly arguments: string;
  readonly status: ItemStatus;
}

export type OutputItem = OutputMessageItem | FunctionCallItem | ReasoningItem;

export interface ResponseUsage {
  readonly input_tokens: number;
  readonly input_tokens_details: { readonly cached_tokens: number; readonly cache_write_tokens: number };
  readonly output_tokens: number;
  readonly output_tokens_details: { readonly reasoning_tokens: number };
  readonly total_tokens: number;
}

export type ResponseStatus = 'completed' | 'incomplete' | 'in_progress';

export interface ResponseObject {
  readonly id: string;
  readonly object: 'response';
  readonly created_at: number;
  readonly status: ResponseStatus;
  readonly background: false;
  readonly error: null;
  readonly incomplete_details: { readonly reason: 'max_output_tokens' | 'content_filter' } | null;
  readonly instructions: string | null;
  readonly max_output_tokens: number | null;
  readonly metadata: Readonly<Record<string, string>>;
  readonly model: string;
  readonly output: readonly OutputItem[];
  readonly parallel_tool_calls: boolean;
  readonly previous_response_id: null;
  readonly reasoning: { readonly effort: ReasoningEffort | null; readonly summary: 'auto' | null };
  readonly store: false;
  readonly temperature: number | null;
  readonly text: { readonly format: TextFormat };
  readonly tool_choice: ToolChoiceParam;
  readonly tools: readonly FunctionToolParam[];
  readonly top_p: number | null;
  readonly truncation: 'disabled';
  /** Absent until the answer is complete (created / in_progress events carry none). */
  readonly usage?: ResponseUsage;
  readonly user?: string;
}

// ---- stream events (each also carries sequence_number, added by the encoder) --------------------------------------

export type StreamEventBody =
  | { readonly type: 'response.created' | 'response.in_progress' | 'response.completed' | 'response.incomplete'; readonly response: ResponseObject }
  | { readonly type: 'response.output_item.added' | 'response.output_item.done'; readonly output_index: number; readonly item: OutputItem }
  | {
      readonly type: 'response.content_part.added' | 'response.content_part.done';
      readonly item_id: string;
      readonly output_index: number;
      readonly content_index: number;
      readonly part: OutputTextPart;
    }
  | {
      readonly type: 'response.output_text.delta';
      readonly item_id: string;
      readonly output_index: number;
      readonly content_index: number;
      readonly delta: string;
      readonly logprobs: readonly never[];
    }
  | {
      readonly type: 'response.output_text.done';
      readonly item_id: string;
      readonly output_index: number;
      readonly content_index: number;
      readonly text: string;
      readonly logprobs: readonly never[];
    }
  | { readonly type: 'response.function_call_arguments.delta'; readonly item_id: string; readonly output_index: number; readonly delta: string }
  | { readonly type: 'response.function_call_arguments.done'; readonly item_id: string; readonly output_index: number; readonly name: string; readonly arguments: string }
  | {
      readonly type: 'response.reasoning_summary_part.added' | 'response.reasoning_summary_part.done';
      readonly item_id: string;
      readonly output_index: number;
      readonly summary_index: number;
      readonly part: { readonly type: 'summary_text'; readonly text: string };
    }
  | {
      readonly type: 'response.reasoning_summary_text.delta';
      readonly item_id: string;
      readonly output_index: number;
      readonly summary_index: number;
      readonly delta: string;
    }
  | {
      readonly type: 'response.reasoning_summary_text.done';
      readonly item_id: string;
      readonly output_index: number;
      readonly summary_index: number;
      readonly text: string;
    }
  /** ResponseErrorEvent: flat, as the SDK types it. */
  | { readonly type: 'error'; readonly code: string | null; readonly message: string; readonly param: string | null };
