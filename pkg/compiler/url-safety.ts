// Provider base URL checks (catalogue A15/A17): http(s) only, no userinfo/query/fragment, and never a
// link-local, cloud-metadata or unspecified address, in whatever spelling WHATWG URL normalises.
// Loopback and private ranges are allowed on purpose: vLLM and Ollama usually run next to the gateway.

export type BaseURLCheck =
  | { readonly ok: true; readonly url: string }
  | { readonly ok: false; readonly reason: 'Invalid' | 'UnsafeBaseURL'; readonly problem: string };

const METADATA_HOSTS = new Set(['metadata', 'metadata.google.internal']);

/** Validate and normalise (origin + path, no trailing slash) a provider base URL. */
export function checkBaseURL(raw: string): BaseURLCheck {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return { ok: false, reason: 'Invalid', problem: 'baseURL is not a valid absolute URL (expected something like https://api.example.com/v1)' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return { ok: false, reason: 'UnsafeBaseURL', problem: `baseURL scheme ${url.protocol.slice(0, -1)} is not allowed; use http or https` };
  }
  if (url.username !== '' || url.password !== '' || hasUserinfo(raw)) {
    return { ok: false, reason: 'UnsafeBaseURL', problem: 'baseURL must not contain user credentials (user:password@); put the key in a Secret and reference it with auth.secretRef' };
  }
  if (url.href.includes('?') || url.href.includes('#')) {
    return { ok: false, reason: 'UnsafeBaseURL', problem: 'baseURL must not contain a query (?) or fragment (#)' };
  }
  const hostProblem = unsafeHost(url.hostname);
  if (hostProblem !== null) return { ok: false, reason: 'UnsafeBaseURL', problem: `baseURL host ${url.hostname} is ${hostProblem}; such addresses are never used as upstreams` };
  const path = url.pathname.replace(/\/+$/, '');
  return { ok: true, url: `${url.protocol}//${url.host}${path}` };
}

/** An "@" in the authority, even an empty "http://@host/" that WHATWG URL drops silently. */
function hasUserinfo(raw: string): boolean {
  const afterScheme = /^[a-zA-Z][a-zA-Z0-9+.-]*:[/\\]*/.exec(raw.trim());
  const rest = raw.trim().slice(afterScheme?.[0].length ?? 0);
  const authority = rest.split(/[/\\?#]/, 1)[0] ?? '';
  return authority.includes('@');
}

/** Why a (WHATWG-normalised) hostname is unsafe, or null. */
export function unsafeHost(hostname: string): string | null {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  if (METADATA_HOSTS.has(host)) return 'a cloud metadata service';
  if (host.startsWith('[') && host.endsWith(']')) {
    const groups = parseIPv6(host.slice(1, -1));
    return groups === null ? 'not a valid IPv6 address' : unsafeIPv6(groups);
  }
  const v4 = parseIPv4(host);
  return v4 === null ? null : unsafeIPv4(v4);
}

function parseIPv4(host: string): number[] | null {
  const parts = host.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^(0|[1-9][0-9]{0,2})$/.test(p))) return null;
  const bytes = parts.map(Number);
  return bytes.every((b) => b <= 255) ? bytes : null;
}

function unsafeIPv4(b: readonly number[]): string | null {
  const [a = 0, c = 0, d = 0, e = 0] = b;
  if (a === 169 && c === 254 && d === 169 && e === 254) return 'a cloud metadata service';
  if (a === 169 && c === 254) return 'link-local (169.254.0.0/16)';
  if (a === 0) return 'unspecified (0.0.0.0/8)';
  return null;
}

/** Parse the compressed hex form WHATWG URL serialises IPv6 to (no embedded dotted quad). */
function parseIPv6(text: string): number[] | null {
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const head = halves[0] === '' || halves[0] === undefined ? [] : halves[0].split(':');
  const tail = halves.length === 2 && halves[1] !== '' && halves[1] !== undefined ? halves[1].split(':') : [];
  const fill = 8 - head.length - tail.length;
  if ((halves.length === 1 && fill !== 0) || fill < 0) return null;
  const groups = [...head, ...Array<string>(fill).fill('0'), ...tail];
  if (!groups.every((g) => /^[0-9a-f]{1,4}$/.test(g))) return null;
  return groups.map((g) => parseInt(g, 16));
}

function unsafeIPv6(g: readonly number[]): string | null {
  const at = (i: number): number => g[i] ?? 0;
  const zeroUpTo = (n: number): boolean => g.slice(0, n).every((x) => x === 0);
  if (g.every((x) => x === 0)) return 'unspecified (::)';
  if ((at(0) & 0xffc0) === 0xfe80) return 'link-local (fe80::/10)';
  if (at(0) === 0xfd00 && at(1) === 0x0ec2 && g.slice(2, 7).every((x) => x === 0) && at(7) === 0x254) {
    return 'a cloud metadata service';
  }
  const embedded = [at(6) >> 8, at(6) & 0xff, at(7) >> 8, at(7) & 0xff];
  const mapped = zeroUpTo(5) && at(5) === 0xffff; // ::ffff:a.b.c.d
  const compatible = zeroUpTo(6) && !(at(6) === 0 && at(7) <= 1); // ::a.b.c.d (not :: or ::1)
  const nat64 = at(0) === 0x64 && at(1) === 0xff9b && g.slice(2, 6).every((x) => x === 0); // 64:ff9b::/96
  if (mapped || compatible || nat64) {
    const problem = unsafeIPv4(embedded);
    return problem === null ? null : `${problem}, written as IPv6`;
  }
  return null;
}
