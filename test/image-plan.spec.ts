import { strict as assert } from "assert";
import * as fc from "fast-check";
import * as fs from "fs";
import * as path from "path";
import {
    cacheSourceTags,
    checkModelImageArgs,
    ecrLifecyclePolicy,
    imageTagFor,
    imageTagProblem,
    isImageDigestReference,
    ModelImagePlainArgs,
    renderEcrLifecyclePolicy,
} from "../components/plan/image-plan";
import { isDockerTag } from "../components/plan/names";
import { Problems } from "../components/plan/problems";

const repositoryUrl = "123456789012.dkr.ecr.us-west-2.amazonaws.com/serving/vllm";
const digest = "a".repeat(64);

describe("image plan", () => {
    describe("ECR lifecycle policy", () => {
        it("expires untagged images first, by days since push", () => {
            const [first] = ecrLifecyclePolicy(10, 7).rules;
            assert.equal(first.rulePriority, 1);
            assert.deepEqual(first.selection, {
                tagStatus: "untagged",
                countType: "sinceImagePushed",
                countUnit: "days",
                countNumber: 7,
            });
            assert.deepEqual(first.action, { type: "expire" });
            assert.equal(first.description, "Expire untagged images 7 days after push");
        });

        it("then keeps the newest N tagged images with a count rule over every tag", () => {
            const [, second] = ecrLifecyclePolicy(10, 7).rules;
            assert.equal(second.rulePriority, 2);
            assert.deepEqual(second.selection, {
                tagStatus: "tagged",
                tagPatternList: ["*"],
                countType: "imageCountMoreThan",
                countNumber: 10,
            });
            assert.deepEqual(second.action, { type: "expire" });
            assert.equal(second.description, "Keep the 10 most recently pushed tagged images");
        });

        it("gives every rule a unique priority and never uses tagStatus any", () => {
            const rules = ecrLifecyclePolicy(3, 1).rules;
            assert.deepEqual(
                rules.map((r) => [r.rulePriority, r.selection.tagStatus]),
                [
                    [1, "untagged"],
                    [2, "tagged"],
                ],
            );
        });

        it("renders JSON that carries the requested counts", () => {
            const rendered = JSON.parse(renderEcrLifecyclePolicy(25, 2));
            assert.deepEqual(
                rendered.rules.map((r: any) => [r.selection.tagStatus, r.selection.countNumber]),
                [
                    ["untagged", 2],
                    ["tagged", 25],
                ],
            );
        });
    });

    describe("image tag derivation", () => {
        it("keeps a version that already is a valid tag", () => {
            assert.equal(imageTagFor("v1.2.0"), "v1.2.0");
        });

        it("replaces characters Docker rejects and drops leading separators", () => {
            assert.equal(
                imageTagFor("/meta-llama/Llama-3.1-8B@2024 07+rc1"),
                "meta-llama-Llama-3.1-8B-2024-07-rc1",
            );
        });

        it("collapses each run of rejected characters into one '-'", () => {
            assert.equal(imageTagFor("a@@/b"), "a-b");
        });

        it("says why latest is refused and what to use instead", () => {
            assert.equal(
                imageTagProblem("latest"),
                '"latest" becomes the tag "latest", which never names one model version; use a version such as "v1.2.0"',
            );
        });

        it("rejects versions that are or become latest, in any case", () => {
            for (const version of ["latest", "LATEST", "-latest", "..Latest"]) {
                assert.match(imageTagProblem(version) ?? "", /becomes the tag "latest"/, version);
                assert.throws(() => imageTagFor(version), /modelVersion: .*latest/);
            }
        });

        it("rejects versions with nothing left after sanitising", () => {
            assert.match(imageTagProblem("") ?? "", /no letters or digits/);
            assert.match(imageTagProblem("/@/") ?? "", /no letters or digits/);
        });

        it("shortens long versions to 128 characters with a hash that keeps them distinct", () => {
            const a = imageTagFor("x".repeat(200) + "a");
            const b = imageTagFor("x".repeat(200) + "b");
            assert.equal(a.length, 128);
            assert.notEqual(a, b);
        });

        it("always yields a valid Docker tag other than latest, or a problem (property)", () => {
            const versions = fc.oneof(
                fc.string({ maxLength: 300 }),
                fc.string({ unit: "binary", maxLength: 300 }),
            );
            fc.assert(
                fc.property(versions, (version) => {
                    if (imageTagProblem(version) !== undefined) return;
                    const tag = imageTagFor(version);
                    assert.ok(isDockerTag(tag), `"${tag}" from "${version}"`);
                    assert.notEqual(tag.toLowerCase(), "latest");
                }),
                { numRuns: 500 },
            );
        });
    });

    describe("cache sources and digests", () => {
        it("seeds the cache from the previous version before the current one", () => {
            assert.deepEqual(cacheSourceTags("v2", "v1"), ["v1", "v2"]);
            assert.deepEqual(cacheSourceTags("v2"), ["v2"]);
            assert.deepEqual(cacheSourceTags("v2", "v2"), ["v2"]);
        });

        it("accepts only a sha256 digest reference in the given repository", () => {
            assert.ok(isImageDigestReference(`${repositoryUrl}@sha256:${digest}`, repositoryUrl));
            assert.ok(!isImageDigestReference(`${repositoryUrl}:v1`, repositoryUrl), "tag");
            assert.ok(!isImageDigestReference(`sha256:${digest}`, repositoryUrl), "local image id");
            const otherRepository = `${repositoryUrl}-other@sha256:${digest}`;
            assert.ok(!isImageDigestReference(otherRepository, repositoryUrl), "other repository");
            const shortDigest = `${repositoryUrl}@sha256:${digest.slice(1)}`;
            assert.ok(!isImageDigestReference(shortDigest, repositoryUrl), "short digest");
            const prefixed = `${repositoryUrl}@sha256:x${digest}`;
            assert.ok(!isImageDigestReference(prefixed, repositoryUrl), "junk before the digest");
            const suffixed = `${repositoryUrl}@sha256:${digest}x`;
            assert.ok(!isImageDigestReference(suffixed, repositoryUrl), "junk after the digest");
        });
    });

    describe("argument checks", () => {
        const valid: ModelImagePlainArgs = {
            repositoryName: "serving/vllm",
            context: "images/vllm",
            modelVersion: "v1",
            platform: "linux/amd64",
            keepTaggedImages: 10,
            untaggedExpiryDays: 7,
        };
        const problemsOf = (overrides: Partial<ModelImagePlainArgs>) => {
            const problems = new Problems();
            checkModelImageArgs({ ...valid, ...overrides }, problems);
            return problems.list.map((p) => `${p.propertyPath}: ${p.reason}`);
        };

        it("finds nothing wrong with the vLLM build context", () => {
            assert.deepEqual(problemsOf({}), []);
        });

        it("accepts a Dockerfile that exists and refuses a blank one", () => {
            assert.deepEqual(problemsOf({ dockerfile: "images/vllm/Dockerfile" }), []);
            assert.deepEqual(problemsOf({ dockerfile: " " }), [
                `dockerfile: file " " does not exist (resolved against ${process.cwd()})`,
            ]);
        });

        it("rejects a context directory that does not exist", () => {
            const cwd = process.cwd();
            assert.deepEqual(problemsOf({ context: "images/nope" }), [
                `context: directory "images/nope" does not exist (resolved against ${cwd})`,
            ]);
        });

        it("rejects a context without a Dockerfile when none is given", () => {
            assert.deepEqual(problemsOf({ context: "components" }), [
                'dockerfile: not given and "components/Dockerfile" does not exist',
            ]);
        });

        it("names a blank context once, without a Dockerfile problem that would follow from it", () => {
            assert.deepEqual(problemsOf({ context: "  " }), [
                "context: must be a build context directory, got an empty string",
            ]);
        });

        it("names a model version that becomes latest", () => {
            assert.deepEqual(problemsOf({ modelVersion: "latest" }), [
                'modelVersion: "latest" becomes the tag "latest", which never names one model version; use a version such as "v1.2.0"',
            ]);
        });

        it("lists the platforms it builds for when given another", () => {
            assert.deepEqual(problemsOf({ platform: "linux/arm/v7" }), [
                'platform: "linux/arm/v7" is not one of linux/amd64, linux/arm64',
            ]);
        });

        it("refuses untagged images expiring after 0 days", () => {
            assert.deepEqual(problemsOf({ untaggedExpiryDays: 0 }), [
                "untaggedExpiryDays: must be a whole number >= 1, got 0",
            ]);
        });

        it("rejects a fractional count and a bad previous version", () => {
            const found = problemsOf({ keepTaggedImages: 2.5, previousModelVersion: "latest" });
            assert.equal(found.length, 2);
            assert.match(found[0], /^previousModelVersion: "latest" becomes the tag "latest"/);
            assert.equal(found[1], "keepTaggedImages: must be a whole number >= 1, got 2.5");
        });
    });
});

/** FROM/USER/EXPOSE/ENTRYPOINT of a Dockerfile; continuations joined, ARG defaults applied. */
function parseDockerfile(text: string) {
    const lines = text
        .replace(/\\\n/g, " ")
        .split("\n")
        .map((line) => line.trim())
        .filter((line) => line !== "" && !line.startsWith("#"));
    const args: Record<string, string> = {};
    const result = {
        from: [] as string[],
        users: [] as string[],
        exposed: [] as string[],
        entrypoint: [] as string[],
    };
    for (const line of lines) {
        const [instruction, ...rest] = line.split(/\s+/);
        const value = rest.join(" ");
        switch (instruction.toUpperCase()) {
            case "ARG": {
                const [key, defaultValue] = value.split("=");
                if (defaultValue !== undefined) args[key] = defaultValue;
                break;
            }
            case "FROM": {
                const image = rest.filter((word) => !word.startsWith("--"))[0];
                const expand = (_match: string, braced?: string, bare?: string) =>
                    args[braced ?? bare ?? ""] ?? "";
                result.from.push(image.replace(/\$\{(\w+)\}|\$(\w+)/g, expand));
                break;
            }
            case "USER":
                result.users.push(value);
                break;
            case "EXPOSE":
                result.exposed.push(...rest);
                break;
            case "ENTRYPOINT":
                result.entrypoint = JSON.parse(value);
                break;
        }
    }
    return result;
}

describe("serving image build contexts", () => {
    const images = [
        {
            dir: "images/vllm",
            port: "8000",
            // The port is an argument of the fixed entrypoint.
            servesOn: (entrypoint: string) => entrypoint.includes("--port 8000"),
            digest: true,
        },
        {
            dir: "images/custom-server",
            port: "8080",
            // gunicorn binds $PORT (gunicorn.conf.py), 8080 unless the pod sets it.
            servesOn: (entrypoint: string, text: string) =>
                entrypoint.includes("--config /app/gunicorn.conf.py") &&
                /^\s*PORT=8080\s*$/m.test(text) &&
                /bind = f"0\.0\.0\.0:\{os\.environ\.get\('PORT', '8080'\)\}"/.test(
                    fs.readFileSync("images/custom-server/gunicorn.conf.py", "utf8"),
                ),
            digest: false,
        },
    ];
    const readme = fs.readFileSync(path.join("images", "README.md"), "utf8");

    for (const image of images) {
        const text = fs.readFileSync(path.join(image.dir, "Dockerfile"), "utf8");
        const dockerfile = parseDockerfile(text);

        it(`${image.dir}: runs as the numeric non-root user 1000`, () => {
            assert.equal(dockerfile.users.at(-1), "1000:1000");
        });

        it(`${image.dir}: pins every base image to a version tag, never latest`, () => {
            assert.ok(dockerfile.from.length > 0);
            for (const from of dockerfile.from) {
                const [nameAndTag, pinnedDigest] = from.split("@");
                const tag = nameAndTag.includes(":") ? nameAndTag.split(":").at(-1)! : "";
                assert.match(tag, /\d/, `${from} has no version tag`);
                assert.notEqual(tag, "latest");
                if (image.digest) {
                    const digestPattern = /^sha256:[0-9a-f]{64}$/;
                    assert.match(pinnedDigest ?? "", digestPattern, `${from} has no digest`);
                }
            }
        });

        it(`${image.dir}: exposes port ${image.port} and serves on it`, () => {
            assert.deepEqual(dockerfile.exposed, [image.port]);
            const joined = dockerfile.entrypoint.join(" ");
            assert.ok(image.servesOn(joined, text), joined);
        });

        it(`${image.dir}: is documented with its port in images/README.md`, () => {
            const section = readme.indexOf(`## \`${image.dir.replace("images/", "")}/\``);
            assert.ok(section >= 0, "has a section");
            assert.ok(readme.slice(section).includes(`**${image.port}**`), "names the port");
        });
    }

    it("documents every endpoint the custom server routes", () => {
        const app = fs.readFileSync("images/custom-server/app.py", "utf8");
        const routes = [...app.matchAll(/@app\.(?:get|post)\("([^"]+)"\)/g)].map((m) => m[1]);
        assert.deepEqual(routes.sort(), ["/health", "/metrics", "/predict", "/ready"]);
        for (const route of routes) assert.ok(readme.includes(`\`${route}\``), route);
    });
});
