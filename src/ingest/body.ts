import { ApiError } from "../http/errors";
import { describePath, MAX_NESTING_DEPTH, pathBeyondDepth } from "./nesting";

const GZIP_MAGIC = [0x1f, 0x8b];

/** DecompressionStream formats; "brotli" only where the runtime has it (else br answers 415). */
type DecodeFormat = "gzip" | "deflate" | "brotli";

export interface JsonBody {
  value: unknown;
  /** Size of the JSON text (after inflating): no message in it can be larger. */
  bytes: number;
}

export interface BodyLimits {
  /** Bytes the body may take, before and after decoding. */
  maxBytes: number;
  /** Levels of objects and arrays the body may nest (the body itself is level 1). */
  maxDepth?: number;
}

/** Content-Encoding values and the DecompressionStream format that decodes each. */
const DECODERS: Record<string, DecodeFormat> = {
  gzip: "gzip",
  "x-gzip": "gzip",
  deflate: "deflate",
  br: "brotli",
};

/**
 * Reads a request body as JSON whatever its Content-Type (analytics.js sends
 * text/plain), decoding gzip, deflate or br bodies (analytics-android's
 * /v1/import gzips; a gzip body is also recognised by its magic bytes).
 * Bodies over `maxBytes`, before or after decoding, are refused with 413;
 * another Content-Encoding with 415; a body nested deeper than `maxDepth`
 * with 400 naming the path, before anything could write it out again.
 */
export async function readJsonBody(request: Request, limits: number | BodyLimits): Promise<JsonBody> {
  const { maxBytes, maxDepth = MAX_NESTING_DEPTH } = typeof limits === "number" ? { maxBytes: limits } : limits;
  const declared = Number(request.headers.get("Content-Length") ?? "0");
  if (declared > maxBytes) throw tooLarge(maxBytes);
  const encodings = contentEncodings(request.headers.get("Content-Encoding"));
  let bytes: Uint8Array = await readCapped(request, maxBytes);
  // Encodings were applied in the order listed: undone from the last.
  for (const format of encodings.reverse()) bytes = await decode(bytes, format, maxBytes);
  if (encodings.length === 0 && bytes[0] === GZIP_MAGIC[0] && bytes[1] === GZIP_MAGIC[1]) bytes = await decode(bytes, "gzip", maxBytes);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new ApiError(400, "invalid_json", "the body is not valid UTF-8");
  }
  if (text.trim() === "") throw new ApiError(400, "invalid_json", "the body is empty; a JSON object is expected");
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ApiError(400, "invalid_json", `the body is not valid JSON: ${(error as Error).message}`);
  }
  const tooDeep = pathBeyondDepth(value, maxDepth);
  if (tooDeep) throw nestedTooDeep(tooDeep, maxDepth);
  return { value, bytes: bytes.byteLength };
}

export function nestedTooDeep(path: readonly string[], maxDepth: number): ApiError {
  const message = `nested deeper than ${maxDepth} levels of objects and arrays`;
  return new ApiError(400, "nested_too_deep", `${describePath(path)} is ${message}`, [{ path: path.join("."), message }]);
}

function contentEncodings(header: string | null): Array<DecodeFormat> {
  if (header === null) return [];
  const formats: Array<DecodeFormat> = [];
  for (const raw of header.split(",")) {
    const name = raw.trim().toLowerCase();
    if (name === "" || name === "identity") continue;
    const format = DECODERS[name];
    if (!format) throw unsupportedEncoding(name);
    formats.push(format);
  }
  return formats;
}

/**
 * The body, refused with 413 as soon as it passes `maxBytes` (a missing or
 * false Content-Length does not help). A body framed by a Content-Length
 * within the limit (already checked) can be no longer than that: read at once.
 */
async function readCapped(request: Request, maxBytes: number): Promise<Uint8Array> {
  if (!request.body) return new Uint8Array();
  if (request.headers.has("Content-Length") && !request.headers.has("Transfer-Encoding")) return new Uint8Array(await request.arrayBuffer());
  return collect(request.body, maxBytes);
}

async function decode(bytes: Uint8Array, format: DecodeFormat, maxBytes: number): Promise<Uint8Array> {
  let decoder: DecompressionStream;
  try {
    decoder = new DecompressionStream(format as "gzip");
  } catch {
    throw unsupportedEncoding(format === "brotli" ? "br" : format);
  }
  try {
    return await collect(new Blob([bytes]).stream().pipeThrough(decoder), maxBytes);
  } catch (error) {
    if (error instanceof ApiError) throw error;
    throw new ApiError(400, format === "gzip" ? "invalid_gzip" : "invalid_encoding", `the body is not valid ${format === "brotli" ? "br" : format}`);
  }
}

async function collect(stream: ReadableStream<Uint8Array>, maxBytes: number): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

function unsupportedEncoding(name: string): ApiError {
  return new ApiError(415, "unsupported_encoding", `Content-Encoding ${name} is not supported; send identity, gzip, deflate or br`);
}

function tooLarge(maxBytes: number): ApiError {
  return new ApiError(413, "payload_too_large", `the body is over ${maxBytes} bytes`);
}
