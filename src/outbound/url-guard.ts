/**
 * The one rule for every URL a tenant can make this Worker call (destination
 * webhooks, Slack and Segment endpoints, automation actions, sync callbacks,
 * outreach account base URLs) and for the operator's provider URLs: it must
 * name a public host. Pure: no DNS, no I/O.
 *
 * Every spelling of an address is normalised before it is judged: IPv4 in
 * decimal (2130706433), hex (0x7f.1), octal (0177.0.0.1) and short forms
 * (127.1), IPv6 in any compression, with embedded IPv4 (::ffff:127.0.0.1,
 * 64:ff9b::, 6to4), host names in any case and with a trailing dot.
 *
 * `allowPrivate` (the ALLOW_PRIVATE_DESTINATIONS var, for local runs and the
 * test fakes) lets plain http and private hosts through; cloud metadata
 * addresses stay refused even then.
 */

export interface GuardOptions {
  allowPrivate: boolean;
}

export type UrlVerdict = { ok: true; url: URL } | { ok: false; reason: string };

/** Names that only resolve inside a machine or a private network (RFC 6761, 6762, 8375, ICANN's .internal), and the test fakes' `.fake`. */
const PRIVATE_SUFFIXES = ["localhost", "local", "localdomain", "internal", "intranet", "lan", "home.arpa", "corp", "private", "test", "example", "invalid", "fake"];

/** Cloud instance metadata services: refused even when private hosts are allowed. */
const METADATA_HOSTS = new Set(["metadata.google.internal", "metadata.goog", "metadata", "instance-data", "instance-data.ec2.internal", "metadata.azure.internal"]);
const METADATA_IPV4 = new Set(["169.254.169.254", "169.254.170.2", "100.100.100.200", "192.0.0.192"]);
const METADATA_IPV6 = new Set(["fd00:ec2:0:0:0:0:0:254"]);

/** Database URLs (the Postgres destination): TCP with the protocol's own TLS, judged by host like https. */
const DATABASE_PROTOCOLS = new Set(["postgres:", "postgresql:"]);

export function checkOutboundUrl(raw: string, { allowPrivate }: GuardOptions): UrlVerdict {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: "must be an absolute URL" };
  }
  if (url.protocol !== "https:" && !DATABASE_PROTOCOLS.has(url.protocol) && !(allowPrivate && url.protocol === "http:")) {
    return { ok: false, reason: allowPrivate ? "must use http or https" : "must use https" };
  }
  const host = classifyHost(url.hostname);
  if (host.kind === "invalid") return { ok: false, reason: `host ${url.hostname} is not a valid host name or address` };
  if (host.kind === "metadata") return { ok: false, reason: `host ${url.hostname} is a cloud metadata address` };
  if (host.kind === "private" && !allowPrivate) return { ok: false, reason: `host ${url.hostname} is ${host.why}, not a public address` };
  return { ok: true, url };
}

export type HostClass = { kind: "public" } | { kind: "private"; why: string } | { kind: "metadata" } | { kind: "invalid" };

/** Judges a URL's hostname (as URL.hostname gives it: IPv6 in brackets). */
export function classifyHost(hostname: string): HostClass {
  const name = hostname.toLowerCase().replace(/\.+$/, "");
  if (name.length === 0) return { kind: "invalid" };
  if (name.startsWith("[") && name.endsWith("]")) {
    const hextets = parseIpv6(name.slice(1, -1));
    return hextets ? classifyIpv6(hextets) : { kind: "invalid" };
  }
  const v4 = parseIpv4(name);
  if (v4 === "invalid") return { kind: "invalid" };
  if (v4 !== null) return classifyIpv4(v4);
  if (!/^[a-z0-9_-]+(\.[a-z0-9_-]+)*$/.test(name) || name.split(".").some((label) => label.length === 0 || label.length > 63)) return { kind: "invalid" };
  if (METADATA_HOSTS.has(name)) return { kind: "metadata" };
  const suffix = PRIVATE_SUFFIXES.find((s) => name === s || name.endsWith(`.${s}`));
  if (suffix) return { kind: "private", why: `a .${suffix} name` };
  if (!name.includes(".")) return { kind: "private", why: "a single-label name" };
  return { kind: "public" };
}

/**
 * An IPv4 address in any spelling inet_aton takes (1 to 4 parts, each
 * decimal, 0x-hex or 0-octal, the last filling the remaining bytes), as a
 * 32-bit number; null when the name is not numeric; "invalid" when it looks
 * numeric but is out of range.
 */
export function parseIpv4(name: string): number | null | "invalid" {
  const parts = name.split(".");
  if (parts.length > 4 || !parts.every((p) => /^(0x[0-9a-f]*|[0-9]+)$/i.test(p))) return null;
  const numbers: number[] = [];
  for (const part of parts) {
    const value = /^0x/i.test(part) ? (part.length === 2 ? 0 : parseInt(part.slice(2), 16)) : /^0[0-7]+$/.test(part) ? parseInt(part, 8) : /^0[0-9]+$/.test(part) ? NaN : Number(part);
    if (!Number.isFinite(value)) return "invalid";
    numbers.push(value);
  }
  const last = numbers.pop()!;
  if (numbers.some((n) => n > 255) || last >= 256 ** (4 - numbers.length)) return "invalid";
  return numbers.reduce((acc, n, i) => acc + n * 256 ** (3 - i), 0) + last;
}

/** Eight 16-bit groups, or null when the text is not an IPv6 address. */
export function parseIpv6(text: string): number[] | null {
  let address = text.toLowerCase();
  const zone = address.indexOf("%");
  if (zone >= 0) address = address.slice(0, zone);
  let tail: number[] = [];
  const dotted = address.match(/^(.*:)(\d+\.\d+\.\d+\.\d+)$/);
  if (dotted) {
    const v4 = parseIpv4(dotted[2]!);
    if (typeof v4 !== "number" || !/^\d+\.\d+\.\d+\.\d+$/.test(dotted[2]!)) return null;
    tail = [v4 >>> 16, v4 & 0xffff];
    address = dotted[1]!.endsWith("::") ? dotted[1]! : dotted[1]!.slice(0, -1);
  }
  const halves = address.split("::");
  if (halves.length > 2) return null;
  const group = (s: string) => (s === "" ? [] : s.split(":"));
  const head = group(halves[0]!);
  const rest = halves.length === 2 ? group(halves[1]!) : [];
  if (![...head, ...rest].every((g) => /^[0-9a-f]{1,4}$/.test(g))) return null;
  const known = head.length + rest.length + tail.length;
  if (halves.length === 1 ? known !== 8 : known > 7) return null;
  const zeros = new Array<number>(8 - known).fill(0);
  return [...head.map((g) => parseInt(g, 16)), ...zeros, ...rest.map((g) => parseInt(g, 16)), ...tail];
}

/** [first address, prefix length, what it is] of every IPv4 block that is not the public internet. */
const IPV4_BLOCKS: [string, number, string][] = [
  ["0.0.0.0", 8, "an unspecified (this-network) address"],
  ["10.0.0.0", 8, "a private address"],
  ["100.64.0.0", 10, "a carrier-grade NAT address"],
  ["127.0.0.0", 8, "a loopback address"],
  ["169.254.0.0", 16, "a link-local address"],
  ["172.16.0.0", 12, "a private address"],
  ["192.0.0.0", 24, "an IETF protocol address"],
  ["192.0.2.0", 24, "a documentation address"],
  ["192.88.99.0", 24, "a 6to4 relay address"],
  ["192.168.0.0", 16, "a private address"],
  ["198.18.0.0", 15, "a benchmarking address"],
  ["198.51.100.0", 24, "a documentation address"],
  ["203.0.113.0", 24, "a documentation address"],
  ["224.0.0.0", 4, "a multicast address"],
  ["240.0.0.0", 4, "a reserved address"],
];

function ipv4Text(value: number): string {
  return [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join(".");
}

export function classifyIpv4(value: number): HostClass {
  if (METADATA_IPV4.has(ipv4Text(value))) return { kind: "metadata" };
  for (const [first, bits, why] of IPV4_BLOCKS) {
    const base = parseIpv4(first) as number;
    if (Math.floor(value / 2 ** (32 - bits)) === Math.floor(base / 2 ** (32 - bits))) return { kind: "private", why };
  }
  return { kind: "public" };
}

export function classifyIpv6(h: number[]): HostClass {
  if (METADATA_IPV6.has(h.map((g) => g.toString(16)).join(":"))) return { kind: "metadata" };
  const embedded = (hi: number, lo: number) => classifyIpv4(hi * 65536 + lo);
  const zeroUntil = (n: number) => h.slice(0, n).every((g) => g === 0);
  if (zeroUntil(8)) return { kind: "private", why: "the unspecified address" };
  if (zeroUntil(7) && h[7] === 1) return { kind: "private", why: "a loopback address" };
  // ::ffff:a.b.c.d (mapped), ::a.b.c.d (compatible), ::ffff:0:a.b.c.d (translated): judged as the IPv4 address.
  if (zeroUntil(5) && (h[5] === 0xffff || h[5] === 0)) return embedded(h[6]!, h[7]!);
  if (zeroUntil(4) && h[4] === 0xffff && h[5] === 0) return embedded(h[6]!, h[7]!);
  // NAT64 (64:ff9b::/96 and the local-use 64:ff9b:1::/48) reaches the embedded IPv4 address.
  if (h[0] === 0x64 && h[1] === 0xff9b) return embedded(h[6]!, h[7]!);
  // 6to4 (2002::/16) carries an IPv4 address in groups 1 and 2.
  if (h[0] === 0x2002) {
    const inner = embedded(h[1]!, h[2]!);
    if (inner.kind !== "public") return inner;
  }
  const top = h[0]!;
  if ((top & 0xfe00) === 0xfc00) return { kind: "private", why: "a unique local address" };
  if ((top & 0xffc0) === 0xfe80) return { kind: "private", why: "a link-local address" };
  if ((top & 0xffc0) === 0xfec0) return { kind: "private", why: "a site-local address" };
  if ((top & 0xff00) === 0xff00) return { kind: "private", why: "a multicast address" };
  if (top === 0x2001 && h[1] === 0x0db8) return { kind: "private", why: "a documentation address" };
  if (top === 0x0100 && h[1] === 0 && h[2] === 0 && h[3] === 0) return { kind: "private", why: "a discard address" };
  if (top === 0x2001 && h[1]! < 0x200) return { kind: "private", why: "an IETF protocol address" };
  if (zeroUntil(1)) return { kind: "private", why: "a reserved address" };
  return { kind: "public" };
}
