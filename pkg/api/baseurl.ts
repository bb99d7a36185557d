// Provider.spec.baseURL: the admission-time part of the SSRF defence (catalogue A17). CEL can only look at the
// text, so these rules reject literal link-local / metadata addresses and the spellings that hide them; names
// that resolve to such addresses are caught by the compiler and by the connect-time guard.
import { z } from 'zod';
import { celQuote, withRules, type CelRule } from './cel.ts';

/** Lower-cases A-Z only, exactly like CEL's lowerAscii(). */
export function lowerAscii(s: string): string {
  return s.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

const END_OF_HOST = '([:/?#]|$)';
const OCTET = '(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])';

/** The URL is http(s)://host[:port] and an optional path (no query, no fragment); host is ASCII or [IPv6]. */
export const URL_SHAPE = '^https?://(\\[[0-9a-f:.]+\\]|[a-z0-9._-]+)(:[0-9]{1,5})?(/[^?#]*)?$';

/** The host's last label is a number (decimal, octal or hex): WHATWG URL parsing then reads it as IPv4. */
export const NUMERIC_HOST = `^https?://([^/?#:\\[\\]]*[.])?(0x[0-9a-f]*|[0-9]+)[.]?${END_OF_HOST}`;

/** A canonical dotted-quad IPv4 address. */
export const CANONICAL_IPV4 = `^https?://${OCTET}([.]${OCTET}){3}${END_OF_HOST}`;

/** Link-local, unspecified, NAT64-wrapped or cloud metadata hosts (matched against the lower-cased URL). */
export const FORBIDDEN_HOST = '^https?://(' + [
  '169[.]254[.]', // IPv4 link-local, including 169.254.169.254 (AWS, Azure, GCP, OpenStack metadata)
  `0[.][0-9]+[.][0-9]+[.][0-9]+[.]?${END_OF_HOST}`, // 0.0.0.0/8 ("this host")
  `100[.]100[.]100[.]200${END_OF_HOST}`, // Alibaba Cloud metadata
  `metadata([.]google[.]internal)?[.]?${END_OF_HOST}`, // GCP metadata names (the short one via search domains)
  '\\[fe[89ab][0-9a-f]:', // IPv6 link-local fe80::/10
  '\\[[0:]*:ffff:', // IPv4-mapped IPv6 (::ffff:a.b.c.d, ::ffff:a9fe:a9fe)
  '\\[[0:]*:(a9fe:|[0-9]+[.])', // IPv4-compatible IPv6 (::169.254.169.254, ::a9fe:a9fe)
  '\\[[0:]*\\]', // IPv6 unspecified [::]
  '\\[64:ff9b:', // NAT64 prefix, which can reach any IPv4 address
  '\\[fd00:ec2::254\\]', // AWS metadata over IPv6
].join('|') + ')';

/** A boolean test on the URL, written in CEL (over `self`) and in TypeScript. */
interface Predicate {
  readonly cel: string;
  readonly test: (url: string) => boolean;
}

function matching(pattern: string): Predicate {
  const re = new RegExp(pattern);
  return { cel: `self.lowerAscii().matches(${celQuote(pattern)})`, test: (url) => re.test(lowerAscii(url)) };
}

function not(p: Predicate): Predicate {
  return { cel: `!${p.cel}`, test: (url) => !p.test(url) };
}

function either(a: Predicate, b: Predicate): Predicate {
  return { cel: `(${a.cel} || ${b.cel})`, test: (url) => a.test(url) || b.test(url) };
}

const HTTP_SCHEME: Predicate = {
  cel: "(self.lowerAscii().startsWith('http://') || self.lowerAscii().startsWith('https://'))",
  test: (url) => lowerAscii(url).startsWith('http://') || lowerAscii(url).startsWith('https://'),
};

/** The checks in order; each is reported only when every earlier one passed, so a bad URL gets one message. */
const CHECKS: readonly { readonly must: Predicate; readonly message: string }[] = [
  { must: HTTP_SCHEME, message: 'baseURL must start with http:// or https://' },
  {
    must: matching(URL_SHAPE),
    message: 'baseURL must be http(s)://host[:port][/path] with an ASCII host name or [IPv6] literal: no user info, percent-encoded host, query or fragment',
  },
  {
    must: either(not(matching(NUMERIC_HOST)), matching(CANONICAL_IPV4)),
    message: 'an IPv4 host in baseURL must be four decimal numbers without leading zeros (no hex, octal or single-integer forms)',
  },
  { must: not(matching(FORBIDDEN_HOST)), message: 'baseURL must not point at a link-local, unspecified, NAT64 or cloud metadata address' },
];

function ruleAt(i: number): CelRule<string> {
  const earlier = CHECKS.slice(0, i).map((c) => c.must);
  const { must, message } = CHECKS[i] as (typeof CHECKS)[number];
  const guard = earlier.length === 0 ? '' : `!(${earlier.map((p) => p.cel).join(' && ')}) || `;
  return { rule: guard + must.cel, message, holds: (url) => !earlier.every((p) => p.test(url)) || must.test(url) };
}

export const BaseURL = withRules(z.string().max(2048), CHECKS.map((_, i) => ruleAt(i)));
