import { lookup as dnsLookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/**
 * SSRF protection for subscriber URLs, shared by admin-api (at registration) and fanout (at every connection).
 *
 * - only `https://` unless plain HTTP is explicitly allowed; no credentials in URLs;
 * - literal IPs in any notation are normalised by the WHATWG URL parser (decimal, octal, hex, shortened) and checked;
 * - hostnames are resolved by us and the connection goes to the vetted address (no second lookup: DNS rebinding);
 * - loopback, private, link-local (cloud metadata), CGNAT, unique-local, multicast, reserved, unspecified and
 *   IPv4-embedded IPv6 (mapped, compatible, NAT64, 6to4, Teredo) addresses are refused, unless an operator allows a
 *   specific private range (GATEWAY_ALLOWED_PRIVATE_CIDRS, e.g. 127.0.0.1/32 for local receivers).
 */
export interface UrlPolicy {
  allowHttp: boolean;
  /** CIDRs that stay reachable although private, e.g. `127.0.0.1/32`, `10.1.0.0/16`, `fd00::/8`. */
  allowedPrivateCidrs: readonly string[];
}

export type UrlCheck = { ok: true; url: URL } | { ok: false; reason: string };

const BLOCKED_V4: ReadonlyArray<[string, number, string]> = [
  ['0.0.0.0', 8, 'an unspecified ("this network") address'],
  ['10.0.0.0', 8, 'a private address'],
  ['100.64.0.0', 10, 'a carrier-grade NAT address'],
  ['127.0.0.0', 8, 'a loopback address'],
  ['169.254.0.0', 16, 'a link-local address (cloud metadata)'],
  ['172.16.0.0', 12, 'a private address'],
  ['192.0.0.0', 24, 'an IETF protocol assignment address'],
  ['192.0.2.0', 24, 'a documentation address'],
  ['192.88.99.0', 24, 'a 6to4 relay address'],
  ['192.168.0.0', 16, 'a private address'],
  ['198.18.0.0', 15, 'a benchmarking address'],
  ['198.51.100.0', 24, 'a documentation address'],
  ['203.0.113.0', 24, 'a documentation address'],
  ['224.0.0.0', 4, 'a multicast address'],
  ['240.0.0.0', 4, 'a reserved address'],
];

const BLOCKED_V6: ReadonlyArray<[string, number, string]> = [
  ['::', 128, 'an unspecified address'],
  ['::1', 128, 'a loopback address'],
  ['100::', 64, 'a discard-only address'],
  ['2001:db8::', 32, 'a documentation address'],
  ['fc00::', 7, 'a unique-local address'],
  ['fe80::', 10, 'a link-local address'],
  ['fec0::', 10, 'a site-local address'],
  ['ff00::', 8, 'a multicast address'],
];

export class UrlGuard {
  private readonly allowed = new BlockList();
  private readonly blocked: Array<{ list: BlockList; reason: string }> = [];

  constructor(private readonly policy: UrlPolicy) {
    for (const cidr of policy.allowedPrivateCidrs) {
      const [network, bits] = parseCidr(cidr);
      this.allowed.addSubnet(network, bits, isIP(network) === 6 ? 'ipv6' : 'ipv4');
    }
    for (const [network, bits, reason] of BLOCKED_V4) this.addBlocked(network, bits, 'ipv4', reason);
    for (const [network, bits, reason] of BLOCKED_V6) this.addBlocked(network, bits, 'ipv6', reason);
  }

  private addBlocked(network: string, bits: number, family: 'ipv4' | 'ipv6', reason: string): void {
    const list = new BlockList();
    list.addSubnet(network, bits, family);
    this.blocked.push({ list, reason });
  }

  /** Checks everything that can be checked without DNS. */
  checkUrl(raw: string): UrlCheck {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      return { ok: false, reason: 'is not a valid absolute URL' };
    }
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && this.policy.allowHttp)) {
      return { ok: false, reason: this.policy.allowHttp ? 'must use http or https' : 'must use https' };
    }
    if (url.username || url.password) return { ok: false, reason: 'must not contain credentials' };
    const host = stripBrackets(url.hostname);
    if (!host) return { ok: false, reason: 'has no host' };
    const literal = literalAddress(host);
    if (literal) {
      const reason = this.addressProblem(literal);
      if (reason) return { ok: false, reason: `points to ${reason}` };
    }
    return { ok: true, url };
  }

  /**
   * Why this IP must not be contacted, or null when it may. An IPv6 address embedding an IPv4 one is judged by the
   * IPv4 address, but an allowed private range covers only the address a connection really reaches: the IPv4-mapped
   * form (`::ffff:127.0.0.1`, which connects to 127.0.0.1); other forms (`[::127.0.0.1]`, NAT64, 6to4, Teredo) go
   * to IPv6 addresses nothing local answers, so they are refused rather than accepted and then failing.
   */
  addressProblem(address: string): string | null {
    const family = isIP(address);
    if (family === 0) return 'an address that is not an IP';
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (this.allowed.check(address, type)) return null;
    if (family === 6) {
      const embedded = embeddedIpv4(address);
      if (embedded) {
        const inner = this.addressProblem(embedded);
        if (inner) return `${inner} embedded in IPv6`;
        const behindAllowance = this.blockedReason(embedded, 'ipv4');
        if (behindAllowance && !isIpv4Mapped(address)) {
          return `${behindAllowance} in an IPv6 form that connections do not reach it by (use ${embedded})`;
        }
        return null;
      }
    }
    return this.blockedReason(address, type);
  }

  /** Is this address one that is refused by default and reachable only through GATEWAY_ALLOWED_PRIVATE_CIDRS? */
  allowedPrivately(address: string): boolean {
    const family = isIP(address);
    if (family === 0 || this.addressProblem(address)) return false;
    const embedded = family === 6 ? embeddedIpv4(address) : null;
    return embedded
      ? this.blockedReason(embedded, 'ipv4') !== null
      : this.blockedReason(address, family === 4 ? 'ipv4' : 'ipv6') !== null;
  }

  private blockedReason(address: string, type: 'ipv4' | 'ipv6'): string | null {
    for (const { list, reason } of this.blocked) {
      if (list.check(address, type)) return `${reason} (${address})`;
    }
    return null;
  }

  /**
   * Resolves a hostname and returns the first address that may be contacted.
   * Refuses when any resolved address is forbidden, so a host cannot mix a public and a private record.
   */
  async resolve(hostname: string): Promise<{ address: string; family: 4 | 6 }> {
    const host = stripBrackets(hostname);
    const literal = literalAddress(host);
    if (literal) {
      const problem = this.addressProblem(literal);
      if (problem) throw new UrlRefusedError(`points to ${problem}`);
      return { address: literal, family: isIP(literal) as 4 | 6 };
    }
    let records: Array<{ address: string; family: number }>;
    try {
      records = await dnsLookup(host, { all: true, verbatim: true });
    } catch (err) {
      throw new DnsLookupError(`DNS lookup of ${host} failed: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
    }
    if (records.length === 0) throw new DnsLookupError(`DNS lookup of ${host} returned no address`);
    for (const record of records) {
      const problem = this.addressProblem(record.address);
      if (problem) throw new UrlRefusedError(`resolves to ${problem}`);
    }
    const first = records[0]!;
    return { address: first.address, family: first.family as 4 | 6 };
  }

  /** Full check including DNS, for registration time. */
  async check(raw: string): Promise<UrlCheck> {
    const syntactic = this.checkUrl(raw);
    if (!syntactic.ok) return syntactic;
    try {
      await this.resolve(syntactic.url.hostname);
    } catch (err) {
      if (err instanceof UrlRefusedError) return { ok: false, reason: err.message };
      // An unresolvable host is allowed at registration (it may be created later); delivery will fail clearly.
    }
    return syntactic;
  }
}

export class UrlRefusedError extends Error {
  override readonly name = 'UrlRefusedError';
}

export class DnsLookupError extends Error {
  override readonly name = 'DnsLookupError';
}

/**
 * The address a host name stands for without DNS, as both the check and the connection use it: an IP literal, or
 * `localhost` and its subdomains in any case and with a trailing dot (`LOCALHOST.`), which are 127.0.0.1 — whatever
 * the system's resolver would make of them (`localhost.` may resolve to ::1, or not at all).
 */
function literalAddress(host: string): string | null {
  if (isIP(host)) return host;
  const name = host.toLowerCase().replace(/\.$/, '');
  return name === 'localhost' || name.endsWith('.localhost') ? '127.0.0.1' : null;
}

function isIpv4Mapped(address: string): boolean {
  const g = ipv6Groups(address);
  return g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff;
}

function stripBrackets(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

function parseCidr(cidr: string): [string, number] {
  const [network, bitsText] = cidr.trim().split('/');
  const family = isIP(network ?? '');
  const bits = bitsText === undefined ? (family === 6 ? 128 : 32) : Number(bitsText);
  if (!network || family === 0 || !Number.isInteger(bits) || bits < 0 || bits > (family === 6 ? 128 : 32)) {
    throw new Error(`invalid CIDR "${cidr}"`);
  }
  return [network, bits];
}

/** Expands an IPv6 address into its 8 16-bit groups. */
function ipv6Groups(address: string): number[] {
  let text = address.toLowerCase();
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4[1]!.split('.').map(Number) as [number, number, number, number];
    text = text.slice(0, -v4[1]!.length) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  const missing = 8 - headGroups.length - tailGroups.length;
  const groups: string[] =
    tail === undefined ? headGroups : [...headGroups, ...Array<string>(missing).fill('0'), ...tailGroups];
  return groups.map((g) => parseInt(g || '0', 16));
}

/** The IPv4 address carried inside an IPv6 address (mapped, compatible, NAT64, 6to4, Teredo), if any. */
export function embeddedIpv4(address: string): string | null {
  const g = ipv6Groups(address);
  const v4 = (hi: number, lo: number) => `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  const zeros = (from: number, to: number) => g.slice(from, to).every((x) => x === 0);
  if (zeros(0, 5) && g[5] === 0xffff) return v4(g[6]!, g[7]!); // ::ffff:a.b.c.d (mapped)
  if (zeros(0, 4) && g[4] === 0xffff && g[5] === 0) return v4(g[6]!, g[7]!); // ::ffff:0:a.b.c.d (translated)
  if (zeros(0, 6) && (g[6] !== 0 || g[7]! > 1)) return v4(g[6]!, g[7]!); // ::a.b.c.d (compatible)
  if (g[0] === 0x64 && g[1] === 0xff9b) return v4(g[6]!, g[7]!); // 64:ff9b::/96 NAT64
  if (g[0] === 0x2002) return v4(g[1]!, g[2]!); // 2002::/16 6to4
  if (g[0] === 0x2001 && g[1] === 0) return v4(g[6]! ^ 0xffff, g[7]! ^ 0xffff); // Teredo client address
  return null;
}
