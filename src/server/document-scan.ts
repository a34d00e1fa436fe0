import { Lexer, Source, type Token, TokenKind } from 'graphql';

export interface DocumentFinding {
  /** The names leading to the finding: the argument (or variable), then input fields, outermost first. */
  names: string[];
}

interface Level {
  open: TokenKind;
  /** The last `name:` at this level: the argument, input field or variable being given. */
  key: string | null;
}

const OPEN = new Set<TokenKind>([TokenKind.BRACE_L, TokenKind.BRACKET_L, TokenKind.PAREN_L]);
const CLOSE = new Set<TokenKind>([TokenKind.BRACE_R, TokenKind.BRACKET_R, TokenKind.PAREN_R]);

/**
 * One pass of graphql-js' own lexer over a document, before anything parses it (the lexer is
 * a loop; the parser recurses): finds the first place nested more than `maxDepth` brackets
 * deep, or the first string literal holding U+0000. Null when there is none, or when the
 * document does not lex (the parser reports that syntax error itself).
 */
export function scanDocument(
  query: string,
  find: { maxDepth?: number; nul?: boolean },
): DocumentFinding | null {
  const stack: Level[] = [];
  let previous: Token | null = null;
  try {
    const lexer = new Lexer(new Source(query));
    for (let t = lexer.advance(); t.kind !== TokenKind.EOF; previous = t, t = lexer.advance()) {
      if (OPEN.has(t.kind)) {
        stack.push({ open: t.kind, key: null });
        if (find.maxDepth !== undefined && stack.length > find.maxDepth) return { names: namesOf(stack) };
      } else if (CLOSE.has(t.kind)) {
        stack.pop();
      } else if (t.kind === TokenKind.COLON && previous?.kind === TokenKind.NAME) {
        const level = stack.at(-1);
        if (level) level.key = previous.value;
      } else if (
        find.nul &&
        (t.kind === TokenKind.STRING || t.kind === TokenKind.BLOCK_STRING) &&
        t.value.includes('\u0000')
      ) {
        return { names: namesOf(stack) };
      }
    }
  } catch {
    return null;
  }
  return null;
}

// Input values only appear inside an argument list or a variable definition list: the names
// start at the innermost one. Outside any (a selection set nested too deeply), there are none.
function namesOf(stack: Level[]): string[] {
  const from = stack.findLastIndex((l) => l.open === TokenKind.PAREN_L);
  if (from < 0) return [];
  return stack.slice(from).flatMap((l) => (l.key === null ? [] : [l.key]));
}
