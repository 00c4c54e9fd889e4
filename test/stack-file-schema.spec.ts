import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { stackFileJsonSchemaText, stackFileSchemaPath } from "../stacks/config-json-schema";
import { committedStacks } from "../stacks/stack-files";
import { Diagnostic, YamlLanguageServer } from "./harness/yaml-language-server";

const root = path.join(__dirname, "..");
const modeline = `# yaml-language-server: $schema=./${stackFileSchemaPath}`;
const stackFile = (stack: string) =>
    fs.readFileSync(path.join(root, `Pulumi.${stack}.yaml`), "utf8");

/** "line: message" for each diagnostic, 1-based lines as an editor shows them. */
const described = (found: Diagnostic[]) =>
    found.map((d) => `${d.range.start.line + 1}: ${d.message}`);
const lineOf = (text: string, fragment: string) =>
    text.split("\n").findIndex((line) => line.includes(fragment)) + 1;

describe("editor schema of Pulumi.<stack>.yaml", () => {
    it("is generated from the config schema (regenerate with `npm run docs`)", () => {
        const committed = fs.readFileSync(path.join(root, stackFileSchemaPath), "utf8");
        assert.equal(committed, stackFileJsonSchemaText());
    });

    for (const stack of committedStacks) {
        it(`is named by the modeline on the first line of Pulumi.${stack}.yaml`, () => {
            assert.equal(stackFile(stack).split("\n")[0], modeline);
        });
    }

    describe("in the real yaml-language-server, over LSP", function () {
        this.timeout(60_000);
        let server: YamlLanguageServer;

        before(async () => {
            server = await YamlLanguageServer.start(root);
        });
        after(async () => server?.stop());

        it("flags a misspelt nested key at its line, naming it", async () => {
            const text = stackFile("dev").replace("natGatewayPerAz:", "natGatewayPerAZ:");
            assert.deepEqual(described(await server.diagnose("Pulumi.typo-nested.yaml", text)), [
                `${lineOf(text, "natGatewayPerAZ")}: Property natGatewayPerAZ is not allowed.`,
            ]);
        });

        it("flags a misspelt project config key and a bad enum value", async () => {
            const text = stackFile("prod")
                .replace("gpu-serving-infra:modelStore:", "gpu-serving-infra:modelStor:")
                .replace("capacityTypes: [on-demand]", "capacityTypes: [ondemand]");
            const found = described(await server.diagnose("Pulumi.typo-key.yaml", text));
            assert.ok(
                found.includes(
                    `${lineOf(text, "modelStor:")}: Property gpu-serving-infra:modelStor is not allowed.`,
                ),
                found.join("\n"),
            );
            assert.ok(
                found.some((d) =>
                    d.startsWith(
                        `${lineOf(text, "capacityTypes: [ondemand]")}: Value is not accepted.`,
                    ),
                ),
                found.join("\n"),
            );
        });

        for (const stack of committedStacks) {
            it(`finds nothing wrong in the committed Pulumi.${stack}.yaml`, async () => {
                const found = await server.diagnose(`Pulumi.${stack}.yaml`, stackFile(stack));
                assert.deepEqual(described(found), []);
            });
        }

        it("accepts the secret form of apiKey and the stack file's own keys", async () => {
            const text = [
                modeline,
                "secretsprovider: passphrase",
                "encryptionsalt: v1:abc",
                stackFile("local").split("\n").slice(1).join("\n"),
                "  gpu-serving-infra:apiKey:",
                "    secure: v1:AAAA",
            ].join("\n");
            assert.deepEqual(described(await server.diagnose("Pulumi.secret.yaml", text)), []);
        });

        it("checks nothing without the modeline (so the modeline is what binds the schema)", async () => {
            const text = stackFile("dev")
                .split("\n")
                .slice(1)
                .join("\n")
                .replace("natGatewayPerAz:", "natGatewayPerAZ:");
            assert.deepEqual(described(await server.diagnose("Pulumi.unbound.yaml", text)), []);
        });
    });
});
