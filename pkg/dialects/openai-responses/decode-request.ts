// A Responses API request body → CanonicalRequest. Refusals are GatewayError invalid_request with the param:
// stateful fields (stateful.ts), OpenAI's built-in tools (web_search, file_search, computer_use, code_interpreter,
// mcp, image_generation, …: they run inside OpenAI, which is reached by passthrough, never through this codec),
// tool_choice forms other than auto/none/required/function.
//
// Read and mapped: model, instructions, input, tools (function), tool_choice, parallel_tool_calls, text.format,
// reasoning {effort, summary}, max_output_tokens, temperature, top_p, user, stream.
// Ignored (no canonical meaning; they change nothing a translated provider could honour): metadata, include,
// service_tier, truncation, top_logprobs, text.verbosity, prompt_cache_key, safety_identifier, stream_options,
// max_tool_calls, store: false.
// reasoning.effort: "none" asks for no reasoning (left out); "xhigh" is sent as "high", the most the canonical form has.
import type { CanonicalRequest, Reasoning, ResponseFormat, Tool, ToolChoice } from '../../canonical/types.ts';
import { GatewayError } from '../../errors/errors.ts';
import { decodeInput } from './decode-input.ts';
import { refuseStatefulFields } from './stateful.ts';

type Json = Readonly<Record<string, unknown>>;

function invalid(param: string, message: string): GatewayError {
  return new GatewayError('invalid_request', { param, message });
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function optNumber(body: Json, key: string): number | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw invalid(key, `${key} must be a number.`);
  return v;
}

function decodeTool(tool: unknown, param: string): Tool {
  if (!isObject(tool)) throw invalid(param, `${param} must be an object.`);
  if (tool.type !== 'function') {
    throw invalid(`${param}.type`, `The built-in tool ${JSON.stringify(tool.type)} runs inside OpenAI's Responses API and is only available when the route's target is OpenAI itself; use function tools with this model.`);
  }
  if (typeof tool.name !== 'string' || tool.name === '') throw invalid(`${param}.name`, `${param}.name must be a non-empty string.`);
  const parameters = tool.parameters ?? { type: 'object', properties: {} };
  if (!isObject(parameters)) throw invalid(`${param}.parameters`, `${param}.parameters must be a JSON Schema object.`);
  return {
    name: tool.name,
    ...(typeof tool.description === 'string' ? { description: tool.description } : {}),
    inputSchema: parameters,
    ...(typeof tool.strict === 'boolean' ? { strict: tool.strict } : {}),
  };
}

function decodeToolChoice(tc: unknown): ToolChoice | undefined {
  if (tc === undefined || tc === null) return undefined;
  if (tc === 'auto' || tc === 'none' || tc === 'required') return { type: tc };
  if (isObject(tc) && tc.type === 'function' && typeof tc.name === 'string') return { type: 'tool', name: tc.name };
  const kind = isObject(tc) ? JSON.stringify(tc.type) : JSON.stringify(tc);
  throw invalid('tool_choice', `tool_choice ${kind} is not supported for this model: use "auto", "none", "required" or {"type":"function","name":…}.`);
}

function decodeFormat(text: unknown): ResponseFormat | undefined {
  if (text === undefined || text === null) return undefined;
  if (!isObject(text)) throw invalid('text', 'text must be an object.');
  const f = text.format;
  if (f === undefined || f === null) return undefined;
  if (!isObject(f)) throw invalid('text.format', 'text.format must be an object.');
  switch (f.type) {
    case 'text':
      return { type: 'text' };
    case 'json_object':
      return { type: 'json_object' };
    case 'json_schema': {
      if (typeof f.name !== 'string') throw invalid('text.format.name', 'text.format.name must be a string.');
      if (!isObject(f.schema)) throw invalid('text.format.schema', 'text.format.schema must be a JSON Schema object.');
      return {
        type: 'json_schema',
        name: f.name,
        schema: f.schema,
        ...(typeof f.strict === 'boolean' ? { strict: f.strict } : {}),
        ...(typeof f.description === 'string' ? { description: f.description } : {}),
      };
    }
    default:
      throw invalid('text.format.type', `text.format.type ${JSON.stringify(f.type)} is not supported: use text, json_object or json_schema.`);
  }
}

const EFFORTS: Readonly<Record<string, Reasoning['effort'] | null>> = { none: null, minimal: 'minimal', low: 'low', medium: 'medium', high: 'high', xhigh: 'high' };

function decodeReasoning(r: unknown): Reasoning | undefined {
  if (r === undefined || r === null) return undefined;
  if (!isObject(r)) throw invalid('reasoning', 'reasoning must be an object.');
  let effort: Reasoning['effort'] | null = null;
  if (r.effort !== undefined && r.effort !== null) {
    if (typeof r.effort !== 'string' || !(r.effort in EFFORTS)) throw invalid('reasoning.effort', 'reasoning.effort must be none, minimal, low, medium, high or xhigh.');
    effort = EFFORTS[r.effort] ?? null;
  }
  const summary = r.summary !== undefined && r.summary !== null;
  if (effort === null && !summary) return undefined;
  return { ...(effort === null ? {} : { effort }), ...(summary ? { summary: true } : {}) };
}

export function decodeRequest(body: Json): CanonicalRequest {
  refuseStatefulFields(body);
  if (typeof body.model !== 'string' || body.model === '') throw invalid('model', 'model must be a non-empty string.');
  const { system, messages } = decodeInput(body.instructions, body.input);
  let tools: Tool[] | undefined;
  if (body.tools !== undefined && body.tools !== null) {
    if (!Array.isArray(body.tools)) throw invalid('tools', 'tools must be a list.');
    tools = body.tools.map((t, i) => decodeTool(t, `tools[${i}]`));
  }
  const toolChoice = decodeToolChoice(body.tool_choice);
  const responseFormat = decodeFormat(body.text);
  const reasoning = decodeReasoning(body.reasoning);
  const maxTokens = optNumber(body, 'max_output_tokens');
  const temperature = optNumber(body, 'temperature');
  const topP = optNumber(body, 'top_p');
  if (body.stream !== undefined && body.stream !== null && typeof body.stream !== 'boolean') throw invalid('stream', 'stream must be a boolean.');
  if (body.user !== undefined && typeof body.user !== 'string') throw invalid('user', 'user must be a string.');
  return {
    model: body.model,
    system,
    messages,
    ...(tools === undefined || tools.length === 0 ? {} : { tools }),
    ...(toolChoice === undefined ? {} : { toolChoice }),
    ...(typeof body.parallel_tool_calls === 'boolean' ? { parallelToolCalls: body.parallel_tool_calls } : {}),
    ...(responseFormat === undefined ? {} : { responseFormat }),
    ...(maxTokens === undefined ? {} : { maxTokens }),
    ...(temperature === undefined ? {} : { temperature }),
    ...(topP === undefined ? {} : { topP }),
    ...(reasoning === undefined ? {} : { reasoning }),
    stream: body.stream === true,
    ...(typeof body.user === 'string' ? { user: body.user } : {}),
  };
}
