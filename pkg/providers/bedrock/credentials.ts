// Where the bedrock adapter's AWS credentials come from:
// - `sigv4` (Provider spec.auth.aws): static keys from a Secret, in the table.
// - `aws-web-identity` (spec.auth.awsWebIdentity; IRSA / EKS): the proxy reads the web-identity token file and
//   calls STS AssumeRoleWithWebIdentity through the official provider (fromTokenFile of
//   @aws-sdk/credential-providers), in the background through a RefreshingSource: fetched when the adapter is
//   built, again 5 minutes before the assumed-role keys expire (STS gives them for an hour by default), with backoff
//   on failure. A request only reads the keys in hand; without any it fails with kind `auth`.
// roleArn / tokenFile default to the proxy pod's AWS_ROLE_ARN / AWS_WEB_IDENTITY_TOKEN_FILE (the SDK reads them).
import type { TableProvider } from '../../table/types.ts';
import { credentialKey, refreshingSource } from '../http/credential-sources.ts';
import type { RefreshingSource, RefreshingSourceOptions, Refreshable } from '../http/credential-sources.ts';
import type { AdapterDeps } from '../types.ts';
import { UpstreamFailureError } from '../types.ts';
import type { AwsCredentials } from './sign.ts';

/** Returns the credentials in hand, or throws UpstreamFailureError kind `auth` (the message never holds a secret). */
export type CredentialsInHand = () => AwsCredentials;

export interface WebIdentityOptions {
  /** The STS endpoint (tests: a fake STS on loopback); default the SDK's regional endpoint. */
  readonly stsEndpoint?: string;
  /** Source timing and logging (tests). */
  readonly source?: Omit<RefreshingSourceOptions, 'what'>;
}

function unavailable(reason: string): UpstreamFailureError {
  return new UpstreamFailureError({ kind: 'auth', message: `bedrock credentials are not available yet: ${reason}` });
}

/** STS AssumeRoleWithWebIdentity through the official provider; the token file is read again on every fetch. */
export function webIdentityFetch(
  c: { readonly region: string; readonly roleArn?: string; readonly tokenFile?: string },
  sessionName: string,
  stsEndpoint: string | undefined,
): (signal: AbortSignal) => Promise<Refreshable<AwsCredentials>> {
  return async () => {
    const { fromTokenFile } = await import('@aws-sdk/credential-providers');
    const provide = fromTokenFile({
      ...(c.roleArn === undefined ? {} : { roleArn: c.roleArn }),
      ...(c.tokenFile === undefined ? {} : { webIdentityTokenFile: c.tokenFile }),
      roleSessionName: sessionName,
      clientConfig: { region: c.region, ...(stsEndpoint === undefined ? {} : { endpoint: stsEndpoint }) },
    });
    const got = await provide();
    const expiresAt = got.expiration === undefined ? Infinity : got.expiration.getTime();
    return {
      value: { accessKeyId: got.accessKeyId, secretAccessKey: got.secretAccessKey, ...(got.sessionToken === undefined ? {} : { sessionToken: got.sessionToken }) },
      expiresAt,
    };
  };
}

/** A role session name from the Provider id: [\w+=,.@-], at most 64 characters. */
export function roleSessionName(providerId: string): string {
  return `switchyard-${providerId.replace(/[^\w+=,.@-]/g, '.')}`.slice(0, 64);
}

/**
 * The credentials-in-hand function of a provider. A web-identity source is created (and its first fetch started)
 * now, at adapter build, and kept across table swaps by deps.sources.
 */
export function credentialsFor(provider: TableProvider, deps: AdapterDeps, opts: WebIdentityOptions = {}): CredentialsInHand {
  const c = provider.credential;
  if (c !== null && c.kind === 'sigv4') {
    const creds: AwsCredentials = { accessKeyId: c.accessKeyId, secretAccessKey: c.value, ...(c.sessionToken === undefined ? {} : { sessionToken: c.sessionToken }) };
    return () => creds;
  }
  if (c !== null && c.kind === 'aws-web-identity') {
    const source: RefreshingSource<AwsCredentials> = deps.sources.get(credentialKey(provider), () =>
      refreshingSource(webIdentityFetch(c, roleSessionName(provider.id), opts.stsEndpoint), { log: deps.sources.log, ...opts.source, what: `bedrock web identity for ${provider.id}` }),
    );
    return () => {
      const v = source.current();
      if (v === null) throw unavailable(source.lastError() ?? 'the first AssumeRoleWithWebIdentity call has not finished');
      return v;
    };
  }
  return () => {
    throw unavailable('the Provider has no AWS credentials (spec.auth.aws or spec.auth.awsWebIdentity)');
  };
}
