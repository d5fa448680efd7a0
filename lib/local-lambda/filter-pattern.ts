/**
 * CloudWatch Logs filter patterns for unstructured log events: the subset a benchmark needs.
 *
 * Supported: terms (`REPORT`), quoted phrases (`"RequestId: 8f5c..."`), `?term` alternatives (an event
 * matches if it contains any of them), `-term` exclusions. Plain terms must all occur. Matching is
 * case-sensitive, as in CloudWatch. JSON (`{ ... }`), space-delimited (`[ ... ]`) and regular-expression
 * (`%...%`) patterns are refused with an error that says so, rather than matched wrongly.
 */

export interface FilterPattern {
  required: string[];
  anyOf: string[];
  excluded: string[];
}

export class FilterPatternError extends Error {}

export function parseFilterPattern(source: string | undefined): FilterPattern {
  const pattern: FilterPattern = { required: [], anyOf: [], excluded: [] };
  const text = (source ?? '').trim();
  if (text === '') return pattern;
  if (text.startsWith('{')) throw new FilterPatternError('JSON filter patterns ({ ... }) are not supported by the local service; use terms or quoted phrases');
  if (text.startsWith('[')) throw new FilterPatternError('space-delimited filter patterns ([ ... ]) are not supported by the local service; use terms or quoted phrases');
  if (text.startsWith('%')) throw new FilterPatternError('regular-expression filter patterns (%...%) are not supported by the local service; use terms or quoted phrases');

  let i = 0;
  while (i < text.length) {
    while (i < text.length && /\s/.test(text[i])) i++;
    if (i >= text.length) break;
    let kind: 'required' | 'anyOf' | 'excluded' = 'required';
    if (text[i] === '?') { kind = 'anyOf'; i++; } else if (text[i] === '-') { kind = 'excluded'; i++; }
    let term = '';
    if (text[i] === '"') {
      i++;
      let closed = false;
      while (i < text.length) {
        const c = text[i];
        if (c === '\\' && i + 1 < text.length) { term += text[i + 1]; i += 2; continue; }
        if (c === '"') { closed = true; i++; break; }
        term += c;
        i++;
      }
      if (!closed) throw new FilterPatternError(`filter pattern has an unterminated quoted phrase: ${source}`);
    } else {
      while (i < text.length && !/\s/.test(text[i])) term += text[i++];
    }
    if (term === '') throw new FilterPatternError(`filter pattern has an empty term: ${source}`);
    pattern[kind].push(term);
  }
  return pattern;
}

export function matchesFilterPattern(pattern: FilterPattern, message: string): boolean {
  for (const t of pattern.required) if (!message.includes(t)) return false;
  for (const t of pattern.excluded) if (message.includes(t)) return false;
  if (pattern.anyOf.length > 0 && !pattern.anyOf.some((t) => message.includes(t))) return false;
  return true;
}
