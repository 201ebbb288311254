/**
 * The URL guard against ipaddr.js's own classification: addresses generated
 * in every special range ipaddr.js knows (IPv4 and IPv6), and across the
 * public space, each in many spellings, through the URL parser both as an
 * https host (the URL standard normalises it) and as a postgres host (an
 * opaque host: the spelling reaches the guard as written).
 *
 * The policy under test: an address is public exactly when ipaddr.js calls
 * it `unicast`, except that an IPv6 address carrying an IPv4 address (mapped,
 * compatible, translated, NAT64 /96, 6to4) is judged as that IPv4 address,
 * the local-use NAT64 /48 is refused, and IPv6 unicast outside 2000::/3 (the
 * only block IANA gives out) is refused.
 */
import { describe, expect, it } from "vitest";
import ipaddr from "ipaddr.js";
import { checkOutboundUrl, classifyHost } from "../../../src/outbound/url-guard";

const production = { allowPrivate: false };

/** A fixed-seed generator (mulberry32): the same addresses on every run. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Block = [ipaddr.IPv4 | ipaddr.IPv6, number];

/** ipaddr.js's special ranges by name, each as a list of [first address, prefix length]. */
function specialRanges(family: typeof ipaddr.IPv4 | typeof ipaddr.IPv6): [string, Block[]][] {
  const ranges = (family.prototype as unknown as { SpecialRanges: Record<string, Block | Block[]> }).SpecialRanges;
  return Object.entries(ranges).map(([name, blocks]) => [name, Array.isArray(blocks[0]) ? (blocks as Block[]) : [blocks as Block]]);
}

/** The first and last address of a block and `count` random ones in it, as 4 or 16 bytes. */
function addressesIn([first, bits]: Block, count: number, next: () => number): number[][] {
  const bytes = first.toByteArray();
  const width = bytes.length * 8;
  const base = bytes.reduce((acc, b) => (acc << 8n) | BigInt(b), 0n);
  const size = 1n << BigInt(width - bits);
  const offsets = [0n, size - 1n];
  for (let i = 0; i < count; i++) {
    let offset = 0n;
    for (let b = 0; b < width; b += 16) offset = (offset << 16n) | BigInt(Math.floor(next() * 65536));
    offsets.push(offset % size);
  }
  return offsets.map((offset) => {
    let value = base + offset;
    const out = new Array<number>(bytes.length);
    for (let i = bytes.length - 1; i >= 0; i--) {
      out[i] = Number(value & 255n);
      value >>= 8n;
    }
    return out;
  });
}

/** Every inet_aton spelling of an IPv4 address: dotted, one number, per-part octal and hex, and the short forms. */
function ipv4Spellings([a, b, c, d]: number[]): string[] {
  const value = ((a! << 24) | (b! << 16) | (c! << 8) | d!) >>> 0;
  const parts = [a!, b!, c!, d!];
  return [
    parts.join("."),
    `${parts.join(".")}.`,
    String(value),
    `0x${value.toString(16)}`,
    `0X${value.toString(16).toUpperCase()}`,
    `0${value.toString(8)}`,
    parts.map((p) => `0${p.toString(8)}`).join("."),
    parts.map((p) => `0x${p.toString(16)}`).join("."),
    parts.map((p, i) => (i % 2 ? `0x${p.toString(16).padStart(2, "0")}` : `0${p.toString(8)}`)).join("."),
    `${a}.${b}.${(c! << 8) | d!}`,
    `${a}.${(b! << 16) | (c! << 8) | d!}`,
    `0x${a!.toString(16)}.0${(((b! << 16) | (c! << 8) | d!) >>> 0).toString(8)}`,
  ];
}

/** IPv6 spellings: compressed, full, zero-padded, upper case, a dotted IPv4 tail, and the first zero run compressed. */
function ipv6Spellings(bytes: number[]): string[] {
  const address = ipaddr.fromByteArray(bytes) as ipaddr.IPv6;
  const groups = address.parts.map((g) => g.toString(16));
  const padded = address.parts.map((g) => g.toString(16).padStart(4, "0")).join(":");
  const spellings = [address.toString(), address.toNormalizedString(), padded, padded.toUpperCase()];
  spellings.push(`${groups.slice(0, 6).join(":")}:${bytes.slice(12).join(".")}`);
  const zero = groups.indexOf("0");
  if (zero >= 0) {
    let end = zero;
    while (groups[end] === "0") end++;
    spellings.push(`${groups.slice(0, zero).join(":")}::${groups.slice(end).join(":")}`);
  }
  return spellings;
}

const ipv4IsPublic = (bytes: number[]) => ipaddr.fromByteArray(bytes).range() === "unicast";

/** What the policy says of an IPv6 address, from ipaddr.js's range and the IPv4 address it may carry. */
function ipv6IsPublic(bytes: number[]): boolean {
  const address = ipaddr.fromByteArray(bytes) as ipaddr.IPv6;
  const range = address.range() as string;
  const [g0, g1, g2] = address.parts;
  if (range === "ipv4Mapped" || range === "rfc6145") return ipv4IsPublic(bytes.slice(12));
  // The well-known NAT64 prefix (64:ff9b::/96) carries the address in its last 32 bits; the local-use /48 is refused.
  if (range === "rfc6052") return g1 === 0xff9b && g2 === 0 && ipv4IsPublic(bytes.slice(12));
  if (range === "6to4") return ipv4IsPublic(bytes.slice(2, 6));
  const compatible = address.parts.slice(0, 6).every((g) => g === 0) && range === "unicast";
  if (compatible) return ipv4IsPublic(bytes.slice(12));
  return range === "unicast" && (g0! & 0xe000) === 0x2000;
}

const httpsUrl = (host: string) => `https://${host.includes(":") ? `[${host}]` : host}/path`;
const postgresUrl = (host: string) => `postgres://writer@${host.includes(":") ? `[${host}]` : host}:5432/analytics`;

/** Checks every spelling of every address: the verdict is the policy's, and every spelling is judged as the canonical one. */
function expectGuardAgrees(addresses: number[][], spell: (bytes: number[]) => string[], isPublic: (bytes: number[]) => boolean) {
  let checked = 0;
  for (const bytes of addresses) {
    const [canonical, ...others] = spell(bytes);
    const expected = isPublic(bytes);
    const judged = classifyHost(canonical!.includes(":") ? `[${canonical}]` : canonical!);
    expect(judged.kind === "public", `${canonical}: ${JSON.stringify(judged)}`).toBe(expected);
    for (const spelling of [canonical!, ...others]) {
      for (const url of [httpsUrl(spelling), postgresUrl(spelling)]) {
        const verdict = checkOutboundUrl(url, production);
        expect(verdict.ok, `${url} (${canonical}) ${verdict.ok ? "" : verdict.reason}`).toBe(expected);
        checked++;
      }
      const host = spelling.includes(":") ? `[${spelling}]` : spelling;
      expect(classifyHost(host), host).toEqual(judged);
    }
  }
  return checked;
}

describe("URL guard against ipaddr.js's classification", () => {
  const next = random(34);

  it.each(specialRanges(ipaddr.IPv4))("IPv4 %s: every address and spelling as ipaddr.js classifies it", (_name, blocks) => {
    const addresses = blocks.flatMap((block) => addressesIn(block, 24, next));
    expect(expectGuardAgrees(addresses, ipv4Spellings, ipv4IsPublic)).toBeGreaterThan(0);
  });

  it("IPv4 across the whole space: public exactly where ipaddr.js says unicast", () => {
    const addresses = addressesIn([ipaddr.parse("0.0.0.0"), 0], 2_000, next);
    expect(addresses.filter(ipv4IsPublic).length).toBeGreaterThan(1_000);
    expectGuardAgrees(addresses, ipv4Spellings, ipv4IsPublic);
  });

  it.each(specialRanges(ipaddr.IPv6))("IPv6 %s: every address and spelling as ipaddr.js classifies it", (_name, blocks) => {
    const addresses = blocks.flatMap((block) => addressesIn(block, 24, next));
    expect(expectGuardAgrees(addresses, ipv6Spellings, ipv6IsPublic)).toBeGreaterThan(0);
  });

  it.each([
    ["IPv4-mapped", "::ffff:0:0", 96],
    ["IPv4-translated", "::ffff:0:0:0", 96],
    ["IPv4-compatible", "::", 96],
    ["NAT64", "64:ff9b::", 96],
    ["6to4", "2002::", 16],
  ])("IPv6 %s carrying every kind of IPv4 address: judged as the IPv4 address", (_name, prefix, bits) => {
    const [first] = ipaddr.parseCIDR(`${prefix}/${bits}`);
    const prefixBytes = first.toByteArray();
    const special = specialRanges(ipaddr.IPv4).flatMap(([, blocks]) => blocks.flatMap((block) => addressesIn(block, 4, next)));
    const ipv4s = [...special, ...addressesIn([ipaddr.parse("0.0.0.0"), 0], 32, next)];
    const addresses = ipv4s.map((v4) => {
      const bytes = [...prefixBytes];
      bytes.splice(prefix === "2002::" ? 2 : 12, 4, ...v4);
      return bytes;
    });
    expectGuardAgrees(addresses, ipv6Spellings, ipv6IsPublic);
    expect(addresses.some(ipv6IsPublic)).toBe(true);
  });

  it("IPv6 across the whole space: public exactly where ipaddr.js says unicast, inside 2000::/3", () => {
    const addresses = [...addressesIn([ipaddr.parse("::"), 0], 1_000, next), ...addressesIn([ipaddr.parse("2000::"), 3], 1_000, next)];
    expect(addresses.filter(ipv6IsPublic).length).toBeGreaterThan(900);
    expectGuardAgrees(addresses, ipv6Spellings, ipv6IsPublic);
  });

  it("an IPv6 address with a non-decimal IPv4 tail is no address at all", () => {
    for (const host of ["::ffff:0x7f.0.0.1", "::ffff:0177.0.0.1", "::ffff:127.1", "::ffff:2130706433"]) {
      expect(checkOutboundUrl(httpsUrl(host), { allowPrivate: true }).ok, host).toBe(false);
      expect(checkOutboundUrl(postgresUrl(host), { allowPrivate: true }).ok, host).toBe(false);
    }
  });
});
