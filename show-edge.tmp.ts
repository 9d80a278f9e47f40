import { renderEdgeConfig } from "./src/edge/index.js";
import { SCENARIOS } from "./test/unit/edge/fixtures.js";
const which = process.argv[2] ?? "shop";
process.stdout.write(renderEdgeConfig(SCENARIOS[which]!()));
