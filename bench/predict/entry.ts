// Bundled by bench/predict.mjs: the synthetic generator and the training core, as the Worker runs them.
export { syntheticHistories, SYNTHETIC_OUTCOME } from "../../test/workers/predict/generator";
export { examplesOf, snapshotPlan } from "../../src/predict/examples";
export { trainModel } from "../../src/predict/train";
export { snapshotAt } from "../../src/predict/snapshot";
export { predict } from "../../src/predict/serve";
