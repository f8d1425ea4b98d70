// Writes a copy of one @grafana/schema package's type declarations in which
// every property that has a default in Grafana's CUE schema is optional.
//
// Why: cuetsy, which generates these types from CUE, declares a field with
// a CUE default (`h: uint32 | *9`) as a required TypeScript property and
// puts the default into a `default<Interface>` object in the compiled
// JavaScript next to the declarations. The CUE schema, and Grafana, accept
// a dashboard that leaves such a field out. This script reads those objects
// (with the TypeScript parser) and marks the properties they name optional
// in the interface of the same name: the one in the .d.ts file next to the
// object's module, else (the veneer modules define some defaults apart from
// their interface) the one interface of that name anywhere in the package,
// as long as only one module defines such a default. So a missing property
// is reported exactly when the schema requires it without a default.
//
// Usage: node optional-defaults.js <node_modules> <package alias> <out dir>
// Prints how many properties it made optional.
"use strict";
const fs = require("fs");
const path = require("path");
const [nodeModules, alias, outDir] = process.argv.slice(2);
const ts = require(path.join(nodeModules, "typescript"));
const packageDir = path.join(nodeModules, alias);

function* filesEndingIn(dir, suffixes) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* filesEndingIn(full, suffixes);
    else if (suffixes.some((suffix) => entry.name.endsWith(suffix))) yield full;
  }
}

// default<Name> object literals of one compiled module: Name -> keys.
// Rollup may rename a binding to defaultName$1.
function defaultsOf(jsFile) {
  const defaults = new Map();
  if (!jsFile) return defaults;
  const source = ts.createSourceFile(jsFile, fs.readFileSync(jsFile, "utf8"),
                                     ts.ScriptTarget.Latest);
  const visit = (node) => {
    if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) &&
        node.initializer && ts.isObjectLiteralExpression(node.initializer)) {
      const match = /^default([A-Z]\w*?)(\$\d+)?$/.exec(node.name.text);
      if (match) {
        const keys = new Set();
        for (const property of node.initializer.properties) {
          if (ts.isPropertyAssignment(property) &&
              (ts.isIdentifier(property.name) ||
               ts.isStringLiteral(property.name)))
            keys.add(property.name.text);
        }
        defaults.set(match[1], keys);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return defaults;
}

const distDir = path.join(packageDir, "dist");
// Name -> keys, for names that exactly one module defines a default for.
// Only the ES modules: some versions also ship a bundle of all of them.
const definedIn = new Map();
for (const jsFile of filesEndingIn(path.join(distDir, "esm"), [".mjs", ".js"])) {
  for (const [name, keys] of defaultsOf(jsFile)) {
    if (!definedIn.has(name)) definedIn.set(name, []);
    definedIn.get(name).push(keys);
  }
}
const unique = new Map();
for (const [name, keySets] of definedIn)
  if (keySets.length === 1) unique.set(name, keySets[0]);

let madeOptional = 0;
for (const declarationFile of filesEndingIn(distDir, [".d.ts"])) {
  const stem = declarationFile.slice(0, -".d.ts".length);
  const jsFile = [stem + ".mjs", stem + ".js"].find((f) => fs.existsSync(f));
  const defaults = new Map([...unique, ...defaultsOf(jsFile)]);
  let text = fs.readFileSync(declarationFile, "utf8");
  const insertions = [];
  if (defaults.size > 0) {
    const source = ts.createSourceFile(declarationFile, text,
                                       ts.ScriptTarget.Latest);
    const visit = (node) => {
      if (ts.isInterfaceDeclaration(node) && defaults.has(node.name.text)) {
        const keys = defaults.get(node.name.text);
        for (const member of node.members) {
          if (ts.isPropertySignature(member) && !member.questionToken &&
              (ts.isIdentifier(member.name) ||
               ts.isStringLiteral(member.name)) &&
              keys.has(member.name.text))
            insertions.push(member.name.end);
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  insertions.sort((a, b) => b - a);
  for (const position of insertions)
    text = text.slice(0, position) + "?" + text.slice(position);
  madeOptional += insertions.length;
  const target = path.join(outDir, path.relative(packageDir, declarationFile));
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.writeFileSync(target, text);
}
process.stdout.write(`${madeOptional}\n`);
