// Wire schemas of OpenAI Chat Completions (request, response, stream chunk), apart from translation (ADR 0016).
// The request schema is zod and validates what translation reads; objects are loose, so fields translation does not
// read pass untouched (the field policy lives in client-request.ts and README.md). Response and chunk are plain types:
// the provider side reads them defensively, the client side writes them.
import { z } from 'zod';

const textPart = z.looseObject({ type: z.literal('text'), text: z.string() });
const imageUrlPart = z.looseObject({
  type: z.literal('image_url'),
  image_url: z.looseObject({ url: z.string(), detail: z.string().optional() }),
});
const filePart = z.looseObject({
  type: z.literal('file'),
  file: z.looseObject({ file_id: z.string().optional(), file_data: z.string().optional(), filename: z.string().optional() }),
});
/** Parts the gateway recognises only to refuse them by name. */
const otherPart = z.looseObject({ type: z.enum(['input_audio', 'refusal']) });

export const userPartSchema = z.discriminatedUnion('type', [textPart, imageUrlPart, filePart, otherPart]);
export type WireUserPart = z.infer<typeof userPartSchema>;

const assistantPart = z.discriminatedUnion('type', [textPart, z.looseObject({ type: z.literal('refusal'), refusal: z.string() })]);

export const toolCallSchema = z.looseObject({
  id: z.string(),
  type: z.literal('function').optional(),
  function: z.looseObject({ name: z.string(), arguments: z.string() }),
});
export type WireToolCall = z.infer<typeof toolCallSchema>;

const nullish = <T extends z.ZodType>(t: T) => t.nullable().optional();

export const messageSchema = z.discriminatedUnion('role', [
  z.looseObject({ role: z.enum(['system', 'developer']), content: z.union([z.string(), z.array(textPart)]) }),
  z.looseObject({ role: z.literal('user'), content: z.union([z.string(), z.array(userPartSchema)]) }),
  z.looseObject({
    role: z.literal('assistant'),
    content: nullish(z.union([z.string(), z.array(assistantPart)])),
    refusal: nullish(z.string()),
    tool_calls: nullish(z.array(toolCallSchema)),
    reasoning_content: nullish(z.string()),
    function_call: z.unknown().optional(),
  }),
  z.looseObject({ role: z.literal('tool'), tool_call_id: z.string(), content: z.union([z.string(), z.array(textPart)]) }),
  z.looseObject({ role: z.literal('function') }),
]);
export type WireMessage = z.infer<typeof messageSchema>;

export const toolSchema = z.looseObject({
  type: z.literal('function'),
  function: z.looseObject({
    name: z.string(),
    description: z.string().optional(),
    parameters: z.record(z.string(), z.unknown()).optional(),
    strict: nullish(z.boolean()),
  }),
});

export const toolChoiceSchema = z.union([
  z.enum(['auto', 'none', 'required']),
  z.looseObject({ type: z.literal('function'), function: z.looseObject({ name: z.string() }) }),
]);

export const responseFormatSchema = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('text') }),
  z.looseObject({ type: z.literal('json_object') }),
  z.looseObject({
    type: z.literal('json_schema'),
    json_schema: z.looseObject({
      name: z.string(),
      description: z.string().optional(),
      schema: z.record(z.string(), z.unknown()).optional(),
      strict: nullish(z.boolean()),
    }),
  }),
]);

const count = z.number().int().nonnegative();

export const chatRequestSchema = z.looseObject({
  model: z.string().min(1),
  messages: z.array(messageSchema).min(1),
  tools: nullish(z.array(toolSchema)),
  tool_choice: nullish(toolChoiceSchema),
  parallel_tool_calls: nullish(z.boolean()),
  response_format: nullish(responseFormatSchema),
  max_tokens: nullish(count),
  max_completion_tokens: nullish(count),
  temperature: nullish(z.number()),
  top_p: nullish(z.number()),
  stop: nullish(z.union([z.string(), z.array(z.string())])),
  seed: nullish(z.number().int()),
  reasoning_effort: nullish(z.string()),
  user: nullish(z.string()),
  safety_identifier: nullish(z.string()),
  stream: nullish(z.boolean()),
});
export type WireChatRequest = z.infer<typeof chatRequestSchema>;

export type WireFinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter' | 'function_call';

export interface WireUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details?: { cached_tokens?: number };
  completion_tokens_details?: { reasoning_tokens?: number };
}

export interface WireResponseToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

/** `chat.completion`: the non-stream answer. */
export interface WireChatCompletion {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: {
    index: number;
    message: {
      role: 'assistant';
      content: string | null;
      refusal: string | null;
      /** Not in OpenAI's own API: the reasoning text, as DeepSeek, vLLM and others send it. */
      reasoning_content?: string;
      tool_calls?: WireResponseToolCall[];
    };
    logprobs: null;
    finish_reason: WireFinishReason;
  }[];
  usage?: WireUsage;
}

export interface WireChunkToolCall {
  index: number;
  id?: string;
  type?: 'function';
  function?: { name?: string; arguments?: string };
}

/** `chat.completion.chunk`: one stream event. */
export interface WireChatChunk {
  id: string;
  object: 'chat.completion.chunk';
  created: number;
  model: string;
  choices: {
    index: number;
    delta: { role?: 'assistant'; content?: string | null; reasoning_content?: string; tool_calls?: WireChunkToolCall[]; refusal?: string | null };
    logprobs: null;
    finish_reason: WireFinishReason | null;
  }[];
  usage?: WireUsage | null;
}
