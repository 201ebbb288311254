/** A document read as text by the bundler (Vite's `?raw`), e.g. MIGRATING.md for its checklists. */
declare module "*.md?raw" {
  const text: string;
  export default text;
}
