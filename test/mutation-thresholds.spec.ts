import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { fileScores, MutationReport, thresholdFailures } from "../scripts/mutation-thresholds";

const mutants = (counts: Record<string, number>) =>
    Object.entries(counts).flatMap(([status, count]) => Array(count).fill({ status }));

const thresholds = [
    { files: "components/plan/", minimumScore: 85 },
    { files: "components/serving/validation.ts", minimumScore: 80 },
];

describe("mutation score thresholds per file", () => {
    const report: MutationReport = {
        files: {
            "components/plan/cidr.ts": {
                mutants: mutants({ Killed: 17, Timeout: 1, Survived: 2 }),
            },
            "components/plan/names.ts": {
                mutants: mutants({ Killed: 16, Survived: 3, NoCoverage: 1, Ignored: 9 }),
            },
            "components/serving/validation.ts": {
                mutants: mutants({ Killed: 8, Survived: 2, RuntimeError: 5 }),
            },
            "components/plan/cluster-types.ts": { mutants: [] },
        },
    };
    const scores = fileScores(report, thresholds);

    it("scores killed and timed-out mutants over all but errors and ignored ones", () => {
        assert.deepEqual(
            scores.map((s) => [s.file, s.score, s.minimumScore]),
            [
                ["components/plan/cidr.ts", 90, 85],
                ["components/plan/cluster-types.ts", undefined, 85],
                ["components/plan/names.ts", 80, 85],
                ["components/serving/validation.ts", 80, 80],
            ],
        );
    });

    it("names each file under its threshold, and passes a file exactly at it", () => {
        assert.deepEqual(thresholdFailures(scores), [
            "components/plan/names.ts: 80.00 % is under its threshold of 85 %",
        ]);
    });

    it("fails a mutated file that no threshold covers", () => {
        const other = fileScores({ files: { "stacks/validate.ts": { mutants: [] } } }, thresholds);
        assert.deepEqual(thresholdFailures(other), [
            "stacks/validate.ts: no threshold applies; add one to perFileThresholds",
        ]);
    });

    it("reads report paths relative to the repository when Stryker writes them absolute", () => {
        const absolute = path.join(process.cwd(), "components/plan/cidr.ts");
        const [score] = fileScores(
            { files: { [absolute]: report.files["components/plan/cidr.ts"] } },
            thresholds,
        );
        assert.deepEqual([score.file, score.score], ["components/plan/cidr.ts", 90]);
    });

    it("exits 1 from the command line, naming the file, with the project's thresholds", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mutation-"));
        const reportPath = path.join(dir, "mutation.json");
        fs.writeFileSync(reportPath, JSON.stringify(report));
        let stderr = "";
        let status = 0;
        try {
            execFileSync(
                process.execPath,
                [
                    require.resolve("ts-node/dist/bin"),
                    "--transpile-only",
                    "scripts/mutation-thresholds.ts",
                    reportPath,
                ],
                { encoding: "utf8", stdio: "pipe" },
            );
        } catch (error) {
            ({ stderr, status } = error as { stderr: string; status: number });
        } finally {
            fs.rmSync(dir, { recursive: true });
        }
        assert.equal(status, 1);
        assert.equal(
            stderr,
            "mutation:check: components/plan/names.ts: 80.00 % is under its threshold of 85 %\n",
        );
    });
});
