// SigV4 request signing with the official signer (@smithy/signature-v4, SHA-256 from @aws-crypto/sha256-js): the
// adapter's transport signs each request it is about to send, after the pure builders made it. Signing is async and
// needs the credentials in hand, so it never happens in a builder. The signed request gains host, x-amz-date,
// x-amz-content-sha256, x-amz-security-token (temporary credentials) and authorization.
// The signer's libraries are required when a bedrock adapter is built (loadSigner(), at table load), so a proxy
// without a bedrock provider never loads them and no request waits for them (ADR 0025).
import { createRequire } from 'node:module';
import type { Sha256 } from '@aws-crypto/sha256-js';
import type { SignatureV4 } from '@smithy/signature-v4';
import type { UpstreamRequest } from '../types.ts';

interface SignerLibraries {
  readonly SignatureV4: typeof SignatureV4;
  readonly Sha256: typeof Sha256;
}
let libraries: SignerLibraries | null = null;

/** Loads the SigV4 signer's libraries once (idempotent; synchronous). Call it where a bedrock adapter is built. */
export function loadSigner(): SignerLibraries {
  if (libraries === null) {
    const require = createRequire(import.meta.url);
    const { SignatureV4: signer } = require('@smithy/signature-v4') as { SignatureV4: typeof SignatureV4 };
    const { Sha256: sha256 } = require('@aws-crypto/sha256-js') as { Sha256: typeof Sha256 };
    libraries = { SignatureV4: signer, Sha256: sha256 };
  }
  return libraries;
}

/** AWS credentials in hand. The secret access key and the session token are secrets: never log them. */
export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export interface SignOptions {
  readonly region: string;
  /** The signing name: "bedrock" for bedrock-runtime. */
  readonly service: string;
  /** The signing time (tests); default now. */
  readonly date?: Date;
}

/** A signer for one set of credentials (the signer caches the derived signing key per day). */
export function newSigner(credentials: AwsCredentials, region: string, service: string): SignatureV4 {
  const identity = { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey, ...(credentials.sessionToken === undefined ? {} : { sessionToken: credentials.sessionToken }) };
  const lib = loadSigner();
  return new lib.SignatureV4({ credentials: identity, region, service, sha256: lib.Sha256, uriEscapePath: true, applyChecksum: true });
}

function splitPath(pathAndQuery: string): { path: string; query: Record<string, string | string[]> } {
  const q = pathAndQuery.indexOf('?');
  if (q < 0) return { path: pathAndQuery, query: {} };
  const query: Record<string, string | string[]> = {};
  for (const [k, v] of new URLSearchParams(pathAndQuery.slice(q + 1))) {
    const had = query[k];
    query[k] = had === undefined ? v : Array.isArray(had) ? [...had, v] : [had, v];
  }
  return { path: pathAndQuery.slice(0, q), query };
}

/** `req` signed with `signer`: the same request with the SigV4 headers added (lower-case names). */
export async function signRequest(req: UpstreamRequest, signer: SignatureV4, opts: SignOptions): Promise<UpstreamRequest> {
  const url = new URL(req.origin);
  const { path, query } = splitPath(req.path);
  const signed = await signer.sign(
    {
      method: req.method,
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port === '' ? {} : { port: Number(url.port) }),
      path,
      query,
      headers: { ...req.headers, host: url.host },
      body: req.body,
    },
    { signingDate: opts.date ?? new Date(), signingRegion: opts.region, signingService: opts.service },
  );
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(signed.headers)) headers[name.toLowerCase()] = value;
  return { ...req, headers };
}
