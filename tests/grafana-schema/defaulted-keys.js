// Prints (JSON) the property names that Grafana's schema gives a default
// value, read from the `default*` objects in @grafana/schema's compiled
// JavaScript (cuetsy emits one per CUE struct that has defaults).
// cuetsy declares such properties as required in the TypeScript types,
// although the CUE schema lets a dashboard leave them out; the check makes
// them optional. Usage: node defaulted-keys.js <node_modules> <package dir>
"use strict";
const fs = require("fs");
const path = require("path");
const ts = require(path.join(process.argv[2], "typescript"));

function* jsFiles(dir) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* jsFiles(full);
    else if (/\.(m?js)$/.test(entry.name)) yield full;
  }
}

function collect(objectLiteral, keys) {
  for (const property of objectLiteral.properties) {
    if (!ts.isPropertyAssignment(property)) continue;
    const name = property.name;
    if (ts.isIdentifier(name) || ts.isStringLiteral(name)) keys.add(name.text);
    if (ts.isObjectLiteralExpression(property.initializer))
      collect(property.initializer, keys);
  }
}

const keys = new Set();
for (const file of jsFiles(path.join(process.argv[3], "dist", "esm"))) {
  const source = ts.createSourceFile(file, fs.readFileSync(file, "utf8"),
                                     ts.ScriptTarget.Latest);
  const visit = (node) => {
    if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) &&
        /^default[A-Z]/.test(node.name.text) && node.initializer &&
        ts.isObjectLiteralExpression(node.initializer))
      collect(node.initializer, keys);
    ts.forEachChild(node, visit);
  };
  visit(source);
}
process.stdout.write(JSON.stringify([...keys].sort()) + "\n");
