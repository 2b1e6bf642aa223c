/**
 * A small syntax checker for the sandbox's compiles: brackets, strings, block colons and
 * indentation for Python; brackets for C#. It catches what agents typically get wrong; it is
 * not a full parser, and says so in no result (the sandbox is labelled as simulated).
 */

const OPEN: Record<string, string> = { '(': ')', '[': ']', '{': '}' };
const CLOSE = new Set([')', ']', '}']);
const BLOCK = /^(async\s+def|def|class|if|elif|else|for|while|try|except|finally|with|async\s+for|async\s+with|match|case)\b/;

interface ScanState {
  stack: { char: string; line: number }[];
  /** Open triple-quoted string delimiter, if any. */
  triple: string | null;
}

/** Scan one line: updates brackets and triple strings; returns the code with strings and comments blanked. */
function scanLine(line: string, lineNo: number, state: ScanState, errors: string[], hashComments: boolean): string {
  let code = '';
  let i = 0;
  while (i < line.length) {
    if (state.triple) {
      const end = line.indexOf(state.triple, i);
      if (end < 0) return code;
      i = end + 3;
      state.triple = null;
      code += '""';
      continue;
    }
    const ch = line[i] as string;
    if (hashComments && ch === '#') break;
    if (!hashComments && ch === '/' && line[i + 1] === '/') break;
    if (ch === '"' || ch === "'") {
      if (hashComments && line.startsWith(ch.repeat(3), i)) {
        state.triple = ch.repeat(3);
        i += 3;
        continue;
      }
      let j = i + 1;
      while (j < line.length && line[j] !== ch) j += line[j] === '\\' ? 2 : 1;
      if (j >= line.length) {
        errors.push(`line ${lineNo}: SyntaxError: unterminated string literal`);
        return code;
      }
      code += '""';
      i = j + 1;
      continue;
    }
    if (ch in OPEN) state.stack.push({ char: ch, line: lineNo });
    else if (CLOSE.has(ch)) {
      const top = state.stack.pop();
      if (!top || OPEN[top.char] !== ch) errors.push(`line ${lineNo}: SyntaxError: unmatched '${ch}'`);
    }
    code += ch;
    i++;
  }
  return code;
}

const indentOf = (line: string): number => (/^[ \t]*/.exec(line)?.[0] ?? '').replace(/\t/g, '    ').length;

export function checkPython(source: string, file: string): string[] {
  const errors: string[] = [];
  const state: ScanState = { stack: [], triple: null };
  const indents = [0];
  let expectIndent = false;
  let statement = '';
  let statementLine = 0;
  const lines = source.split(/\r?\n/);
  lines.forEach((line, index) => {
    const lineNo = index + 1;
    const startedInside = state.stack.length > 0 || state.triple !== null || statement.endsWith('\\');
    const code = scanLine(line, lineNo, state, errors, true);
    if (!startedInside) {
      if (code.trim() === '') return;
      const indent = indentOf(line);
      const current = indents[indents.length - 1] ?? 0;
      if (expectIndent) {
        if (indent <= current) errors.push(`line ${lineNo}: IndentationError: expected an indented block`);
        else indents.push(indent);
        expectIndent = false;
      } else if (indent > current) {
        errors.push(`line ${lineNo}: IndentationError: unexpected indent`);
      } else if (indent < current) {
        while ((indents[indents.length - 1] ?? 0) > indent) indents.pop();
        if ((indents[indents.length - 1] ?? 0) !== indent) errors.push(`line ${lineNo}: IndentationError: unindent does not match any outer indentation level`);
      }
      statement = code.trim();
      statementLine = lineNo;
    } else {
      statement += ` ${code.trim()}`;
    }
    if (state.stack.length > 0 || state.triple !== null || statement.endsWith('\\')) return;
    const text = statement.trim();
    if (BLOCK.test(text)) {
      if (!text.endsWith(':') && !/:\s*\S/.test(text.replace(/lambda[^:]*:/g, ''))) {
        errors.push(`line ${statementLine}: SyntaxError: expected ':'`);
      } else if (text.endsWith(':')) expectIndent = true;
    }
  });
  for (const open of state.stack) errors.push(`line ${open.line}: SyntaxError: '${open.char}' was never closed`);
  if (state.triple) errors.push(`line ${lines.length}: SyntaxError: unterminated triple-quoted string literal`);
  if (expectIndent) errors.push(`line ${lines.length}: IndentationError: expected an indented block at end of file`);
  return errors.slice(0, 20).map((e) => `${file} ${e}`);
}

export function checkCSharp(source: string, file: string): string[] {
  const errors: string[] = [];
  const state: ScanState = { stack: [], triple: null };
  source.split(/\r?\n/).forEach((line, index) => scanLine(line, index + 1, state, errors, false));
  for (const open of state.stack) errors.push(`line ${open.line}: error CS1513: '${open.char}' is never closed`);
  return errors.slice(0, 20).map((e) => `${file} ${e}`);
}
