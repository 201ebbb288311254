import { ApiError } from "../http/errors";

const GZIP_MAGIC = [0x1f, 0x8b];

export interface JsonBody {
  value: unknown;
  /** Size of the JSON text (after inflating): no message in it can be larger. */
  bytes: number;
}

/**
 * Reads a request body as JSON whatever its Content-Type (analytics.js sends
 * text/plain), inflating gzip bodies (analytics-android's /v1/import).
 * Bodies over `maxBytes`, before or after inflating, are refused with 413.
 */
export async function readJsonBody(request: Request, maxBytes: number): Promise<JsonBody> {
  const declared = Number(request.headers.get("Content-Length") ?? "0");
  if (declared > maxBytes) throw tooLarge(maxBytes);
  let bytes: Uint8Array = new Uint8Array(await request.arrayBuffer());
  if (bytes.byteLength > maxBytes) throw tooLarge(maxBytes);
  const gzipped =
    request.headers.get("Content-Encoding")?.toLowerCase() === "gzip" ||
    (bytes[0] === GZIP_MAGIC[0] && bytes[1] === GZIP_MAGIC[1]);
  if (gzipped) bytes = await gunzip(bytes, maxBytes);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new ApiError(400, "invalid_json", "the body is not valid UTF-8");
  }
  if (text.trim() === "") throw new ApiError(400, "invalid_json", "the body is empty; a JSON object is expected");
  try {
    return { value: JSON.parse(text), bytes: bytes.byteLength };
  } catch (error) {
    throw new ApiError(400, "invalid_json", `the body is not valid JSON: ${(error as Error).message}`);
  }
}

async function gunzip(bytes: Uint8Array, maxBytes: number): Promise<Uint8Array> {
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for await (const chunk of stream) {
      total += chunk.byteLength;
      if (total > maxBytes) throw tooLarge(maxBytes);
      chunks.push(chunk);
    }
  } catch (error) {
    if (error instanceof ApiError) throw error;
    throw new ApiError(400, "invalid_gzip", "the body is not valid gzip");
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

function tooLarge(maxBytes: number): ApiError {
  return new ApiError(413, "payload_too_large", `the body is over ${maxBytes} bytes`);
}
