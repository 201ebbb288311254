import { afterEach, describe, expect, it } from "vitest";
import { api, apiSend, newTenant, type Tenant } from "../helpers";
import { installFakes, type RecordedRequest } from "../../fakes/fake-service";
import { attioFake, decodeMixpanel, hubspotFake, mixpanelFake, segmentFake, slackFake, webhookReceiver } from "../../fakes/services";
import { signature } from "../../../src/destinations/webhook";
import { keepSecrets, redactSecrets, secretHint } from "../../../src/secrets/write-only";
import { decryptSecret, encryptSecret, keyring } from "../../../src/secrets/cipher";
import { env } from "cloudflare:workers";
import { adminHeaders, call } from "../helpers";

let uninstall: (() => void) | undefined;
afterEach(() => uninstall?.());

describe("write-only secrets (pure)", () => {
  it("shows the last four characters of a long secret, nothing of a short one", () => {
    expect(secretHint("sk_live_0123456789abcd")).toBe("…abcd");
    expect(secretHint("short-key")).toBe("…");
    expect(redactSecrets({ url: "https://x.example", secret: "whsec_0123456789abcdef", headers: { Authorization: "Bearer tok_0123456789wxyz" } }, ["secret", "headers"])).toEqual({
      url: "https://x.example",
      secret: "…cdef",
      headers: { Authorization: "…wxyz" },
    });
  });

  it("keeps a stored secret when the update omits it or sends its hint (or the old marker); null removes it; a new value replaces it", () => {
    const stored = { secret: "whsec_0123456789abcdef", headers: { Authorization: "Bearer tok_0123456789wxyz", "X-Team": "blue-team-12345" } };
    const fields = ["secret", "headers"];
    expect(keepSecrets({ url: "u" }, stored, fields)).toEqual({ url: "u", ...stored });
    expect(keepSecrets({ secret: "…cdef", headers: { Authorization: "…wxyz" } }, stored, fields)).toEqual({ secret: stored.secret, headers: { Authorization: stored.headers.Authorization } });
    expect(keepSecrets({ secret: "[secret]" }, stored, fields).secret).toBe(stored.secret);
    expect(keepSecrets({ secret: null }, stored, fields)).not.toHaveProperty("secret");
    expect(keepSecrets({ secret: "whsec_new_0123456789" }, stored, fields).secret).toBe("whsec_new_0123456789");
    // A hint of another value is not a hint of this one: taken literally.
    expect(keepSecrets({ secret: "…zzzz" }, stored, fields).secret).toBe("…zzzz");
    expect(keepSecrets({ secret: "…cdef" }, undefined, fields).secret).toBe("…cdef");
  });
});

type Sent = RecordedRequest;
/** Each type with its secrets and how its fake's request shows they arrived intact (Mixpanel's and Attio's fakes also refuse a wrong one). */
const TYPES: { type: string; config: Record<string, unknown>; secrets: string[]; fake: () => any; arrived: (r: Sent) => Promise<unknown> | unknown }[] = [
  {
    type: "webhook",
    config: { url: "https://hooks.customer.fake/in", secret: "whsec_0123456789abcdef", headers: { Authorization: "Bearer tok_0123456789wxyz" } },
    secrets: ["whsec_0123456789abcdef", "tok_0123456789wxyz"],
    fake: webhookReceiver,
    arrived: async (r) => {
      expect(r.headers.get("Authorization")).toBe("Bearer tok_0123456789wxyz");
      const header = r.headers.get("X-Leadflare-Signature")!;
      expect(header).toBe(await signature("whsec_0123456789abcdef", Number(/t=(\d+)/.exec(header)![1]), r.body));
    },
  },
  {
    type: "slack",
    config: { webhookUrl: "https://hooks.slack.fake/services/T000/B000/XXXXsecretpath" },
    secrets: ["XXXXsecretpath"],
    fake: slackFake,
    arrived: (r) => expect(r.url.pathname).toBe("/services/T000/B000/XXXXsecretpath"),
  },
  { type: "mixpanel", config: { token: "mp-token" }, secrets: ["mp-token"], fake: mixpanelFake, arrived: (r) => expect(decodeMixpanel(r.body).properties.token).toBe("mp-token") },
  { type: "attio", config: { apiKey: "attio-key" }, secrets: ["attio-key"], fake: attioFake, arrived: (r) => expect(r.headers.get("Authorization")).toBe("Bearer attio-key") },
  {
    type: "hubspot",
    config: { accessToken: "pat-na1-0123456789" },
    secrets: ["pat-na1-0123456789"],
    fake: hubspotFake,
    arrived: (r) => expect(r.headers.get("Authorization")).toBe("Bearer pat-na1-0123456789"),
  },
  {
    type: "segment",
    config: { writeKey: "seg_wk_0123456789", endpoint: "https://segment.fake" },
    secrets: ["seg_wk_0123456789"],
    fake: segmentFake,
    arrived: (r) => expect(r.headers.get("Authorization")).toBe(`Basic ${btoa("seg_wk_0123456789:")}`),
  },
];

async function testSend(t: Tenant, id: string, fake: any): Promise<Sent> {
  const test = await apiSend(t, "POST", `/api/destinations/${id}/test`);
  expect(test.body.ok, JSON.stringify(test.body)).toBe(true);
  return fake.requests.at(-1)!;
}

describe("destination secrets", () => {
  it.each(TYPES)("$type: answers never show a secret, and a GET→PUT round trip keeps them all", async ({ type, config, secrets, fake: makeFake, arrived }) => {
    const fake = makeFake();
    uninstall = installFakes(fake);
    const t = await newTenant();
    const created = await apiSend(t, "POST", "/api/destinations", { name: type, type, config });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const id = created.body.destination.id;
    const read = await api(t, `/api/destinations/${id}`);
    const listed = await api(t, "/api/destinations");
    for (const answer of [created.body, read.body, listed.body]) for (const secret of secrets) expect(JSON.stringify(answer)).not.toContain(secret);

    const { destination } = read.body;
    const put = await apiSend(t, "PUT", `/api/destinations/${id}`, { name: `${type} renamed`, type, config: destination.config, enabled: true, filters: destination.filters });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    expect(put.body.destination.config).toEqual(destination.config);
    for (const secret of secrets) expect(JSON.stringify(put.body)).not.toContain(secret);
    await arrived(await testSend(t, id, fake));
  });

  it("an update that leaves a secret out keeps it; a new value replaces it; null removes the webhook's signing secret", async () => {
    const hook = webhookReceiver();
    uninstall = installFakes(hook);
    const t = await newTenant();
    const base = { url: "https://hooks.customer.fake/in", secret: "whsec_0123456789abcdef", headers: { Authorization: "Bearer tok_0123456789wxyz" } };
    const id = (await apiSend(t, "POST", "/api/destinations", { name: "hook", type: "webhook", config: base })).body.destination.id;

    await apiSend(t, "PUT", `/api/destinations/${id}`, { name: "hook", type: "webhook", config: { url: base.url } });
    let sent = await testSend(t, id, hook);
    expect(sent.headers.get("Authorization")).toBe("Bearer tok_0123456789wxyz");
    expect(hook.requests.at(-1)!.headers.get("X-Leadflare-Signature")).toMatch(/^t=\d+,v1=/);

    await apiSend(t, "PUT", `/api/destinations/${id}`, { name: "hook", type: "webhook", config: { url: base.url, secret: null, headers: { Authorization: "Bearer tok_rotated_99998888" } } });
    sent = await testSend(t, id, hook);
    expect(sent.headers.get("Authorization")).toBe("Bearer tok_rotated_99998888");
    expect(hook.requests.at(-1)!.headers.get("X-Leadflare-Signature")).toBeNull();
    expect((await api(t, `/api/destinations/${id}`)).body.destination.config).toMatchObject({ headers: { Authorization: "…8888" } });
    expect((await api(t, `/api/destinations/${id}`)).body.destination.config).not.toHaveProperty("secret");
  });
});

describe("automation secrets", () => {
  it("hides a Slack URL and a webhook secret, and keeps them on a GET→PUT round trip", async () => {
    const t = await newTenant();
    const slackUrl = "https://slack.fake/services/T000/B000/automationsecret";
    const created = await apiSend(t, "POST", "/api/automations", { name: "hot", trigger: { type: "stage_becomes", stage: "hot" }, action: { type: "slack", webhookUrl: slackUrl } });
    expect(created.status).toBe(201);
    expect(JSON.stringify(created.body)).not.toContain("automationsecret");
    const listed = (await api(t, "/api/automations")).body.automations[0];
    expect(listed.action).toEqual({ type: "slack", webhookUrl: "…cret" });
    const put = await apiSend(t, "PUT", `/api/automations/${listed.id}`, { name: "hot 2", trigger: listed.trigger, action: listed.action, enabled: true });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    expect(JSON.stringify(put.body)).not.toContain("automationsecret");
    const row = await env.DB.prepare("SELECT action FROM automations WHERE id = ?").bind(listed.id).first<{ action: string }>();
    expect(row!.action).not.toContain("automationsecret");
    const opened = await decryptSecret(await keyring(env.SECRETS_KEY), row!.action, `automations.action:${listed.id}`);
    expect(JSON.parse(opened.plaintext)).toEqual({ type: "slack", webhookUrl: slackUrl });

    const hook = await apiSend(t, "POST", "/api/automations", { name: "h", trigger: { type: "score_crosses", score: 10 }, action: { type: "webhook", url: "https://hooks.customer.fake/a", secret: "whsec_automation_5678" } });
    expect(hook.body.automation.action).toEqual({ type: "webhook", url: "https://hooks.customer.fake/a", secret: "…5678" });
  });
});

const OLD_ONLY = "test1:Fut2AszMQMyZ705Mhr9RVP0/hPGHtaKmLzXsO9NrZHI=";

describe("secrets at rest (AES-GCM)", () => {
  it("seals with the first key, opens with any listed key, and binds each value to its row", async () => {
    const ring = await keyring(env.SECRETS_KEY);
    const sealed = await encryptSecret(ring, "tok_secret", "destinations.config:a");
    expect(sealed).toMatch(/^enc:v1:test2:[\w-]{16}:[\w-]+$/);
    expect(sealed).not.toContain("tok_secret");
    expect(await encryptSecret(ring, "tok_secret", "destinations.config:a")).not.toBe(sealed);
    expect(await decryptSecret(ring, sealed, "destinations.config:a")).toEqual({ plaintext: "tok_secret", stale: false });
    // Copied into another row (another tenant's), it does not open.
    await expect(decryptSecret(ring, sealed, "destinations.config:b")).rejects.toThrow();
    const old = await encryptSecret(await keyring(OLD_ONLY), "tok_old", "x");
    expect(await decryptSecret(ring, old, "x")).toEqual({ plaintext: "tok_old", stale: true });
    expect(await decryptSecret(ring, '{"token":"clear"}', "x")).toEqual({ plaintext: '{"token":"clear"}', stale: true });
    await expect(decryptSecret(await keyring(OLD_ONLY), sealed, "destinations.config:a")).rejects.toThrow(/no longer lists/);
    await expect(keyring("k1:tooshort")).rejects.toThrow(/32 bytes/);
    await expect(keyring("")).rejects.toThrow(/not set/);
  });

  it("stores destination, automation and account secrets sealed; re-encrypts old-key and clear-text rows when read", async () => {
    const mixpanel = mixpanelFake();
    uninstall = installFakes(mixpanel);
    const t = await newTenant();
    const d = (await apiSend(t, "POST", "/api/destinations", { name: "mp", type: "mixpanel", config: { token: "mp-token" } })).body.destination;
    const account = (await apiSend(t, "POST", "/api/accounts", { platform: "lemlist", name: "l", apiKey: "lemlist-key-0123456789" })).body.account;
    const stored = async () => (await env.DB.prepare("SELECT config FROM destinations WHERE id = ?").bind(d.id).first<{ config: string }>())!.config;
    const storedKey = async () => (await env.DB.prepare("SELECT api_key FROM connected_accounts WHERE id = ?").bind(account.id).first<{ api_key: string }>())!.api_key;
    expect(await stored()).toMatch(/^enc:v1:test2:/);
    expect(await stored()).not.toContain("mp-token");
    expect(await storedKey()).toMatch(/^enc:v1:test2:/);

    // A row under the older key: read (here by a test send), it works and is written again under the current key.
    const underOld = await encryptSecret(await keyring(OLD_ONLY), JSON.stringify({ token: "mp-token" }), `destinations.config:${d.id}`);
    await env.DB.prepare("UPDATE destinations SET config = ? WHERE id = ?").bind(underOld, d.id).run();
    expect((await apiSend(t, "POST", `/api/destinations/${d.id}/test`)).body.ok).toBe(true);
    expect(await stored()).toMatch(/^enc:v1:test2:/);

    // A clear-text row from before encryption: the same.
    await env.DB.prepare("UPDATE destinations SET config = ? WHERE id = ?").bind(JSON.stringify({ token: "mp-token" }), d.id).run();
    expect((await api(t, `/api/destinations/${d.id}`)).body.destination.config).toEqual({ token: "…" });
    expect(await stored()).toMatch(/^enc:v1:test2:/);
    expect((await apiSend(t, "POST", `/api/destinations/${d.id}/test`)).body.ok).toBe(true);
  });

  it("POST /api/secrets/re-encrypt (admin token) seals every clear-text row at once", async () => {
    const t = await newTenant();
    const account = (await apiSend(t, "POST", "/api/accounts", { platform: "smartlead", name: "s", apiKey: "smartlead-key-0123456789" })).body.account;
    await env.DB.prepare("UPDATE connected_accounts SET api_key = ? WHERE id = ?").bind("smartlead-key-0123456789", account.id).run();
    expect((await apiSend(t, "POST", "/api/secrets/re-encrypt")).status).toBe(403);
    const res = await call("/api/secrets/re-encrypt", { method: "POST", headers: adminHeaders() });
    const body = (await res.json()) as any;
    expect(res.status).toBe(200);
    expect(body.accounts.resealed).toBeGreaterThanOrEqual(1);
    const row = await env.DB.prepare("SELECT api_key FROM connected_accounts WHERE id = ?").bind(account.id).first<{ api_key: string }>();
    expect(row!.api_key).toMatch(/^enc:v1:test2:/);
    expect((await api(t, `/api/accounts/${account.id}`)).body.account.apiKey).toBe("…6789");
  });
});
