// An input field's description states its rule in the words a refusal uses (src/domain/fields.ts), so the
// schema documents what the domain checks.

/** "Text in the name" + the rule -> "Text in the name. Must be 1 to 200 characters on one line, not blank." */
export function ruleDoc(rule: { errorMessage: string }, lead?: string): string {
  const reason = `${rule.errorMessage.charAt(0).toUpperCase()}${rule.errorMessage.slice(1)}.`
  return lead ? `${lead}. ${reason}` : reason
}
