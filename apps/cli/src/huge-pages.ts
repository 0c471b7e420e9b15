import { spawn } from 'node:child_process';
import { subcommandOf } from './program.js';

/*
 * Every large typed array (a design, a kernel factor, a projection: about a GB each at 50,000 rows) comes from
 * glibc's malloc as a fresh mapping, which Linux faults in 4 kB at a time on first touch: about 3 s for each GB on
 * the 2-core bench machine, where `analyze --fixed-effects linear` touches tens of GB. With glibc's tunable
 * glibc.malloc.hugetlb=1 malloc asks for transparent huge pages (2 MB at a time: 1.7 s a GB there) and a freed block
 * is used again without new faults (0.07 s a GB); the linear analysis at 50,000 rows took 201 s instead of 261 s
 * (BENCHMARKS.md). glibc reads tunables only when a process starts, so the commands that handle whole tables run
 * again once, at once, with it set. Elsewhere (macOS, Windows, musl) the variable means nothing and nothing happens.
 */

/**
 * The subcommands worth a second start (0.1–0.5 s more, measured from source): those that read a whole table and
 * factor it.
 */
const HEAVY_COMMANDS = new Set(['analyze', 'train', 'predict', 'kernel']);
const TUNABLE = 'glibc.malloc.hugetlb=1';

/** Signals passed on to the second process (a terminal's Ctrl-C reaches both; a `kill` only this one). */
const FORWARDED: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * Runs this command line (node's arguments after its path) again with huge pages asked for and resolves to its exit
 * status, or to undefined where that does not apply (not Linux, a light command or help, the tunable already set,
 * DUALITY_HUGE_PAGES=0, or no second start possible): then the caller goes on in this process. A second process ended
 * by a signal ends this one alike.
 */
export async function rerunWithHugePages(
  args: readonly string[],
  commandLine: readonly string[] = [...process.execArgv, ...process.argv.slice(1)],
): Promise<number | undefined> {
  const help = args[0] === 'help' || args.includes('--help') || args.includes('-h');
  const subcommand = subcommandOf(args);
  if (process.platform !== 'linux' || help || subcommand === undefined || !HEAVY_COMMANDS.has(subcommand)) return undefined;
  const tunables = process.env.GLIBC_TUNABLES;
  if (process.env.DUALITY_HUGE_PAGES === '0' || tunables?.includes('glibc.malloc.hugetlb')) return undefined;
  const child = spawn(process.execPath, commandLine, {
    stdio: 'inherit',
    env: { ...process.env, GLIBC_TUNABLES: tunables ? `${tunables}:${TUNABLE}` : TUNABLE },
  });
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  FORWARDED.forEach((signal) => process.on(signal, forward));
  const ended = await new Promise<{ code: number | null; signal: NodeJS.Signals | null } | undefined>((resolve) => {
    child.on('error', () => resolve(undefined));
    child.on('exit', (code, signal) => resolve({ code, signal }));
  });
  FORWARDED.forEach((signal) => process.off(signal, forward));
  if (ended?.signal) process.kill(process.pid, ended.signal);
  return ended === undefined ? undefined : (ended.code ?? 1);
}
