// Wire schemas of OpenAI's legacy Completions API (`POST /v1/completions`), apart from translation.
import { z } from 'zod';

const nullish = <T extends z.ZodType>(t: T) => t.nullable().optional();

export const completionRequestSchema = z.looseObject({
  model: z.string().min(1),
  // Token arrays are refused before this schema is applied (they need the model's own tokenizer).
  prompt: z.union([z.string(), z.array(z.string()).length(1)]),
  max_tokens: nullish(z.number().int().nonnegative()),
  temperature: nullish(z.number()),
  top_p: nullish(z.number()),
  stop: nullish(z.union([z.string(), z.array(z.string())])),
  seed: nullish(z.number().int()),
  user: nullish(z.string()),
  stream: nullish(z.boolean()),
});
export type WireCompletionRequest = z.infer<typeof completionRequestSchema>;

export type WireCompletionFinishReason = 'stop' | 'length' | 'content_filter';

export interface WireCompletionUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

/** `text_completion`: the non-stream answer, and (with `finish_reason: null` until the last) each stream chunk. */
export interface WireCompletion {
  id: string;
  object: 'text_completion';
  created: number;
  model: string;
  choices: { text: string; index: number; logprobs: null; finish_reason: WireCompletionFinishReason | null }[];
  usage?: WireCompletionUsage;
}
