// Fails when src/api/schema.d.ts is not what `npm run generate` makes from openapi/openapi.json,
// i.e. when the API contract changed and the checked-in client types were not regenerated.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const checkedIn = join(root, "src/api/schema.d.ts");
const dir = mkdtempSync(join(tmpdir(), "schema-"));
const fresh = join(dir, "schema.d.ts");
try {
  execFileSync(
    process.execPath,
    [join(root, "node_modules/openapi-typescript/bin/cli.js"), join(root, "../../openapi/openapi.json"), "-o", fresh],
    { stdio: ["ignore", "ignore", "inherit"] },
  );
  if (readFileSync(fresh, "utf8") !== readFileSync(checkedIn, "utf8")) {
    console.error("src/api/schema.d.ts is out of date with ../../openapi/openapi.json: run `npm run generate` and commit the result.");
    process.exit(1);
  }
  console.log("src/api/schema.d.ts matches ../../openapi/openapi.json");
} finally {
  rmSync(dir, { recursive: true, force: true });
}
