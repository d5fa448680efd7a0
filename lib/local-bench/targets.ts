/** The functions `npm run bench` measures, and the parity sets it offers: names only, cheap to import. */
export const TARGET_KEYS = ['apr', 'pytorch'] as const;
export type TargetKey = (typeof TARGET_KEYS)[number];
/** `red`: the reference payload, every red wine, edge values and bad inputs; `all` adds every white wine. */
export type ParitySet = 'red' | 'all' | 'off';
