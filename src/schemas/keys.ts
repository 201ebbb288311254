import { z } from "zod";
import { DEFAULT_GRACE_SECONDS, MAX_GRACE_SECONDS } from "../contracts/key-rotation";

/** How long the old key keeps working after a rotation (0: it stops at once). The body may be left out. */
export const rotateKeyBody = z.object({ graceSeconds: z.number().int().min(0).max(MAX_GRACE_SECONDS).default(DEFAULT_GRACE_SECONDS) });
