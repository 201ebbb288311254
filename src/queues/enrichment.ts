import { EnrichmentBusy, enrichEmail, firmographicsOf } from "../enrichment/enrich";
import type { EnrichmentMessage } from "../contracts/enrichment-queue";

const BUSY_RETRY_SECONDS = 10;

/**
 * Looks each email up (the cache first) and hands what was found about the
 * company to the lead, whose ICP score it feeds. A lookup that fails is
 * retried by the queue; the cache makes a repeat free.
 */
export async function consumeEnrichment(batch: MessageBatch<EnrichmentMessage>, env: Env): Promise<void> {
  await Promise.all(
    batch.messages.map(async (message) => {
      const { lead, email } = message.body;
      try {
        const enrichment = await enrichEmail(env, email, { maxWaitMs: 5_000 });
        const firmographics = firmographicsOf(enrichment);
        if (Object.keys(firmographics).length > 0) await env.LEAD.getByName(lead).applyEnrichment(firmographics);
        message.ack();
      } catch (error) {
        if (!(error instanceof EnrichmentBusy)) console.error("enrichment failed; retrying", error);
        message.retry({ delaySeconds: BUSY_RETRY_SECONDS });
      }
    }),
  );
}
