/**
 * Keeps environment processes from outliving the host. Every environment runs as the leader of its own
 * process group; this registry remembers the live groups and kills them when the host exits or receives
 * SIGINT/SIGTERM/SIGHUP (cgroups left behind are swept by the next service start). The signal handlers
 * exist only while groups are alive, and after cleaning up they re-raise the signal, so a host that had
 * no handler of its own still terminates as it would have. A host killed with SIGKILL cannot clean up:
 * the next service start kills what is left in its cgroups.
 */

const liveGroups = new Set<number>();
const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
let installed = false;

export function killProcessGroup(pgid: number, signal: NodeJS.Signals = 'SIGKILL'): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // the group is already gone
  }
}

function killAll(): void {
  for (const pgid of liveGroups) killProcessGroup(pgid);
  liveGroups.clear();
}

function onSignal(signal: NodeJS.Signals): void {
  killAll();
  uninstall();
  // Re-raise: with our handlers gone, the host's own handlers or the default action apply.
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', killAll);
  for (const s of SIGNALS) process.on(s, onSignal);
}

function uninstall(): void {
  if (!installed) return;
  installed = false;
  process.off('exit', killAll);
  for (const s of SIGNALS) process.off(s, onSignal);
}

function refresh(): void {
  if (liveGroups.size > 0) install();
  else uninstall();
}

export function trackProcessGroup(pgid: number): void {
  liveGroups.add(pgid);
  refresh();
}

export function untrackProcessGroup(pgid: number): void {
  liveGroups.delete(pgid);
  refresh();
}
