import ipaddr from "ipaddr.js";

/**
 * The one rule for every URL a tenant can make this Worker call (destination
 * webhooks, Slack and Segment endpoints, automation actions, sync callbacks,
 * outreach account base URLs) and for the operator's provider URLs: it must
 * name a public host. Pure: no DNS, no I/O.
 *
 * Every spelling of an address is read by ipaddr.js before it is judged:
 * IPv4 in decimal (2130706433), hex (0x7f.1), octal (0177.0.0.1) and short
 * forms (127.1), IPv6 in any compression and with a dotted IPv4 tail. Which
 * range an address is in is ipaddr.js's word too; what is allowed is ours:
 * only what ipaddr.js calls `unicast` (for IPv6, inside 2000::/3), an IPv6
 * address carrying an IPv4 one (::ffff:127.0.0.1, ::127.0.0.1, 64:ff9b::/96,
 * 6to4) judged as that IPv4 address. A range ipaddr.js learns later is
 * refused until this file names it. Host names: any case, a trailing dot.
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
    const v6 = readIpv6(name.slice(1, -1));
    return v6 ? classifyIpv6(v6) : { kind: "invalid" };
  }
  const v4 = readIpv4(name);
  if (v4 === "invalid") return { kind: "invalid" };
  if (v4 !== null) return classifyIpv4(v4);
  if (!/^[a-z0-9_-]+(\.[a-z0-9_-]+)*$/.test(name) || name.split(".").some((label) => label.length === 0 || label.length > 63)) return { kind: "invalid" };
  if (METADATA_HOSTS.has(name)) return { kind: "metadata" };
  const suffix = PRIVATE_SUFFIXES.find((s) => name === s || name.endsWith(`.${s}`));
  if (suffix) return { kind: "private", why: `a .${suffix} name` };
  if (!name.includes(".")) return { kind: "private", why: "a single-label name" };
  return { kind: "public" };
}

/** inet_aton's shape (1 to 4 parts, each decimal or 0x-hex; octal is a decimal with a leading 0): what is judged as an IPv4 address. */
const NUMERIC_HOST = /^(0x[0-9a-f]*|[0-9]+)(\.(0x[0-9a-f]*|[0-9]+)){0,3}$/i;

/**
 * An IPv4 address in any spelling inet_aton takes, as a 32-bit number; null
 * when the name is not numeric; "invalid" when it looks numeric but is no
 * address (a part out of range, 09, a bare 0x).
 */
export function parseIpv4(name: string): number | null | "invalid" {
  const address = readIpv4(name);
  return address === null || address === "invalid" ? address : address.octets.reduce((acc, octet) => acc * 256 + octet, 0);
}

/** Eight 16-bit groups, or null when the text is not an IPv6 address. */
export function parseIpv6(text: string): number[] | null {
  return readIpv6(text)?.parts ?? null;
}

function readIpv4(name: string): ipaddr.IPv4 | null | "invalid" {
  if (!NUMERIC_HOST.test(name)) return null;
  try {
    return ipaddr.IPv4.parse(name);
  } catch {
    return "invalid";
  }
}

function readIpv6(text: string): ipaddr.IPv6 | null {
  // A zone (fe80::1%eth0) names an interface, not a host: dropped.
  const address = text.replace(/%.*$/, "");
  // ipaddr.js also takes octal, hex and leading zeros in a dotted tail; the URL standard and inet_pton do not.
  if (address.includes(".") && !/:(0|[1-9]\d{0,2})(\.(0|[1-9]\d{0,2})){3}$/.test(address)) return null;
  try {
    return ipaddr.IPv6.parse(address);
  } catch {
    return null;
  }
}

/** What each of ipaddr.js's ranges other than `unicast` is, said to the tenant. */
const RANGE_NAMES: Record<string, string> = {
  unspecified: "an unspecified (this-network) address",
  broadcast: "the broadcast address, a reserved address",
  multicast: "a multicast address",
  linkLocal: "a link-local address",
  loopback: "a loopback address",
  carrierGradeNat: "a carrier-grade NAT address",
  private: "a private address",
  reserved: "a reserved address (documentation, benchmarking, IETF protocol or future use)",
  as112: "an AS112 DNS sink address",
  amt: "an AMT relay address",
  uniqueLocal: "a unique local address",
  deprecatedSiteLocal: "a site-local address",
  discard: "a discard address",
  rfc6052: "a local-use NAT64 address",
  teredo: "a Teredo tunnel address",
  benchmarking: "a benchmarking address",
  as112v6: "an AS112 DNS sink address",
  deprecatedOrchid: "an ORCHID identifier",
  orchid2: "an ORCHID identifier",
  droneRemoteIdProtocolEntityTags: "a drone remote ID tag",
  segmentRouting: "a segment routing address",
};

function specialRange(range: string): HostClass {
  return { kind: "private", why: RANGE_NAMES[range] ?? `a special-purpose address (${range})` };
}

export function classifyIpv4(address: ipaddr.IPv4): HostClass {
  if (METADATA_IPV4.has(address.toString())) return { kind: "metadata" };
  const range = address.range();
  return range === "unicast" ? { kind: "public" } : specialRange(range);
}

/** The IPv4 address an IPv6 one carries to an IPv4 host: mapped, compatible, translated, NAT64 (/96), 6to4. */
function carriedIpv4(address: ipaddr.IPv6, range: string): ipaddr.IPv4 | null {
  const g = address.parts;
  const ipv4 = (hi: number, lo: number) => new ipaddr.IPv4([hi >> 8, hi & 255, lo >> 8, lo & 255]);
  const zeroUntil = (n: number) => g.slice(0, n).every((group) => group === 0);
  if (range === "ipv4Mapped" || range === "rfc6145") return ipv4(g[6]!, g[7]!);
  // ::a.b.c.d, the deprecated compatible form: ipaddr.js calls it unicast, but a stack may still route it to IPv4.
  if (range === "unicast" && zeroUntil(6)) return ipv4(g[6]!, g[7]!);
  if (range === "rfc6052" && g[2] === 0) return ipv4(g[6]!, g[7]!);
  if (range === "6to4") return ipv4(g[1]!, g[2]!);
  return null;
}

/** Global unicast: the only IPv6 block IANA allocates from; ipaddr.js calls the unassigned rest of the space unicast too. */
const GLOBAL_UNICAST = ipaddr.parseCIDR("2000::/3") as [ipaddr.IPv6, number];

export function classifyIpv6(address: ipaddr.IPv6): HostClass {
  if (METADATA_IPV6.has(address.toNormalizedString())) return { kind: "metadata" };
  const range = address.range();
  const carried = carriedIpv4(address, range);
  if (carried) return classifyIpv4(carried);
  if (range !== "unicast") return specialRange(range);
  if (!address.match(GLOBAL_UNICAST)) return { kind: "private", why: "a reserved address (outside 2000::/3)" };
  return { kind: "public" };
}
