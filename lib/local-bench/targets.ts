/** The functions `npm run bench` measures (the registry's keys), and the parity sets it offers: cheap to import. */
export { TARGET_KEYS, type TargetKey } from '../targets/registry';
/** `red`: the reference payload, every red wine, edge values and bad inputs; `all` adds every white wine. */
export type ParitySet = 'red' | 'all' | 'off';
