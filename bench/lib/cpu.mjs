// CPU used by each process of the benchmark during a phase (Linux /proc), as % of one core: where the two cores go.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { round } from './stats.mjs';

let tickMs = 10;
try {
  tickMs = 1000 / Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
} catch {
  /* the usual 100 ticks per second */
}

/** User + system ticks of a process, or null when it is gone (or this is not Linux). */
function ticksOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return null;
  }
}

/** Every PostgreSQL server process on this machine (the database is shared, so this is an upper bound). */
function postgresPids() {
  try {
    return readdirSync('/proc')
      .filter((d) => /^\d+$/.test(d))
      .filter((pid) => {
        try {
          return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'postgres';
        } catch {
          return false;
        }
      });
  } catch {
    return [];
  }
}

/** `processes()` returns the named pids to watch; `start()` then `stop()` gives each one's CPU % over the interval. */
export function cpuMeter(processes) {
  const snapshot = () => {
    const ticks = {};
    for (const { name, pid } of processes()) if (pid) ticks[name] = ticksOf(pid);
    ticks.postgres = {};
    for (const pid of postgresPids()) ticks.postgres[pid] = ticksOf(pid);
    return { at: performance.now(), ticks };
  };
  let begin;
  return {
    start() {
      begin = snapshot();
    },
    stop() {
      const end = snapshot();
      const elapsed = end.at - begin.at;
      const percent = (ticks) => round(((ticks * tickMs) / elapsed) * 100, 0);
      const out = {};
      for (const [name, t] of Object.entries(end.ticks)) {
        if (name === 'postgres') continue;
        if (t !== null && begin.ticks[name] != null) out[name] = percent(t - begin.ticks[name]);
      }
      let pg = 0;
      for (const [pid, t] of Object.entries(end.ticks.postgres))
        if (t !== null) pg += t - (begin.ticks.postgres[pid] ?? 0);
      out.postgres = percent(pg);
      out.total = Object.values(out).reduce((a, b) => a + b, 0);
      return out;
    },
  };
}
