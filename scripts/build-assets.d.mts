export const ASSETS_DIR: string;
export function buildAssets(): Promise<{ versionedPath: string; bytes: number; gzipBytes: number }>;
