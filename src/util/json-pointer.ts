/** JSON Pointer (RFC 6901) tokens: the one escape and unescape, used by config pointers, drift records and codegen. */
export const escapeToken = (token: string): string => token.replace(/~/g, '~0').replace(/\//g, '~1');
export const unescapeToken = (token: string): string => token.replace(/~1/g, '/').replace(/~0/g, '~');
