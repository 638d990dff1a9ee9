import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { freePorts, stopProcess } from './gateway';

const ROOT = join(__dirname, '../../..');

/** A Kafka broker of the test's own (real, KRaft), for tests that stop or break the broker on purpose. */
export class DedicatedBroker {
  brokers = '';
  private child?: ChildProcess;

  async start(): Promise<this> {
    const [port] = await freePorts(1);
    this.child = spawn(
      process.execPath,
      [
        join(ROOT, 'tools/scripts/kafka-broker.mjs'),
        '--port',
        String(port),
        '--data',
        join(ROOT, `.data/kafka/dedicated-${port}`),
      ],
      {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    this.brokers = await new Promise<string>((resolve, reject) => {
      let out = '';
      this.child!.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const match = /READY (\S+)/.exec(out);
        if (match) resolve(match[1]!);
      });
      this.child!.once('exit', (code) => reject(new Error(`dedicated broker exited (${code}) before ready: ${out}`)));
    });
    return this;
  }

  /** Graceful stop of the broker (SIGTERM → controlled shutdown). */
  async stop(): Promise<void> {
    if (this.child) await stopProcess(this.child, 30_000);
  }
}
