// Parses PowerShell scripts with the tree-sitter grammar for PowerShell and
// prints every syntax error (ERROR and MISSING nodes) as file:line:column.
// Exit status 0: every file parsed cleanly; 1: syntax errors; 2: usage.
// usage: node --liftoff-only check.cjs MODULES_DIR FILE...   (MODULES_DIR:
// the npm install made by scripts/install-powershell-parser; --liftoff-only
// spares node waiting at exit for V8's background optimisation of the
// grammar's WebAssembly)
'use strict';
const fs = require('fs');
const path = require('path');

async function main() {
  const [modules, ...files] = process.argv.slice(2);
  if (!modules || files.length === 0) {
    console.error('usage: node check.cjs MODULES_DIR FILE...');
    return 2;
  }
  // Resolved the way Node resolves a package name (its "exports" map).
  const { Parser, Language } = require(require.resolve('web-tree-sitter', { paths: [modules] }));
  await Parser.init();
  const language = await Language.load(path.join(
      modules, 'node_modules', 'tree-sitter-powershell', 'tree-sitter-powershell.wasm'));
  const parser = new Parser();
  parser.setLanguage(language);
  let errors = 0;
  for (const file of files) {
    const tree = parser.parse(fs.readFileSync(file, 'utf8'));
    const report = (node) => {
      if (node.isError || node.isMissing) {
        errors++;
        const where = `${file}:${node.startPosition.row + 1}:${node.startPosition.column + 1}`;
        const what = node.isMissing ? `missing "${node.type}"` : 'syntax error';
        console.log(`${where}: ${what}: ${node.text.split('\n')[0].slice(0, 80)}`);
        return;
      }
      for (const child of node.children) report(child);
    };
    if (tree.rootNode.hasError) report(tree.rootNode);
    console.log(`${file}: ${tree.rootNode.descendantCount} nodes`);
  }
  return errors ? 1 : 0;
}

main().then((code) => process.exit(code), (e) => {
  console.error(e && e.stack || e);
  process.exit(2);
});
