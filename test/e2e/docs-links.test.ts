// README.md is the door and docs/ the manual: the README stays short, and every
// relative link in README.md, MIGRATING.md and docs/*.md reaches a file that
// exists and, with a #fragment into Markdown, a heading there (GitHub's slugs).
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));
const documents = ["README.md", "MIGRATING.md", ...readdirSync(join(root, "docs")).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`)];

/** The text outside fenced code blocks. */
function prose(markdown: string): string {
  return markdown.replace(/^```[\s\S]*?^```/gm, "");
}

/** The anchors GitHub gives a document's headings (repeats get -1, -2…). */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const [, heading] of prose(markdown).matchAll(/^#{1,6} (.+)$/gm)) {
    const slug = heading!.trim().toLowerCase().replace(/[^\p{L}\p{N}\p{M}\s_-]/gu, "").replace(/ /g, "-");
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    out.add(n === 0 ? slug : `${slug}-${n}`);
  }
  return out;
}

describe("README and docs", () => {
  it("README is a door: at most 250 lines", () => {
    expect(readFileSync(join(root, "README.md"), "utf8").trimEnd().split("\n").length).toBeLessThanOrEqual(250);
  });

  it("every relative link reaches its file and heading", () => {
    const broken: string[] = [];
    for (const doc of documents) {
      const text = readFileSync(join(root, doc), "utf8");
      for (const [, target] of prose(text).matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/i.test(target!)) continue;
        const [path, fragment] = target!.split("#") as [string, string | undefined];
        const file = path ? join(root, dirname(doc), decodeURIComponent(path)) : join(root, doc);
        if (!existsSync(file)) {
          broken.push(`${doc}: ${target} (no ${relative(root, file)})`);
          continue;
        }
        if (fragment && file.endsWith(".md") && !anchors(readFileSync(file, "utf8")).has(fragment)) broken.push(`${doc}: ${target} (no heading #${fragment})`);
      }
    }
    expect(broken).toEqual([]);
  });
});
