import { z } from "zod";
import { sendRequest } from "./http";
import { batchKey, itemTime, ndjson, warehouseRow } from "./rows";
import { sha256Hex, signV4, uriEncode } from "./sigv4";
import type { DeliveryItem, DestinationModule } from "./types";
import { headerSecret, outboundUrl } from "../schemas/config-fields";

const config = z.object({
  /** S3: https://s3.<region>.amazonaws.com; GCS: https://storage.googleapis.com; R2: https://<account>.r2.cloudflarestorage.com */
  endpoint: outboundUrl,
  /** Bucket names as S3 and GCS allow them (no dots' edge cases, no uppercase). */
  bucket: z.string().regex(/^[a-z0-9][a-z0-9.\-_]{1,61}[a-z0-9]$/, "must be 3 to 63 lowercase letters, digits, '.', '-' or '_'"),
  /** The signing region: the bucket's region for S3, `auto` for GCS and R2. */
  region: z.string().regex(/^[a-z0-9-]{1,30}$/, "must be a region name like us-east-1 or auto").default("us-east-1"),
  /** Objects are written under `<prefix>dt=<YYYY-MM-DD>/`. */
  prefix: z.string().regex(/^[A-Za-z0-9!\-_.*'()/=]{0,200}$/, "must be at most 200 letters, digits or !-_.*'()/=").default("leadflare/"),
  /** An access key (S3) or HMAC key (GCS interoperability) and its secret. */
  accessKeyId: headerSecret,
  secretAccessKey: headerSecret,
});
type S3Config = z.output<typeof config>;

/**
 * Where a batch's file goes: partitioned by the day of its first item, named
 * by the hash of its messageIds, so a retried PUT overwrites the same object
 * instead of adding a second copy.
 */
export async function objectKey(items: DeliveryItem[], cfg: S3Config, now: number): Promise<string> {
  const day = itemTime(items[0]!, now).slice(0, 10);
  return `${cfg.prefix}dt=${day}/${await batchKey(items)}.ndjson`;
}

/** One PUT of an NDJSON object, signed with SigV4. Path-style (`/<bucket>/<key>`) works on S3, GCS, R2 and MinIO alike. */
export async function putRequest(items: DeliveryItem[], cfg: S3Config, now = Date.now()): Promise<Request> {
  const body = new TextEncoder().encode(ndjson(items.map((item) => warehouseRow(item, now))));
  const key = await objectKey(items, cfg, now);
  const url = new URL(`${cfg.endpoint.replace(/\/+$/, "")}/${cfg.bucket}/${uriEncode(key, true)}`);
  const headers = await signV4({
    method: "PUT",
    url,
    headers: { "content-type": "application/x-ndjson" },
    payloadHash: await sha256Hex(body),
    accessKeyId: cfg.accessKeyId,
    secretAccessKey: cfg.secretAccessKey,
    region: cfg.region,
    service: "s3",
    now: new Date(now),
  });
  return new Request(url, { method: "PUT", headers, body });
}

const put = async (items: DeliveryItem[], cfg: S3Config, timeoutMs: number) => sendRequest(await putRequest(items, cfg), timeoutMs);

export const s3: DestinationModule<S3Config> = {
  type: "s3",
  title: "Amazon S3 / Google Cloud Storage",
  docsUrl: "https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html",
  config,
  secretFields: ["secretAccessKey"],
  accepts: () => true,
  // S3 takes 3,500 PUTs/s per prefix, GCS about 1,000 object writes/s per bucket; a file per batch needs far fewer.
  rate: () => ({ limit: 100, periodSeconds: 1 }),
  deliver: (item, cfg, { timeoutMs }) => put([item], cfg, timeoutMs),
  batch: {
    maxItems: () => 10_000,
    // A file of at most about 5 MB: a single PUT, held in memory once.
    maxBytes: 5_000_000,
    deliverMany: (items, cfg, { timeoutMs }) => put(items, cfg, timeoutMs),
  },
};
