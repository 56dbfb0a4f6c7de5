/**
 * The rules of the import check (see `check_imports.ts` and ARCHITECTURE.md),
 * as a pure function over a module graph so that they are tested without
 * building one.
 *
 * @module
 */

/** One import of a module: the text written and the file it resolves to. */
export interface Import {
  /** The specifier as written, e.g. `"@facever/core"` or `"./_nms.ts"`. */
  readonly specifier: string;
  /** The path it resolves to, relative to the repository root. */
  readonly target: string;
}

/** A module of the workspace and its imports of other workspace modules. */
export interface Module {
  /** Its path, relative to the repository root, with `/` separators. */
  readonly path: string;
  readonly imports: readonly Import[];
}

/** A unit of the house: a package, an app, the assets, a tool. */
export interface Unit {
  /** Its name in messages, e.g. `"model"`. */
  readonly name: string;
  /** Higher layers may import lower ones, never the reverse. */
  readonly layer: number;
}

/**
 * The units, by path. `weights/mod.ts` (which only locates the model
 * files) sits at the bottom; the rest of `weights/` is the converter, a
 * tool above the model package whose compiled-model contract it uses.
 * `@facever/testing` sits at the bottom too, for tests and benchmarks only.
 */
export function unitOf(path: string): Unit | undefined {
  const [top, second] = path.split("/");
  if (top === "packages") {
    const layers: Record<string, number> = {
      testing: 0,
      core: 1,
      model: 2,
      gallery: 3,
      edge: 4,
    };
    return second in layers
      ? { name: second, layer: layers[second] }
      : { name: second, layer: -1 };
  }
  if (top === "weights") {
    // The locator and the data files it names (the manifest, the
    // operating points) are the assets; the TypeScript beside them is the
    // converter.
    return path === "weights/mod.ts" || !path.endsWith(".ts")
      ? { name: "weights (files)", layer: 0 }
      : { name: "weights (converter)", layer: 5 };
  }
  if (top === "apps") return { name: `apps/${second}`, layer: 5 };
  if (top === "bench") return { name: "bench", layer: 6 };
  if (top === ".ci") return { name: ".ci", layer: 7 };
  return undefined;
}

/** Files that only tests run: `*_test.ts`, `_test_*.ts` and `testdata/`. */
export function isTestFile(path: string): boolean {
  const file = path.slice(path.lastIndexOf("/") + 1);
  return file.endsWith("_test.ts") || file.startsWith("_test_") ||
    path.includes("/testdata/");
}

function directoryOf(path: string): string {
  const [top, second] = path.split("/");
  return top === "packages" || top === "apps" ? `${top}/${second}` : top;
}

/**
 * Every broken rule in the graph, one message each:
 *
 * - an import of a higher layer, or of another unit of the same layer
 *   (one app of another);
 * - `@facever/testing` imported by library code (only tests, test helpers
 *   and benchmarks may use it);
 * - a path into another package's folder (`../../`, `../packages/…`),
 *   where its exports (`@facever/…`) are the only door;
 * - an import cycle, type-only imports included.
 */
export function checkImports(modules: readonly Module[]): string[] {
  const problems: string[] = [];
  for (const module of modules) {
    const from = unitOf(module.path);
    if (!from) continue;
    if (from.layer < 0) {
      problems.push(
        `${module.path}: package ${from.name} has no layer; give it one in .ci/_import_rules.ts and ARCHITECTURE.md`,
      );
      continue;
    }
    for (const { specifier, target } of module.imports) {
      const to = unitOf(target);
      if (!to) continue;
      const where = `${module.path} imports ${specifier}`;
      if (directoryOf(module.path) !== directoryOf(target)) {
        if (specifier.startsWith(".") || specifier.startsWith("/")) {
          problems.push(
            `${where}: a path into ${
              directoryOf(target)
            }/; import its exports (@facever/…) instead`,
          );
        }
      }
      if (from.name === to.name) continue;
      if (to.name === "testing" && !isTestFile(module.path) && from.layer < 6) {
        problems.push(
          `${where}: library code may not use @facever/testing (tests and benchmarks only)`,
        );
      } else if (to.layer >= from.layer) {
        problems.push(
          `${where}: ${from.name} (layer ${from.layer}) may not import ${to.name} (layer ${to.layer}); arrows point down only`,
        );
      }
    }
  }
  for (const cycle of cycles(modules)) {
    problems.push(`import cycle: ${[...cycle, cycle[0]].join(" → ")}`);
  }
  return problems;
}

/** The strongly connected components of more than one module (Tarjan). */
function cycles(modules: readonly Module[]): string[][] {
  const edges = new Map<string, string[]>();
  for (const module of modules) {
    edges.set(module.path, module.imports.map((i) => i.target));
  }
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  let next = 0;
  const visit = (node: string) => {
    index.set(node, next);
    low.set(node, next++);
    stack.push(node);
    onStack.add(node);
    for (const to of edges.get(node) ?? []) {
      if (!edges.has(to)) continue;
      if (!index.has(to)) {
        visit(to);
        low.set(node, Math.min(low.get(node)!, low.get(to)!));
      } else if (onStack.has(to)) {
        low.set(node, Math.min(low.get(node)!, index.get(to)!));
      }
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      const selfLoop = edges.get(node)!.includes(node);
      if (component.length > 1 || selfLoop) found.push(component.reverse());
    }
  };
  for (const node of [...edges.keys()].sort()) {
    if (!index.has(node)) visit(node);
  }
  return found;
}
