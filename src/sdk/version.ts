declare const __SDK_VERSION__: string | undefined;

/** Set by the bundler from package.json. */
export const VERSION = typeof __SDK_VERSION__ === "string" ? __SDK_VERSION__ : "dev";
