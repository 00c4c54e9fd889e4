import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ImportRule, importCycles, importGraph, importViolations } from "./harness/import-graph";

const root = path.join(__dirname, "..");

const under = (folder: string) => (file: string) => file.startsWith(`${folder}/`);
/** `components/<name>.ts`: the files that declare resources (the component classes). */
const isComponentFile = (file: string) => /^components\/[^/]+\.ts$/.test(file);

/**
 * The layering STYLE.md describes: planning is pure and owns its input types, builders sit on the
 * plan, components on both, and nothing in components/ reaches up into the stack program.
 */
const layering: ImportRule[] = [
    {
        name: "planning imports only planning",
        from: under("components/plan"),
        allowed: under("components/plan"),
    },
    {
        name: "serving specs import only serving specs and planning",
        from: under("components/serving"),
        allowed: (target) =>
            under("components/serving")(target) || under("components/plan")(target),
    },
    {
        name: "cluster builders import only builders and planning",
        from: under("components/cluster"),
        allowed: (target) =>
            under("components/cluster")(target) || under("components/plan")(target),
    },
    {
        name: "components never import the stack program",
        from: under("components"),
        allowed: under("components"),
    },
];

describe("architecture", () => {
    const graph = importGraph(root, ["components", "stacks"]);
    const everything = ["components", "stacks", "scripts", "policy", "examples", "bench", "test"];

    it("reads the import graph of components/ and stacks/", () => {
        assert.ok(graph.size >= 60, `only ${graph.size} files found`);
        assert.deepEqual(graph.get("components/index.ts")?.filter(isComponentFile).length, 11);
    });

    it("has no import cycle anywhere in the repository (type-only imports count)", () => {
        const all = importGraph(root, everything);
        assert.ok(all.size > graph.size);
        assert.deepEqual(importCycles(all), []);
    });

    it("keeps planning pure: no file under components/plan/ or components/serving/ imports a component", () => {
        assert.deepEqual(importViolations(graph, layering), []);
    });

    describe("the checker itself", () => {
        let dir: string;
        const write = (file: string, text: string) => {
            fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
            fs.writeFileSync(path.join(dir, file), text);
        };

        beforeEach(() => {
            dir = fs.mkdtempSync(path.join(os.tmpdir(), "import-graph-"));
            write("components/plan/a.ts", 'import type { B } from "./b";\nexport type A = B;\n');
            write("components/plan/b.ts", 'export { A } from "./a";\nexport type B = 1;\n');
            write(
                "components/plan/c.ts",
                'import type { WidgetArgs } from "../widget";\nexport type C = WidgetArgs;\n',
            );
            write(
                "components/widget.ts",
                'import { C } from "./plan/c";\nexport type WidgetArgs = C;\n',
            );
        });
        afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

        it("reports a cycle made of a type-only import and a re-export", () => {
            const cycles = importCycles(importGraph(dir, ["components"]));
            assert.ok(
                cycles.includes(
                    "components/plan/a.ts → components/plan/b.ts → components/plan/a.ts",
                ),
                cycles.join("\n"),
            );
        });

        it("reports a planning file that imports a component, and the cycle it makes", () => {
            const fixture = importGraph(dir, ["components"]);
            assert.deepEqual(importViolations(fixture, layering), [
                "planning imports only planning: components/plan/c.ts imports components/widget.ts",
            ]);
            assert.equal(importCycles(fixture).length, 2);
        });
    });
});
