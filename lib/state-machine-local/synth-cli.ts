/**
 * Synthesizes the benchmark stack and writes its template to the file named by the first argument.
 * Run as a child process by synth-process.ts, so that a run can be stopped during the synth (which
 * blocks its process for seconds) and the synth can overlap with other work.
 */
import { writeFileAtomic } from '../util/atomic-write';
import { synthesizeBenchmarkTemplate } from './synth';

const [outFile, repoRoot] = process.argv.slice(2);
if (!outFile) {
  process.stderr.write('usage: synth-cli.ts OUT_FILE [REPO_ROOT]\n');
  process.exit(2);
}
writeFileAtomic(outFile, JSON.stringify(synthesizeBenchmarkTemplate(repoRoot ? { repoRoot } : {})));
