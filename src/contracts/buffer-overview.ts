// The console's Buffers screen (GET /api/buffers, src/lead-service/routes/overview.ts): each lead-service
// organisation of the namespace with its buffers' counts (src/lead-service/overview.ts counts them).

/** One buffer namespace of an organisation: leads waiting, claimed, with claims that ran out, served, and reclaims. */
export interface BufferCounts {
  namespace: string;
  buffered: number;
  claimed: number;
  expiredClaims: number;
  served: number;
  reclaimed: number;
}

export interface OrgBuffers {
  id: string;
  clerkOrgId: string;
  appId: string;
  buffers: BufferCounts[];
}
