// A vitest reporter that runs after the default one: when the run failed, its
// last lines name each failing test with the first line of its reason (and
// each file or error that failed outside a test), so the last screen of a
// long run says what failed, whatever the default reporter printed above it.
import type { Reporter, TestModule } from "vitest/node";

const firstLine = (message: string | undefined) => (message ?? "").split("\n").find((line) => line.trim() !== "")?.trim().slice(0, 300) ?? "";

export default class FailuresLast implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<{ message: string; name?: string }>): void {
    const lines: string[] = [];
    for (const module of testModules) {
      const where = `${module.project.name} ${module.relativeModuleId}`;
      for (const error of module.errors()) lines.push(`${where}: ${error.name ?? "Error"}: ${firstLine(error.message)}`);
      for (const test of module.children.allTests("failed")) {
        const result = test.result();
        const error = result.state === "failed" ? result.errors[0] : undefined;
        lines.push(`${where} > ${test.fullName}: ${error ? `${error.name ?? "Error"}: ${firstLine(error.message)}` : "failed"}`);
      }
    }
    for (const error of unhandledErrors) lines.push(`unhandled: ${error.name ?? "Error"}: ${firstLine(error.message)}`);
    if (lines.length === 0) return;
    const out = [``, `Failed (${lines.length}):`, ...lines.map((line) => `  ✗ ${line}`), ``];
    process.stdout.write(out.join("\n") + "\n");
  }
}
