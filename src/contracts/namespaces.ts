// A namespace as the admin API lists and answers it (src/routes/admin.ts): with its campaign-name keywords and the
// namespaces it accepts routed activity from. Shared with the console's Namespaces screen.

export interface ListedNamespace {
  id: string;
  name: string;
  keywords: string[];
  /** Names of the namespaces whose syncs and webhooks may route activity into this one. */
  acceptRoutedFrom: string[];
}
