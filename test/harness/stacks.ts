import { main } from "../../stacks";
import { readStackFile } from "../../stacks/stack-files";
import { render, RenderOptions } from "./render";

/** Runs the program for a committed stack under mocks with its own Pulumi.<stack>.yaml values. */
export function renderStack(
    stack: string,
    overrides: Record<string, unknown> = {},
    options: Pick<RenderOptions, "preview"> = {},
) {
    const config = { ...readStackFile(stack), ...overrides };
    return render(() => main(stack), { stack, config, ...options });
}
