/** The ladder's parity with the `.apr` function lives in lib/parity/ladder.ts (npm run bench uses it too). */
export * from '../../lib/parity/ladder';
