// Lint like the infrastructure codebases we follow: typed rules from typescript-eslint, plus Pulumi's
// rule that an Output inside a template literal renders as a warning string, not its value.
import pulumi from "@pulumi/eslint-plugin";
import tseslint from "typescript-eslint";

export default tseslint.config(
    { ignores: ["node_modules/**", "bin/**", "test/harness/reporter.js", "eslint.config.mjs"] },
    ...tseslint.configs.recommended,
    {
        files: ["**/*.ts"],
        languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
        plugins: { "@pulumi": pulumi },
        rules: {
            "@pulumi/no-output-in-template-literal": "error",
            "@pulumi/no-output-instance-in-template-literal": "error",
            // Test helpers and mocks handle provider payloads whose shape Pulumi types as any.
            "@typescript-eslint/no-explicit-any": "off",
            "@typescript-eslint/no-require-imports": "off",
            // A component's Args extend the input shape its plan owns; Pulumi's analyzer needs a
            // named interface (not a type alias) for the package schema.
            "@typescript-eslint/no-empty-object-type": ["error", { allowInterfaces: "with-single-extends" }],
            // Components alias `this` as `parent` so builders take `{ parent }`.
            "@typescript-eslint/no-this-alias": ["error", { allowedNames: ["parent"] }],
            "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
        },
    },
    {
        // Functions read as a list of named steps; a constructor lists what it creates. Specs are
        // exempt: a describe() callback is a list of its it()s, not a function to split.
        files: ["**/*.ts"],
        ignores: ["test/**/*.spec.ts"],
        rules: {
            "max-lines-per-function": [
                "error",
                { max: 80, skipBlankLines: true, skipComments: true },
            ],
        },
    },
);
