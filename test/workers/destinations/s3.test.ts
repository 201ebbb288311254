import { describe, expect, it } from "vitest";
import { destinationSuite } from "./warehouse-stream-suite";
import { s3Fake } from "../../fakes/warehouses-streams";
import { signV4 } from "../../../src/destinations/sigv4";

const config = { endpoint: "https://s3.fake", bucket: "lf-drops", region: "eu-west-1", prefix: "events/", accessKeyId: "AKIDLEADFLARE", secretAccessKey: "s3-secret-key" };

describe("S3 / GCS destination", () => {
  it("signs as AWS's own SigV4 example does (GET Object with a Range)", async () => {
    const headers = await signV4({
      method: "GET",
      url: new URL("https://examplebucket.s3.amazonaws.com/test.txt"),
      headers: { Range: "bytes=0-9" },
      payloadHash: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
      accessKeyId: "AKIAIOSFODNN7EXAMPLE",
      secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
      region: "us-east-1",
      service: "s3",
      now: new Date("2013-05-24T00:00:00Z"),
    });
    // AWS's example joins the three parts with "," and its header reference with ", " (aws4fetch's choice): S3 takes both.
    expect(headers.get("Authorization")).toBe(
      "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41",
    );
  });

  destinationSuite({
    type: "s3",
    config,
    fake: s3Fake,
    received: (fake) => fake.rows().map((row) => row.message_id),
    itemsIn: (request) => request.body.split("\n").filter(Boolean).length,
    maxItems: 10_000,
    permanent: { status: 403, body: "<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>" },
    checkRequest(request, fake) {
      expect(request.method).toBe("PUT");
      expect(request.url.pathname).toMatch(/^\/lf-drops\/events\/dt%3D\d{4}-\d{2}-\d{2}\/[0-9a-f]{32}\.ndjson$/);
      expect(request.headers.get("Authorization")).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDLEADFLARE\/\d{8}\/eu-west-1\/s3\/aws4_request,/);
      expect(request.headers.get("content-type")).toBe("application/x-ndjson");
      // One object per batch, named by the batch: as many objects as accepted PUTs.
      expect(fake.objects.size).toBe(fake.requests.length);
      for (const key of fake.objects.keys()) expect(key).toMatch(/^events\/dt=\d{4}-\d{2}-\d{2}\/[0-9a-f]{32}\.ndjson$/);
    },
  });

  it("refuses a wrong secret: the fake recomputes the signature", async () => {
    const fake = s3Fake();
    const { putRequest } = await import("../../../src/destinations/s3");
    const item = { messageId: "m1", kind: "test" as const, lead: { id: "l1", score: 1, behaviourScore: 1, icpScore: 0, stage: "cold", grade: "F", velocity: 0, userId: null, email: null } };
    const good = await fake.handle(await putRequest([item], { ...config }));
    expect(good.status).toBe(200);
    const bad = await fake.handle(await putRequest([item], { ...config, secretAccessKey: "wrong-secret" }));
    expect(bad.status).toBe(403);
    expect(await bad.text()).toContain("SignatureDoesNotMatch");
  });
});
