// A fake AWS STS on loopback answering AssumeRoleWithWebIdentity in the awsQuery protocol (form-encoded POST, XML
// answer in the 2011-06-15 namespace), as the official STS client inside @aws-sdk/credential-providers' fromTokenFile
// sends and reads it. Each call issues fresh temporary credentials (numbered), valid for `lifetimeMs`, and hands them
// to `onIssue` (e.g. FakeBedrock.addCredentials) so the issued keys are accepted upstream. Calls are recorded.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FakeAwsCredentials } from './fake-bedrock-server.ts';
import { readBody, startLoopbackServer } from './fake-http.ts';

export interface StsCall {
  readonly action: string;
  readonly roleArn: string;
  readonly roleSessionName: string;
  readonly webIdentityToken: string;
}

export interface FakeSts {
  readonly url: string;
  readonly calls: StsCall[];
  /** Credentials issued so far, in order. */
  readonly issued: FakeAwsCredentials[];
  /** Lifetime of the credentials issued next. */
  setLifetimeMs(ms: number): void;
  /** Fail the next `n` calls with this status and awsQuery error code (e.g. 400 InvalidIdentityToken). */
  failNext(n: number, status?: number, code?: string): void;
  close(): Promise<void>;
}

const NS = 'https://sts.amazonaws.com/doc/2011-06-15/';

function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export async function startFakeSts(opts: { lifetimeMs?: number; onIssue?: (c: FakeAwsCredentials) => void } = {}): Promise<FakeSts> {
  const calls: StsCall[] = [];
  const issued: FakeAwsCredentials[] = [];
  let lifetime = opts.lifetimeMs ?? 3600_000;
  let failures = 0;
  let failStatus = 400;
  let failCode = 'InvalidIdentityToken';

  function error(res: ServerResponse, status: number, code: string, message: string): void {
    res.writeHead(status, { 'content-type': 'text/xml' });
    res.end(`<ErrorResponse xmlns="${NS}"><Error><Type>${status >= 500 ? 'Receiver' : 'Sender'}</Type><Code>${code}</Code><Message>${xmlEscape(message)}</Message></Error><RequestId>fake-sts</RequestId></ErrorResponse>`);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const form = new URLSearchParams((await readBody(req)).toString('utf8'));
    const call: StsCall = {
      action: form.get('Action') ?? '',
      roleArn: form.get('RoleArn') ?? '',
      roleSessionName: form.get('RoleSessionName') ?? '',
      webIdentityToken: form.get('WebIdentityToken') ?? '',
    };
    calls.push(call);
    if (req.method !== 'POST' || call.action !== 'AssumeRoleWithWebIdentity') return error(res, 400, 'InvalidAction', 'Only AssumeRoleWithWebIdentity is faked.');
    if (failures > 0) {
      failures -= 1;
      return error(res, failStatus, failCode, 'The fake STS refused this call.');
    }
    if (call.webIdentityToken === '' || call.roleArn === '') return error(res, 400, 'ValidationError', 'RoleArn and WebIdentityToken are required.');
    const n = issued.length + 1;
    const creds: FakeAwsCredentials = {
      accessKeyId: `ASIAFAKESTS${String(n).padStart(9, '0')}`,
      secretAccessKey: `sts/Secret+${String(n).padStart(29, '0')}`,
      sessionToken: `FwoGZXIvYXdzSTSFAKE${String(n).padStart(40, '0')}`,
    };
    issued.push(creds);
    opts.onIssue?.(creds);
    const expiration = new Date(Date.now() + lifetime).toISOString().replace(/\.\d{3}Z$/, 'Z');
    res.writeHead(200, { 'content-type': 'text/xml' });
    res.end(
      `<AssumeRoleWithWebIdentityResponse xmlns="${NS}"><AssumeRoleWithWebIdentityResult>` +
        `<SubjectFromWebIdentityToken>system:serviceaccount:ai:switchyard</SubjectFromWebIdentityToken><Audience>sts.amazonaws.com</Audience>` +
        `<AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/bedrock/${xmlEscape(call.roleSessionName)}</Arn><AssumedRoleId>AROAFAKE:${xmlEscape(call.roleSessionName)}</AssumedRoleId></AssumedRoleUser>` +
        `<Credentials><SessionToken>${creds.sessionToken}</SessionToken><SecretAccessKey>${creds.secretAccessKey}</SecretAccessKey><Expiration>${expiration}</Expiration><AccessKeyId>${creds.accessKeyId}</AccessKeyId></Credentials>` +
        `<Provider>oidc.eks.us-east-1.amazonaws.com</Provider></AssumeRoleWithWebIdentityResult><ResponseMetadata><RequestId>fake-sts-${n}</RequestId></ResponseMetadata></AssumeRoleWithWebIdentityResponse>`,
    );
  }

  const http = await startLoopbackServer(handle);
  return {
    url: http.origin,
    calls,
    issued,
    setLifetimeMs(ms) {
      lifetime = ms;
    },
    failNext(n, status = 400, code = 'InvalidIdentityToken') {
      failures = n;
      failStatus = status;
      failCode = code;
    },
    close() {
      return http.close();
    },
  };
}
