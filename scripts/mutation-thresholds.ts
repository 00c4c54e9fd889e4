/**
 * Per-file mutation score thresholds, which Stryker itself does not have (its `thresholds.break`
 * is one figure for the whole run). Reads Stryker's JSON report and the `perFileThresholds` of
 * stryker.config.mjs, prints every file's score, and exits 1 naming each file under its figure.
 *
 *   npm run mutation:check [-- reports/mutation/mutation.json]
 */
import * as fs from "fs";
import * as path from "path";

export interface FileThreshold {
    /** A path prefix (a directory ending in "/") or a whole path, relative to the repository. */
    files: string;
    /** Lowest mutation score allowed, percent. */
    minimumScore: number;
}

/** The part of Stryker's JSON report (mutation-testing-report-schema) this script reads. */
export interface MutationReport {
    files: Record<string, { mutants: { status: string }[] }>;
}

export interface FileScore {
    file: string;
    /** Killed or timed out: a test noticed the change. */
    detected: number;
    /** Survived or not covered by any test. */
    undetected: number;
    /** Percent, or undefined for a file without mutants that count (types only, all static). */
    score: number | undefined;
    minimumScore: number | undefined;
}

const detectedStatuses = new Set(["Killed", "Timeout"]);
const undetectedStatuses = new Set(["Survived", "NoCoverage"]);

/** Stryker's mutation score per file: detected / (detected + undetected); errors and ignored left out. */
export function fileScores(
    report: MutationReport,
    thresholds: readonly FileThreshold[],
    root = process.cwd(),
): FileScore[] {
    return Object.entries(report.files)
        .map(([name, { mutants }]) => {
            const file = path.isAbsolute(name) ? path.relative(root, name) : name;
            const detected = mutants.filter((m) => detectedStatuses.has(m.status)).length;
            const undetected = mutants.filter((m) => undetectedStatuses.has(m.status)).length;
            const counted = detected + undetected;
            const threshold = thresholds.find((t) =>
                t.files.endsWith("/") ? file.startsWith(t.files) : file === t.files,
            );
            return {
                file,
                detected,
                undetected,
                score: counted === 0 ? undefined : (100 * detected) / counted,
                minimumScore: threshold?.minimumScore,
            };
        })
        .sort((a, b) => a.file.localeCompare(b.file));
}

/** One line per file that fails: under its threshold, or mutated without a threshold at all. */
export function thresholdFailures(scores: readonly FileScore[]): string[] {
    return scores.flatMap(({ file, score, minimumScore }) => {
        if (minimumScore === undefined)
            return [`${file}: no threshold applies; add one to perFileThresholds`];
        if (score !== undefined && score < minimumScore)
            return [`${file}: ${score.toFixed(2)} % is under its threshold of ${minimumScore} %`];
        return [];
    });
}

function scoreTable(scores: readonly FileScore[]): string {
    const lines = [
        "| file | score | threshold | detected | undetected |",
        "| --- | --- | --- | --- | --- |",
    ];
    for (const s of scores) {
        const score = s.score === undefined ? "no mutants" : `${s.score.toFixed(2)} %`;
        const threshold = s.minimumScore === undefined ? "none" : `${s.minimumScore} %`;
        lines.push(`| ${s.file} | ${score} | ${threshold} | ${s.detected} | ${s.undetected} |`);
    }
    return lines.join("\n");
}

// stryker.config.mjs is an ES module; ts-node compiles `import()` to `require`, so load it natively.
const importEsm = new Function("specifier", "return import(specifier)") as (
    specifier: string,
) => Promise<{ perFileThresholds: FileThreshold[] }>;

async function main(): Promise<number> {
    const reportPath = process.argv[2] ?? "reports/mutation/mutation.json";
    if (!fs.existsSync(reportPath)) {
        console.error(`mutation:check: no report at ${reportPath}; run \`npm run mutation\` first`);
        return 1;
    }
    const report = JSON.parse(fs.readFileSync(reportPath, "utf8")) as MutationReport;
    const configUrl = `file://${path.resolve("stryker.config.mjs")}`;
    const { perFileThresholds } = await importEsm(configUrl);
    const scores = fileScores(report, perFileThresholds);
    console.log(scoreTable(scores));
    const failures = thresholdFailures(scores);
    for (const failure of failures) console.error(`mutation:check: ${failure}`);
    return failures.length === 0 ? 0 : 1;
}

if (require.main === module) {
    main().then(
        (code) => process.exit(code),
        (error) => {
            console.error(error);
            process.exit(1);
        },
    );
}
