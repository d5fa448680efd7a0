/**
 * A lambda-perf runtime's language family, read from its label: rust (prov.al2023) → rust, python3.12 →
 * python, nodejs22.x → nodejs, java17 → java, bun (prov.al2) → bun; undefined for a label that does not start
 * with a letter. The family is the unit leave-one-family-out leaves out, and a runtime of a family the model
 * was fitted on (python3.9, java11) is judged by leaving one version out.
 */
export function familyOfRuntime(runtime: string): string | undefined {
  return /^[a-z]+/.exec(runtime.toLowerCase())?.[0];
}
