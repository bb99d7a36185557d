// Responses `instructions` + `input` → canonical system parts and messages.
//
// - `instructions` and system/developer messages become system parts, in order (a system/developer message in the
//   middle of the conversation loses its position: the canonical form keeps system text apart).
// - Consecutive items of the same canonical role merge into one message, so an assistant message followed by its
//   function_call items is one assistant turn, and function_call_output items are tool_result parts of a user turn.
// - Reasoning items become thinking parts of the assistant turn. Their `encrypted_content` is opaque to everyone but
//   its issuer: only the values this gateway itself issued (reasoning.ts) are read back, as the Anthropic signature
//   or redacted-thinking data they carry; OpenAI's own encrypted reasoning is dropped (no other provider can use it).
import type { DocumentPart, ImagePart, Message, MediaSource, Part, TextPart } from '../../canonical/types.ts';
import { GatewayError } from '../../errors/errors.ts';
import { parseReasoningItem } from './reasoning.ts';

type Json = Readonly<Record<string, unknown>>;

export interface DecodedInput {
  readonly system: readonly TextPart[];
  readonly messages: readonly Message[];
}

function invalid(param: string, message: string): GatewayError {
  return new GatewayError('invalid_request', { param, message });
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown, param: string): string {
  if (typeof v !== 'string') throw invalid(param, `${param} must be a string.`);
  return v;
}

/** "data:<type>;base64,<data>" → base64 source; other URLs stay URLs. */
function mediaFromUrl(url: string, param: string): MediaSource {
  if (!url.startsWith('data:')) return { kind: 'url', url };
  const m = /^data:([^;,]+);base64,(.*)$/s.exec(url);
  if (m === null) throw invalid(param, `${param} must be a base64 data URL ("data:<media type>;base64,…") or an http(s) URL.`);
  return { kind: 'base64', mediaType: m[1] as string, data: m[2] as string };
}

function decodeImage(part: Json, param: string): ImagePart {
  const detail = typeof part.detail === 'string' ? { detail: part.detail } : {};
  if (typeof part.image_url === 'string') return { type: 'image', source: mediaFromUrl(part.image_url, `${param}.image_url`), ...detail };
  if (typeof part.file_id === 'string') return { type: 'image', source: { kind: 'file', fileId: part.file_id }, ...detail };
  throw invalid(param, `${param} needs image_url or file_id.`);
}

function decodeFile(part: Json, param: string): DocumentPart {
  const filename = typeof part.filename === 'string' ? { filename: part.filename } : {};
  if (typeof part.file_id === 'string') return { type: 'document', source: { kind: 'file', fileId: part.file_id }, ...filename };
  if (typeof part.file_url === 'string') return { type: 'document', source: mediaFromUrl(part.file_url, `${param}.file_url`), ...filename };
  if (typeof part.file_data === 'string') {
    // Bare base64 (no data URL) is taken as a PDF, the one file type every provider's document input reads.
    const source = part.file_data.startsWith('data:')
      ? mediaFromUrl(part.file_data, `${param}.file_data`)
      : { kind: 'base64' as const, mediaType: 'application/pdf', data: part.file_data };
    return { type: 'document', source, ...filename };
  }
  throw invalid(param, `${param} needs file_id, file_url or file_data.`);
}

function decodeContentPart(part: unknown, param: string, role: 'user' | 'assistant' | 'system'): Part {
  if (!isObject(part)) throw invalid(param, `${param} must be an object.`);
  switch (part.type) {
    case 'input_text':
    case 'output_text':
      return { type: 'text', text: str(part.text, `${param}.text`) };
    case 'refusal':
      if (role === 'assistant') return { type: 'text', text: str(part.refusal, `${param}.refusal`) };
      break;
    case 'input_image':
      if (role === 'user') return decodeImage(part, param);
      break;
    case 'input_file':
      if (role === 'user') return decodeFile(part, param);
      break;
    default:
      throw invalid(`${param}.type`, `Unsupported content part type ${JSON.stringify(part.type)}.`);
  }
  throw invalid(`${param}.type`, `A ${role} message cannot contain ${String(part.type)} parts.`);
}

function decodeContent(content: unknown, param: string, role: 'user' | 'assistant' | 'system'): Part[] {
  if (typeof content === 'string') return content === '' ? [] : [{ type: 'text', text: content }];
  if (!Array.isArray(content)) throw invalid(param, `${param} must be a string or a list of content parts.`);
  return content.map((p, i) => decodeContentPart(p, `${param}[${i}]`, role));
}

function decodeArguments(raw: unknown, param: string): Readonly<Record<string, unknown>> {
  const text = str(raw, param);
  let parsed: unknown;
  try {
    parsed = text.trim() === '' ? {} : JSON.parse(text);
  } catch {
    throw invalid(param, `${param} is not valid JSON.`);
  }
  if (!isObject(parsed)) throw invalid(param, `${param} must be a JSON object.`);
  return parsed;
}

function decodeToolOutput(output: unknown, param: string): (TextPart | ImagePart)[] {
  if (typeof output === 'string') return [{ type: 'text', text: output }];
  if (!Array.isArray(output)) throw invalid(param, `${param} must be a string or a list of content parts.`);
  return output.map((p, i): TextPart | ImagePart => {
    const part = decodeContentPart(p, `${param}[${i}]`, 'user');
    if (part.type === 'text' || part.type === 'image') return part;
    throw invalid(`${param}[${i}].type`, 'A function_call_output can carry only input_text and input_image parts.');
  });
}

class Turns {
  readonly system: TextPart[] = [];
  readonly messages: Message[] = [];

  push(role: 'user' | 'assistant', parts: readonly Part[]): void {
    if (parts.length === 0) return;
    const last = this.messages.at(-1);
    if (last !== undefined && last.role === role) {
      this.messages[this.messages.length - 1] = { role, content: [...last.content, ...parts] };
    } else {
      this.messages.push({ role, content: parts });
    }
  }
}

function decodeItem(item: unknown, param: string, turns: Turns): void {
  if (!isObject(item)) throw invalid(param, `${param} must be an object.`);
  const type = item.type ?? (item.role === undefined ? undefined : 'message');
  switch (type) {
    case 'message': {
      const role = item.role;
      if (role === 'system' || role === 'developer') {
        for (const part of decodeContent(item.content, `${param}.content`, 'system')) turns.system.push(part as TextPart);
      } else if (role === 'user' || role === 'assistant') {
        turns.push(role, decodeContent(item.content, `${param}.content`, role));
      } else {
        throw invalid(`${param}.role`, `${param}.role must be user, assistant, system or developer.`);
      }
      return;
    }
    case 'function_call':
      turns.push('assistant', [{
        type: 'tool_use',
        id: str(item.call_id, `${param}.call_id`),
        name: str(item.name, `${param}.name`),
        input: decodeArguments(item.arguments, `${param}.arguments`),
      }]);
      return;
    case 'function_call_output':
      turns.push('user', [{ type: 'tool_result', toolUseId: str(item.call_id, `${param}.call_id`), content: decodeToolOutput(item.output, `${param}.output`) }]);
      return;
    case 'reasoning': {
      const part = parseReasoningItem(item);
      if (part !== null) turns.push('assistant', [part]);
      return;
    }
    case 'item_reference':
      throw invalid(`${param}.type`, `item_reference refers to an item stored by OpenAI; it is only available when the route's target is OpenAI itself. Send the item itself instead (clients that keep history as references, such as @ai-sdk/openai by default, need store: false).`);
    default:
      throw invalid(`${param}.type`, `Input items of type ${JSON.stringify(type)} belong to OpenAI's built-in tools and only work when the route's target is OpenAI itself.`);
  }
}

export function decodeInput(instructions: unknown, input: unknown): DecodedInput {
  const turns = new Turns();
  if (instructions !== undefined && instructions !== null) {
    const text = str(instructions, 'instructions');
    if (text !== '') turns.system.push({ type: 'text', text });
  }
  if (typeof input === 'string') {
    turns.push('user', [{ type: 'text', text: input }]);
  } else if (Array.isArray(input)) {
    input.forEach((item, i) => decodeItem(item, `input[${i}]`, turns));
  } else if (input !== undefined && input !== null) {
    throw invalid('input', 'input must be a string or a list of items.');
  }
  if (turns.messages.length === 0) throw invalid('input', 'input must contain at least one user or assistant item.');
  return { system: turns.system, messages: turns.messages };
}
