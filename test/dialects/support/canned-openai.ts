// The official `openai` SDK pointed at a canned loopback server (canned-server.ts), started before a test file's
// tests and closed after them: for feeding an OpenAI dialect's encoder output to the real client.
import OpenAI from 'openai';
import { afterAll, beforeAll } from 'vitest';
import { startCannedServer } from './canned-server.ts';
import type { CannedServer } from './canned-server.ts';

export interface CannedOpenAI {
  readonly server: CannedServer;
  readonly client: OpenAI;
}

/** Call at the top level of a test file: registers the beforeAll/afterAll that start and stop the server. */
export function useCannedOpenAI(): CannedOpenAI {
  let server: CannedServer | undefined;
  let client: OpenAI | undefined;
  beforeAll(async () => {
    server = await startCannedServer();
    client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'unused', maxRetries: 0 });
  });
  afterAll(async () => {
    await server?.close();
  });
  const started = <T>(v: T | undefined): T => {
    if (v === undefined) throw new Error('useCannedOpenAI: used outside the tests (the server starts in beforeAll)');
    return v;
  };
  return {
    get server() {
      return started(server);
    },
    get client() {
      return started(client);
    },
  };
}
