/**
 * Exports that no other file imports, for a person to check one by one:
 *   npx tsx tools/imports/deadExports.ts           # values (functions, constants, classes)
 *   npx tsx tools/imports/deadExports.ts --types   # types and interfaces too
 * A type that only documents an exported function's signature is usually worth keeping; a
 * value nobody imports is dead, or should not be exported. Route modules (app/), test files
 * and modules imported whole (`import * as`, `import()`) are left out.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { resolveImport, sourceFiles } from './importGraph';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface Export {
  readonly name: string;
  readonly line: number;
  readonly isType: boolean;
}

function exportsOf(sf: ts.SourceFile): Export[] {
  const line = (node: ts.Node) => sf.getLineAndCharacterOfPosition(node.getStart()).line + 1;
  const found: Export[] = [];
  for (const statement of sf.statements) {
    const modifiers = ts.canHaveModifiers(statement) ? ts.getModifiers(statement) : undefined;
    if (!modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)) continue;
    const isType = ts.isInterfaceDeclaration(statement) || ts.isTypeAliasDeclaration(statement);
    if (modifiers.some((m) => m.kind === ts.SyntaxKind.DefaultKeyword)) found.push({ name: 'default', line: line(statement), isType });
    else if (ts.isVariableStatement(statement)) {
      for (const d of statement.declarationList.declarations) if (ts.isIdentifier(d.name)) found.push({ name: d.name.text, line: line(d), isType: false });
    } else if ((ts.isFunctionDeclaration(statement) || ts.isClassDeclaration(statement) || ts.isEnumDeclaration(statement) || isType) && statement.name) {
      found.push({ name: statement.name.text, line: line(statement), isType });
    }
  }
  return found;
}

function main(): void {
  const withTypes = process.argv.includes('--types');
  const files = sourceFiles(ROOT, ['lib', 'components', 'app', 'tools', 'bench', 'e2e', 'testing']).filter((f) => !f.startsWith('tools/zoo/'));
  const declared = new Map<string, Export[]>();
  const imported = new Map<string, Set<string>>();
  const importedWhole = new Set<string>();
  const target = (from: string, specifier: string) => resolveImport(ROOT, from, specifier);
  const use = (file: string, name: string) => imported.set(file, (imported.get(file) ?? new Set()).add(name));

  for (const file of files) {
    const sf = ts.createSourceFile(file, readFileSync(join(ROOT, file), 'utf8'), ts.ScriptTarget.Latest, true, file.endsWith('.tsx') ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
    declared.set(file, exportsOf(sf));
    for (const statement of sf.statements) {
      if ((ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement)) && statement.moduleSpecifier && ts.isStringLiteral(statement.moduleSpecifier)) {
        const to = target(file, statement.moduleSpecifier.text);
        if (to === null) continue;
        const bindings = ts.isImportDeclaration(statement) ? statement.importClause?.namedBindings : statement.exportClause;
        if (ts.isImportDeclaration(statement) && statement.importClause?.name) use(to, 'default');
        if (!bindings || ts.isNamespaceImport(bindings) || ts.isNamespaceExport(bindings)) {
          if (ts.isExportDeclaration(statement) || bindings) importedWhole.add(to);
        } else for (const element of bindings.elements) use(to, (element.propertyName ?? element.name).text);
      }
    }
    const visit = (node: ts.Node): void => {
      const [argument] = ts.isCallExpression(node) ? node.arguments : [];
      if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && argument && ts.isStringLiteral(argument)) {
        const to = target(file, argument.text);
        if (to !== null) importedWhole.add(to);
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }

  for (const [file, exports] of declared) {
    if (importedWhole.has(file) || file.startsWith('app/') || /\.(test|spec)\.tsx?$/.test(file)) continue;
    for (const e of exports) {
      if ((withTypes || !e.isType) && !imported.get(file)?.has(e.name)) console.log(`${file}:${e.line} ${e.isType ? 'type ' : ''}${e.name}`);
    }
  }
}

main();
