// The leads list's search, filters and sorts, and the company (account)
// view, over the real Worker, lead objects, projection queue and D1.
import { beforeAll, describe, expect, it } from "vitest";
import { api, call, eventually, newTenant, send, type Tenant } from "../helpers";
import { leadCompany } from "../../../src/leads/company";

const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();
const DAY = 86_400_000;

let t: Tenant;
let all: any[];

/** Every page of a list, following its cursor. */
async function everyPage(path: string): Promise<any[]> {
  const leads: any[] = [];
  let cursor: string | null = null;
  do {
    const { status, body }: { status: number; body: any } = await api(t, `${path}${path.includes("?") ? "&" : "?"}limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    expect(status, JSON.stringify(body)).toBe(200);
    leads.push(...body.leads);
    cursor = body.nextCursor;
  } while (cursor);
  return leads;
}

const userIds = (leads: any[]) => leads.map((l) => l.userId);

beforeAll(async () => {
  t = await newTenant("search");
  const track = (userId: string, n: number, at: number) =>
    Array.from({ length: n }, (_, i) => ({ type: "track", userId, event: "Demo Request", timestamp: minutesAgo(at + i) }));
  const res = await send(t, "/v1/batch", {
    batch: [
      { type: "identify", userId: "ada", traits: { email: "ada@acme.io", name: "Ada Lovelace", company: "Acme Inc" }, timestamp: minutesAgo(30) },
      ...track("ada", 3, 20),
      { type: "identify", userId: "bob", traits: { email: "bob@acme.io", firstName: "Bob", lastName: "Byte", company: { name: "ACME INC", employees: 400 } }, timestamp: minutesAgo(40) },
      ...track("bob", 1, 10),
      { type: "identify", userId: "carol", traits: { email: "carol@globex.com", name: "Carol 100%" }, timestamp: minutesAgo(50) },
      ...track("carol", 2, 45),
      // A free webmail address names no company; this lead was last seen three days ago.
      { type: "identify", userId: "dave", traits: { email: "dave@gmail.com" }, timestamp: new Date(Date.now() - 3 * DAY).toISOString() },
      { type: "identify", userId: "erin", traits: { company: "Initech", employees: 5000, annual_revenue: 50_000_000 }, timestamp: minutesAgo(5) },
    ],
  });
  expect(res.status).toBe(200);
  all = await eventually(async () => {
    const { body } = await api(t, "/api/leads?limit=500");
    expect(body.leads).toHaveLength(5);
    expect(body.leads.every((l: any) => l.eventCount > 0)).toBe(true);
    expect(body.leads.find((l: any) => l.userId === "ada").eventCount).toBe(4);
    expect(body.leads.find((l: any) => l.userId === "bob").company).toBe("ACME INC");
    return body.leads;
  });
});

describe("a lead's company", () => {
  it("is the company trait, else a corporate email's domain, never a webmail's", () => {
    expect(leadCompany({ company: "Acme" }, "x@gmail.com")).toBe("Acme");
    expect(leadCompany({}, "X@Globex.COM")).toBe("globex.com");
    expect(leadCompany({}, "x@gmail.com")).toBeNull();
    expect(leadCompany({}, null)).toBeNull();
    const by = Object.fromEntries(all.map((l) => [l.userId, l]));
    expect([by.ada.company, by.bob.company, by.carol.company, by.dave.company, by.erin.company]).toEqual(["Acme Inc", "ACME INC", "globex.com", null, "Initech"]);
    expect([by.ada.name, by.bob.name]).toEqual(["Ada Lovelace", "Bob Byte"]);
  });

  it("is in the lead's summary", async () => {
    const { body } = await api(t, "/api/leads/lookup?userId=carol");
    expect(body.lead.company).toBe("globex.com");
  });
});

describe("the leads list", () => {
  it("finds leads by part of their email, user id, company or name; LIKE's wildcards are plain text", async () => {
    const found = async (q: string) => userIds((await api(t, `/api/leads?q=${encodeURIComponent(q)}`)).body.leads).sort();
    expect(await found("lovelace")).toEqual(["ada"]);
    expect(await found("ACME")).toEqual(["ada", "bob"]);
    expect(await found("globex")).toEqual(["carol"]);
    expect(await found("gmail")).toEqual(["dave"]);
    expect(await found("erin")).toEqual(["erin"]);
    expect(await found("100%")).toEqual(["carol"]);
    expect(await found("%")).toEqual(["carol"]);
    expect(await found("_")).toEqual([]);
  });

  it("filters by company (any case), stage, grade, score range and last-seen range", async () => {
    const listed = async (query: string) => userIds((await api(t, `/api/leads?${query}`)).body.leads).sort();
    expect(await listed("company=acme%20inc")).toEqual(["ada", "bob"]);
    const scores = all.map((l) => l.score).sort((a, b) => a - b);
    const [low, high] = [scores[1]!, scores[3]!];
    expect(await listed(`minScore=${low}&maxScore=${high}`)).toEqual(all.filter((l) => l.score >= low && l.score <= high).map((l) => l.userId).sort());
    const ada = all.find((l) => l.userId === "ada");
    expect(await listed(`stage=${ada.stage}&grade=${encodeURIComponent(ada.grade)}`)).toEqual(all.filter((l) => l.stage === ada.stage && l.grade === ada.grade).map((l) => l.userId).sort());
    const twoDaysAgo = new Date(Date.now() - 2 * DAY).toISOString();
    expect(await listed(`lastSeenTo=${twoDaysAgo}`)).toEqual(["dave"]);
    expect(await listed(`lastSeenFrom=${twoDaysAgo}`)).toEqual(["ada", "bob", "carol", "erin"]);
    expect(await listed(`lastSeenFrom=${new Date(Date.now() - 4 * DAY).toISOString()}&lastSeenTo=${twoDaysAgo}&q=dave`)).toEqual(["dave"]);
    // The CSV export takes the same filters.
    const csv = await (await fetchCsv("company=ACME%20INC")).text();
    expect(csv.trim().split("\r\n")).toHaveLength(3);
  });

  it("sorts on every column, either way, across pages", async () => {
    const stageRank = ["cold", "warm", "hot", "qualified"];
    const gradeRank = ["F", "D", "C", "C+", "B", "B+", "A", "A+"];
    const key: Record<string, (l: any) => number | string> = {
      score: (l) => l.score,
      engagement: (l) => l.behaviourScore,
      fit: (l) => l.icpScore,
      stage: (l) => stageRank.indexOf(l.stage),
      grade: (l) => gradeRank.indexOf(l.grade),
      velocity: (l) => l.velocity,
      events: (l) => l.eventCount,
      last_activity: (l) => Date.parse(l.lastActivity),
      first_seen: (l) => Date.parse(l.firstSeen),
      company: (l) => (l.company === null ? "\u{10FFFF}" : l.company.toLowerCase()),
    };
    for (const [sort, of] of Object.entries(key)) {
      for (const order of ["asc", "desc"] as const) {
        const leads = await everyPage(`/api/leads?sort=${sort}&order=${order}`);
        expect(leads.map((l) => l.id).sort(), `${sort} ${order}`).toEqual(all.map((l) => l.id).sort());
        const expected = [...leads].sort((a, b) => {
          const [x, y] = [of(a), of(b)];
          const byValue = x < y ? -1 : x > y ? 1 : 0;
          return (order === "asc" ? byValue : -byValue) || (a.id < b.id ? -1 : 1);
        });
        expect(userIds(leads), `${sort} ${order}`).toEqual(userIds(expected));
      }
    }
    // Leads without a company come last A→Z.
    const companies = (await everyPage("/api/leads?sort=company&order=asc")).map((l) => l.company);
    expect(companies.at(-1)).toBeNull();
    expect(companies.slice(0, 4).every((c) => c !== null)).toBe(true);
  });

  it("refuses a bad query with 400 naming the field", async () => {
    const refused = async (query: string) => {
      const { status, body } = await api(t, `/api/leads?${query}`);
      expect(status, query).toBe(400);
      return body.error.details.map((d: { path: string }) => d.path);
    };
    expect(await refused("sort=name")).toContain("sort");
    expect(await refused("order=up")).toContain("order");
    expect(await refused("minScore=10&maxScore=5")).toContain("minScore");
    expect(await refused("maxScore=lots")).toContain("maxScore");
    expect(await refused("lastSeenFrom=yesterday")).toContain("lastSeenFrom");
    expect(await refused(`lastSeenFrom=${new Date().toISOString()}&lastSeenTo=${new Date(Date.now() - DAY).toISOString()}`)).toContain("lastSeenFrom");
    expect(await refused(`q=${"x".repeat(201)}`)).toContain("q");
    // An empty filter is no filter.
    expect((await api(t, "/api/leads?q=&company=&minScore=")).body.leads).toHaveLength(5);
  });
});

describe("the company view", () => {
  it("groups leads by company with their combined and best score, best grade and stage, and last activity", async () => {
    const { status, body } = await api(t, "/api/companies?sort=leads");
    expect(status).toBe(200);
    expect(body.total).toBe(3);
    expect(body.nextOffset).toBeNull();
    const acmeLeads = all.filter((l) => l.company?.toLowerCase() === "acme inc");
    const [acme] = body.companies;
    expect(acme).toMatchObject({
      leads: 2,
      scoreSum: Math.round(acmeLeads.reduce((s, l) => s + l.score, 0) * 100) / 100,
      scoreBest: Math.max(...acmeLeads.map((l) => l.score)),
      events: acmeLeads.reduce((s, l) => s + l.eventCount, 0),
      lastActivity: acmeLeads.map((l) => l.lastActivity).sort().at(-1),
    });
    expect(acme.company.toLowerCase()).toBe("acme inc");
    const best = [...acmeLeads].sort((a, b) => b.score - a.score)[0];
    expect(acme.bestGrade).toBe(best.grade);
    expect(body.companies.map((c: any) => c.company).slice(1).sort()).toEqual(["Initech", "globex.com"]);
  });

  it("sorts and pages", async () => {
    const byName = await api(t, "/api/companies?sort=company&order=asc");
    expect(byName.body.companies.map((c: any) => c.company.toLowerCase())).toEqual(["acme inc", "globex.com", "initech"]);
    const page = await api(t, "/api/companies?sort=company&order=asc&limit=2&offset=1");
    expect(page.body.companies.map((c: any) => c.company)).toEqual(["globex.com", "Initech"]);
    expect(page.body.nextOffset).toBeNull();
    const first = await api(t, "/api/companies?sort=score_sum&limit=1");
    expect(first.body.nextOffset).toBe(1);
    const sums = (await api(t, "/api/companies?sort=score_sum")).body.companies.map((c: any) => c.scoreSum);
    expect(sums).toEqual([...sums].sort((a, b) => b - a));
    expect((await api(t, "/api/companies?q=glob")).body.companies.map((c: any) => c.company)).toEqual(["globex.com"]);
    const bad = await api(t, "/api/companies?sort=size&offset=-1");
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d: any) => d.path).sort()).toEqual(["offset", "sort"]);
  });

  it("lists one company's leads, whatever the case of its name; an unknown company is 404", async () => {
    const { status, body } = await api(t, "/api/companies/acme%20INC/leads?sort=score&order=asc");
    expect(status).toBe(200);
    expect(body.company.leads).toBe(2);
    expect(userIds(body.leads).sort()).toEqual(["ada", "bob"]);
    expect(body.leads[0].score).toBeLessThanOrEqual(body.leads[1].score);
    expect((await api(t, "/api/companies/globex.com/leads")).body.leads.map((l: any) => l.userId)).toEqual(["carol"]);
    expect((await api(t, "/api/companies/Umbrella/leads")).status).toBe(404);
    // Another namespace's company is not found either.
    const other = await newTenant("search-other");
    expect((await api(other, "/api/companies/acme%20inc/leads")).status).toBe(404);
    expect((await api(other, "/api/companies")).body).toMatchObject({ companies: [], total: 0 });
  });
});

describe("a company whose name holds URL characters", () => {
  it("is found by its URL-encoded name", async () => {
    const own = await newTenant("search-url");
    const company = "Smith/Jones & Co. 100%";
    const res = await call("/v1/identify", {
      method: "POST",
      headers: { Authorization: `Basic ${btoa(`${own.writeKey}:`)}`, "Content-Type": "application/json" },
      body: JSON.stringify({ userId: "sj", traits: { company }, timestamp: minutesAgo(1) }),
    });
    expect(res.status).toBe(200);
    const listed = await eventually(async () => {
      const { body } = await api(own, "/api/companies");
      expect(body.companies).toHaveLength(1);
      return body.companies[0];
    });
    expect(listed.company).toBe(company);
    const { status, body } = await api(own, `/api/companies/${encodeURIComponent(company)}/leads`);
    expect(status, JSON.stringify(body)).toBe(200);
    expect(body.leads.map((l: any) => l.userId)).toEqual(["sj"]);
  });
});

function fetchCsv(query: string): Promise<Response> {
  return call(`/api/leads/export.csv?${query}`, { headers: { Authorization: `Bearer ${t.apiKey}` } });
}
