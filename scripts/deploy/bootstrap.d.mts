export function bootstrapNamespace(o: {
  url: string;
  adminToken: string;
  namespace: string;
  progress: Record<string, any>;
  save: (progress: Record<string, any>) => void;
  fetch?: typeof fetch;
  attempts?: number;
  waitMs?: number;
}): Promise<{ namespaceCreated?: boolean; writeKey?: string; apiKey?: string }>;
