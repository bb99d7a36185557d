// A15/A17 base URL checks, case by case (the golden files show the same through compile()).
import { describe, expect, it } from 'vitest';
import { checkBaseURL } from '../../pkg/compiler/index.ts';

const unsafe: readonly (readonly [string, string])[] = [
  ['A17 metadata IPv4', 'http://169.254.169.254/latest'],
  ['A17 link-local IPv4', 'http://169.254.0.1/'],
  ['A17 IPv4-mapped IPv6 hex', 'http://[::ffff:a9fe:a9fe]/'],
  ['A17 IPv4-mapped IPv6 dotted', 'http://[::ffff:169.254.169.254]/'],
  ['A17 IPv4-compatible IPv6', 'http://[::169.254.169.254]/'],
  ['A17 NAT64 IPv6', 'http://[64:ff9b::169.254.169.254]/'],
  ['A17 decimal IPv4', 'http://2852039166/'],
  ['A17 hex IPv4', 'http://0xa9fea9fe/'],
  ['A17 octal IPv4', 'http://0251.0376.0251.0376/'],
  ['A17 mixed-radix IPv4', 'http://0xa9.254.0251.0xfe/'],
  ['A17 two-part IPv4', 'http://169.16689662/'],
  ['A17 trailing dot', 'http://169.254.169.254./'],
  ['A17 AWS IPv6 metadata', 'http://[fd00:ec2::254]/'],
  ['A17 GCP metadata name', 'http://metadata.google.internal/'],
  ['A17 GCP metadata name upper case with dot', 'http://METADATA.Google.Internal./'],
  ['A17 short metadata name', 'http://metadata:80/'],
  ['A17 IPv6 link-local', 'http://[fe80::abcd]/'],
  ['A17 IPv6 link-local upper bound', 'http://[febf::1]/'],
  ['A17 unspecified IPv4', 'http://0.0.0.0/'],
  ['A17 unspecified IPv4 as 0', 'http://0/'],
  ['A17 unspecified IPv6', 'http://[::]/'],
  ['A17 mapped unspecified', 'http://[::ffff:0.0.0.0]/'],
  ['scheme file', 'file:///etc/passwd'],
  ['scheme ftp', 'ftp://example.com/'],
  ['scheme gopher', 'gopher://example.com/'],
  ['userinfo', 'https://user:pass@example.com/'],
  ['user only', 'https://user@example.com/'],
  ['empty userinfo', 'https://@example.com/'],
  ['query', 'https://example.com/v1?x=1'],
  ['empty query', 'https://example.com/v1?'],
  ['fragment', 'https://example.com/v1#frag'],
];

const safe: readonly (readonly [string, string, string])[] = [
  ['openai', 'https://api.openai.com/v1', 'https://api.openai.com/v1'],
  ['trailing slashes dropped', 'https://api.openai.com/v1///', 'https://api.openai.com/v1'],
  ['root path', 'https://example.com/', 'https://example.com'],
  ['default port dropped, host lower-cased', 'HTTPS://Example.COM:443/V1', 'https://example.com/V1'],
  ['loopback (vLLM)', 'http://127.0.0.1:8000/v1', 'http://127.0.0.1:8000/v1'],
  ['localhost (Ollama)', 'http://localhost:11434/v1', 'http://localhost:11434/v1'],
  ['IPv6 loopback', 'http://[::1]:8000/v1', 'http://[::1]:8000/v1'],
  ['private 10/8', 'http://10.1.2.3/v1', 'http://10.1.2.3/v1'],
  ['private 192.168/16', 'http://192.168.1.20:8000', 'http://192.168.1.20:8000'],
  ['unique-local IPv6 other than metadata', 'http://[fd00:ec2::253]/', 'http://[fd00:ec2::253]'],
  ['169.254 look-alike name', 'https://169-254-169-254.example.com/', 'https://169-254-169-254.example.com'],
  ['metadata as a subdomain label', 'https://metadata.example.com/', 'https://metadata.example.com'],
  ['mapped public IPv4', 'http://[::ffff:8.8.8.8]/', 'http://[::ffff:808:808]'],
];

describe('checkBaseURL', () => {
  for (const [label, url] of unsafe) {
    it(`${label}: ${url} → UnsafeBaseURL`, () => {
      const got = checkBaseURL(url);
      expect(got.ok).toBe(false);
      if (!got.ok) expect(got.reason).toBe('UnsafeBaseURL');
    });
  }

  for (const [label, url, normalised] of safe) {
    it(`${label}: ${url} → ${normalised}`, () => {
      expect(checkBaseURL(url)).toEqual({ ok: true, url: normalised });
    });
  }

  it('an unparsable URL is Invalid and the message does not echo it', () => {
    const got = checkBaseURL('https://user:s3cret@[bad');
    expect(got).toMatchObject({ ok: false, reason: 'Invalid' });
    expect(JSON.stringify(got)).not.toContain('s3cret');
  });

  it('never echoes user credentials', () => {
    expect(JSON.stringify(checkBaseURL('https://user:s3cret@example.com/'))).not.toContain('s3cret');
  });
});
