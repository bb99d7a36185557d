// The fake Bedrock runtime speaks Converse / ConverseStream as the official @aws-sdk/client-bedrock-runtime expects:
// the SDK signs with SigV4 (the fake verifies the signature with the official signer), reads JSON answers and the
// event-stream frames (written with the official codec), and turns REST-JSON errors and in-stream exceptions into its
// typed exceptions. InvokeModel for the embeddings models (Titan Text Embeddings V2, Cohere Embed v3 / v4) is checked
// with the SDK's InvokeModelCommand: signed, a JSON body in, the answer's JSON bytes out.
import { BedrockRuntimeClient, ConverseCommand, ConverseStreamCommand, InvokeModelCommand } from '@aws-sdk/client-bedrock-runtime';
import type { ConverseStreamOutput, Message, Tool } from '@aws-sdk/client-bedrock-runtime';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cohereVector, startFakeBedrock, titanVector } from '../support/fake-bedrock-server.ts';
import type { FakeAwsCredentials, FakeBedrock } from '../support/fake-bedrock-server.ts';

const MODEL = 'us.anthropic.claude-sonnet-4-5-20250929-v1:0';

let up: FakeBedrock;
let client: BedrockRuntimeClient;

/**
 * The SDK pointed at the fake. bedrock-runtime clients default to an HTTP/2 handler (for the bidirectional stream
 * operation); Converse and ConverseStream work over HTTP/1.1, which the fake (like the gateway's undici) speaks.
 */
function sdk(credentials: FakeAwsCredentials, region = 'us-east-1'): BedrockRuntimeClient {
  return new BedrockRuntimeClient({ region, endpoint: up.url, credentials, maxAttempts: 1, requestHandler: new NodeHttpHandler() });
}

beforeAll(async () => {
  up = await startFakeBedrock();
  client = sdk(up.credentials);
});
afterEach(() => {
  up.setFault(undefined);
  up.requests.length = 0;
  up.rejected.length = 0;
});
afterAll(async () => {
  client.destroy();
  await up.close();
});

const user = (text: string): Message => ({ role: 'user', content: [{ text }] });
const weather: Tool = { toolSpec: { name: 'get_weather', description: 'Weather for a city', inputSchema: { json: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } } };

async function collect(stream: AsyncIterable<ConverseStreamOutput> | undefined): Promise<ConverseStreamOutput[]> {
  const out: ConverseStreamOutput[] = [];
  for await (const ev of stream ?? []) out.push(ev);
  return out;
}

describe('fake Bedrock runtime, checked with @aws-sdk/client-bedrock-runtime', () => {
  it('Converse: a signed request verifies; deterministic text, stop reason and usage; the model id is one encoded path segment', async () => {
    const out = await client.send(new ConverseCommand({ modelId: MODEL, system: [{ text: 'Be brief.' }], messages: [user('Say hi')], inferenceConfig: { maxTokens: 100 } }));
    expect(out.output?.message?.content).toEqual([{ text: 'Echo: Say hi' }]);
    expect(out.stopReason).toBe('end_turn');
    expect(out.usage?.inputTokens).toBeGreaterThan(0);
    expect(out.usage?.totalTokens).toBe((out.usage?.inputTokens ?? 0) + (out.usage?.outputTokens ?? 0));
    const rec = up.requests.at(-1);
    expect(rec?.modelId).toBe(MODEL);
    expect(rec?.path).toBe('/model/us.anthropic.claude-sonnet-4-5-20250929-v1%3A0/converse');
    expect(rec?.accessKeyId).toBe(up.credentials.accessKeyId);
    expect(String(rec?.headers.authorization)).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIAFAKEBEDROCK00001\/\d{8}\/us-east-1\/bedrock\/aws4_request/);
    expect(rec?.body).toMatchObject({ system: [{ text: 'Be brief.' }], inferenceConfig: { maxTokens: 100 } });
  });

  it('Converse with tools: a toolUse block with sample input and stop reason tool_use; an ARN model id works', async () => {
    const arn = 'arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-5-haiku-20241022-v1:0';
    const out = await client.send(new ConverseCommand({ modelId: arn, messages: [user('Use the tool for Paris')], toolConfig: { tools: [weather] } }));
    expect(out.stopReason).toBe('tool_use');
    expect(out.output?.message?.content?.[0]?.toolUse).toMatchObject({ name: 'get_weather', input: { city: 'Paris' } });
    expect(up.requests.at(-1)?.modelId).toBe(arn);
  });

  it('ConverseStream: messageStart, text deltas, a toolUse block assembled from fragments, messageStop and metadata usage', async () => {
    const text = await client.send(new ConverseStreamCommand({ modelId: MODEL, messages: [user('Count to three')] }));
    const events = await collect(text.stream);
    expect(events[0]?.messageStart?.role).toBe('assistant');
    expect(events.map((e) => e.contentBlockDelta?.delta?.text ?? '').join('')).toBe('Echo: Count to three');
    expect(events.find((e) => e.messageStop)?.messageStop?.stopReason).toBe('end_turn');
    expect(events.at(-1)?.metadata?.usage?.outputTokens).toBeGreaterThan(0);
    expect(up.requests.at(-1)?.path).toMatch(/\/converse-stream$/);

    const tool = await client.send(new ConverseStreamCommand({ modelId: MODEL, messages: [user('Use the tool')], toolConfig: { tools: [weather], toolChoice: { any: {} } } }));
    const tevents = await collect(tool.stream);
    expect(tevents.find((e) => e.contentBlockStart)?.contentBlockStart?.start?.toolUse).toMatchObject({ name: 'get_weather', toolUseId: 'tooluse_fake_get_weather' });
    expect(JSON.parse(tevents.map((e) => e.contentBlockDelta?.delta?.toolUse?.input ?? '').join(''))).toEqual({ city: 'Paris' });
  });

  it('thinking (additionalModelRequestFields) comes back as a reasoningContent block with a signature', async () => {
    const out = await client.send(new ConverseCommand({ modelId: MODEL, messages: [user('Why?')], additionalModelRequestFields: { thinking: { type: 'enabled', budget_tokens: 1024 } } }));
    expect(out.output?.message?.content?.[0]?.reasoningContent?.reasoningText).toMatchObject({ text: 'The user wrote: Why?' });
    expect(out.output?.message?.content?.[0]?.reasoningContent?.reasoningText?.signature).toMatch(/^sig-/);
  });

  it('cache points: a cache write first, a cache read on the same prefix next', async () => {
    const params = { modelId: MODEL, system: [{ text: 'A long shared instruction block. '.repeat(40) }, { cachePoint: { type: 'default' as const } }], messages: [user('Hi')] };
    const a = await client.send(new ConverseCommand(params));
    const b = await client.send(new ConverseCommand(params));
    expect(a.usage?.cacheWriteInputTokens).toBeGreaterThan(0);
    expect(b.usage?.cacheReadInputTokens).toBe(a.usage?.cacheWriteInputTokens);
  });

  it('HTTP errors become the SDK typed exceptions (x-amzn-errortype, {message})', async () => {
    up.setFault({ status: 429, exception: 'ThrottlingException', message: 'Too many requests, please wait before trying again.' });
    const err = await client.send(new ConverseCommand({ modelId: MODEL, messages: [user('x')] })).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'ThrottlingException', message: 'Too many requests, please wait before trying again.', $metadata: { httpStatusCode: 429 } });
    up.setFault({ status: 400, exception: 'ValidationException', message: 'Input is too long for requested model.' });
    await expect(client.send(new ConverseCommand({ modelId: MODEL, messages: [user('x')] }))).rejects.toMatchObject({ name: 'ValidationException' });
  });

  it('in-stream exceptions (:message-type exception) are thrown by the SDK while iterating the stream', async () => {
    for (const [type, name] of [['throttlingException', 'ThrottlingException'], ['modelStreamErrorException', 'ModelStreamErrorException'], ['serviceUnavailableException', 'ServiceUnavailableException']] as const) {
      up.setFault({ streamException: { type, message: `fake ${type}` } });
      const res = await client.send(new ConverseStreamCommand({ modelId: MODEL, messages: [user('x')] }));
      const seen: ConverseStreamOutput[] = [];
      const err = await (async () => {
        for await (const ev of res.stream ?? []) seen.push(ev);
      })().catch((e: unknown) => e);
      expect(err).toMatchObject({ name, message: `fake ${type}` });
      expect(seen.map((e) => Object.keys(e)[0])).toEqual(['messageStart']);
    }
  });

  it('the signature is verified: a wrong secret, an unknown key and a wrong region are refused with 403', async () => {
    const wrongSecret = sdk({ accessKeyId: up.credentials.accessKeyId, secretAccessKey: 'not-the-secret-0000000000000000000000000' });
    await expect(wrongSecret.send(new ConverseCommand({ modelId: MODEL, messages: [user('x')] }))).rejects.toMatchObject({ name: 'InvalidSignatureException', $metadata: { httpStatusCode: 403 } });
    const unknown = sdk({ accessKeyId: 'AKIAUNKNOWN000000000', secretAccessKey: up.credentials.secretAccessKey });
    await expect(unknown.send(new ConverseCommand({ modelId: MODEL, messages: [user('x')] }))).rejects.toMatchObject({ name: 'UnrecognizedClientException' });
    const otherRegion = sdk(up.credentials, 'eu-west-1');
    await expect(otherRegion.send(new ConverseCommand({ modelId: MODEL, messages: [user('x')] }))).rejects.toMatchObject({ name: 'InvalidSignatureException' });
    expect(up.rejected).toHaveLength(3);
    expect(up.requests).toHaveLength(0);
    for (const c of [wrongSecret, unknown, otherRegion]) c.destroy();
  });

  it('temporary credentials: the session token must be sent and signed', async () => {
    const temp = { accessKeyId: 'ASIAFAKETEMP00000001', secretAccessKey: 'temp/Secret+0000000000000000000000000001', sessionToken: 'FwoGZXIvYXdzEFAKESESSIONTOKEN0000000000000000000000' };
    up.addCredentials(temp);
    const ok = sdk(temp);
    const out = await ok.send(new ConverseCommand({ modelId: MODEL, messages: [user('temp')] }));
    expect(out.output?.message?.content).toEqual([{ text: 'Echo: temp' }]);
    expect(up.requests.at(-1)?.headers['x-amz-security-token']).toBe(temp.sessionToken);
    const noToken = sdk({ accessKeyId: temp.accessKeyId, secretAccessKey: temp.secretAccessKey });
    await expect(noToken.send(new ConverseCommand({ modelId: MODEL, messages: [user('x')] }))).rejects.toMatchObject({ name: 'UnrecognizedClientException' });
    ok.destroy();
    noToken.destroy();
  });
});

describe('fake Bedrock InvokeModel (embeddings), checked with InvokeModelCommand', () => {
  const invoke = async (modelId: string, body: unknown): Promise<{ json: Record<string, unknown>; contentType: string | undefined }> => {
    const out = await client.send(new InvokeModelCommand({ modelId, contentType: 'application/json', accept: 'application/json', body: new TextEncoder().encode(JSON.stringify(body)) }));
    return { json: JSON.parse(new TextDecoder().decode(out.body)) as Record<string, unknown>, contentType: out.contentType };
  };

  it('Titan Text Embeddings V2: a signed POST /model/<id>/invoke; embedding of the asked size, unit length, and inputTextTokenCount', async () => {
    const { json, contentType } = await invoke('amazon.titan-embed-text-v2:0', { inputText: 'hello titan', dimensions: 256, normalize: true });
    expect(contentType).toBe('application/json');
    expect(json.embedding).toEqual(titanVector('hello titan', 256));
    expect((json.embedding as number[]).reduce((n, x) => n + x * x, 0)).toBeCloseTo(1, 9);
    expect(json.inputTextTokenCount).toBe(3);
    expect(json.embeddingsByType).toEqual({ float: json.embedding });
    const rec = up.requests.at(-1);
    expect(rec).toMatchObject({ action: 'invoke', stream: false, modelId: 'amazon.titan-embed-text-v2:0', accessKeyId: up.credentials.accessKeyId });
    expect(rec?.path).toBe('/model/amazon.titan-embed-text-v2%3A0/invoke');
    // The default size is 1024.
    expect(((await invoke('amazon.titan-embed-text-v2:0', { inputText: 'x' })).json.embedding as number[]).length).toBe(1024);
  });

  it('Cohere Embed v3 / v4: one vector per text; embedding_types gives embeddings_by_type, none a bare float array; v4 takes output_dimension', async () => {
    const byType = await invoke('cohere.embed-english-v3', { texts: ['a', 'b'], input_type: 'search_query', embedding_types: ['float'] });
    expect(byType.json).toMatchObject({ response_type: 'embeddings_by_type', texts: ['a', 'b'] });
    expect(byType.json.embeddings).toEqual({ float: [cohereVector('a', 'search_query'), cohereVector('b', 'search_query')] });
    const bare = await invoke('cohere.embed-multilingual-v3', { texts: ['a'], input_type: 'search_document' });
    expect(bare.json).toMatchObject({ response_type: 'embeddings_floats', embeddings: [cohereVector('a', 'search_document')] });
    const v4 = await invoke('us.cohere.embed-v4:0', { texts: ['c'], input_type: 'search_document', embedding_types: ['float'], output_dimension: 256 });
    expect(v4.json.embeddings).toEqual({ float: [cohereVector('c', 'search_document', 256)] });
  });

  it('refusals are typed SDK exceptions: a missing input_type, an extraneous key, a Titan dimension Bedrock does not offer, a model without embeddings', async () => {
    const cases: [string, unknown][] = [
      ['cohere.embed-english-v3', { texts: ['a'] }],
      ['cohere.embed-english-v3', { texts: ['a'], input_type: 'search_query', output_dimension: 256 }],
      ['amazon.titan-embed-text-v2:0', { inputText: 'a', dimensions: 100 }],
      ['amazon.titan-embed-text-v2:0', { inputText: 'a', texts: ['b'] }],
      [MODEL, { inputText: 'a' }],
    ];
    for (const [modelId, body] of cases) {
      await expect(invoke(modelId, body)).rejects.toMatchObject({ name: 'ValidationException', $metadata: { httpStatusCode: 400 } });
    }
  });

  it('faults apply to InvokeModel too: a ThrottlingException is the SDK\'s typed 429', async () => {
    up.setFault({ status: 429, exception: 'ThrottlingException', message: 'Too many requests, please wait before trying again.' });
    await expect(invoke('amazon.titan-embed-text-v2:0', { inputText: 'x' })).rejects.toMatchObject({ name: 'ThrottlingException', $metadata: { httpStatusCode: 429 } });
  });
});
