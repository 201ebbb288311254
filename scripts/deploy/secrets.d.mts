export function newAdminToken(): string;
export function newSecretsKey(keyId?: string): string;
export const GENERATORS: Record<string, () => string>;
