/**
 * The import check of `.ci/run`: builds the module graph of every
 * TypeScript file in the workspace with `deno info --json` and fails, with
 * one line per problem, on an import cycle, an upward import or a path into
 * another package (the rules are in `_import_rules.ts`).
 *
 * ```sh
 * deno run --allow-read --allow-write --allow-run=deno .ci/check_imports.ts
 * ```
 *
 * @module
 */

import { join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { checkImports, type Module } from "./_import_rules.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const FOLDERS = ["packages", "apps", "weights", "bench", ".ci"];

interface InfoDependency {
  readonly specifier: string;
  readonly code?: { readonly specifier: string };
  readonly type?: { readonly specifier: string };
}

interface InfoModule {
  readonly specifier: string;
  readonly dependencies?: readonly InfoDependency[];
}

async function* typescriptFiles(folder: string): AsyncGenerator<string> {
  for await (const entry of Deno.readDir(folder)) {
    const path = join(folder, entry.name);
    if (entry.isDirectory && entry.name !== "node_modules") {
      yield* typescriptFiles(path);
    } else if (entry.isFile && entry.name.endsWith(".ts")) {
      yield path;
    }
  }
}

/** The repository-relative path of a local file URL, else undefined. */
function localPath(url: string): string | undefined {
  if (!url.startsWith("file:")) return undefined;
  const path = relative(ROOT, fileURLToPath(url)).replaceAll("\\", "/");
  return path.startsWith("..") ? undefined : path;
}

async function moduleGraph(): Promise<Module[]> {
  const files: string[] = [];
  for (const folder of FOLDERS) {
    for await (const file of typescriptFiles(join(ROOT, folder))) {
      files.push(file);
    }
  }
  // One graph for all files: a root module that imports each of them.
  const dir = await Deno.makeTempDir({ prefix: "check_imports_" });
  try {
    const root = join(dir, "all.ts");
    await Deno.writeTextFile(
      root,
      files.map((file) => `import "${pathToFileURL(file).href}";\n`).join(""),
    );
    const { code, stdout, stderr } = await new Deno.Command("deno", {
      args: ["info", "--json", "--config", join(ROOT, "deno.json"), root],
      cwd: ROOT,
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (code !== 0) {
      throw new Error(`deno info failed: ${new TextDecoder().decode(stderr)}`);
    }
    const info = JSON.parse(new TextDecoder().decode(stdout)) as {
      modules: InfoModule[];
    };
    const modules: Module[] = [];
    for (const module of info.modules) {
      const path = localPath(module.specifier);
      if (!path) continue;
      const imports = (module.dependencies ?? []).flatMap((dependency) =>
        [dependency.code?.specifier, dependency.type?.specifier]
          .map((url) => url && localPath(url))
          .filter((target): target is string => target !== undefined)
          .map((target) => ({ specifier: dependency.specifier, target }))
      );
      modules.push({ path, imports });
    }
    return modules;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

if (import.meta.main) {
  const modules = await moduleGraph();
  const problems = checkImports(modules);
  for (const problem of problems) console.error(problem);
  console.log(
    `import check: ${modules.length} modules, ${problems.length} problems`,
  );
  if (problems.length > 0) Deno.exit(1);
}
