// Markdown tables for the plan report (GitHub renders them in PR comments).

/** One table row: `| a | b |`. */
export function markdownRow(cells: readonly (string | number)[]): string {
    return `| ${cells.join(" | ")} |`;
}

/** A header, its `---` separator and the rows, one line each. */
export function markdownTable(
    header: readonly string[],
    rows: readonly (readonly (string | number)[])[],
): string[] {
    return [markdownRow(header), markdownRow(header.map(() => "---")), ...rows.map(markdownRow)];
}
