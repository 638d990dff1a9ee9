import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { freePorts, stopProcess } from './gateway';

const ROOT = join(__dirname, '../../..');

/** A Kafka broker of the test's own (real, KRaft), for tests that stop or break the broker on purpose. */
export class DedicatedBroker {
  brokers = '';
  private child?: ChildProcess;
  private port = 0;
  private controllerPort = 0;

  async start(): Promise<this> {
    // Both ports free: the KRaft controller's listener must not collide with anything either.
    [this.port, this.controllerPort] = (await freePorts(2)) as [number, number];
    await this.spawnBroker(false);
    return this;
  }

  /** Starts the stopped broker again: same port, same data (topics, offsets and records survive). */
  async restart(): Promise<void> {
    await this.spawnBroker(true);
  }

  /** Graceful stop of the broker (SIGTERM → controlled shutdown). */
  async stop(): Promise<void> {
    if (this.child) await stopProcess(this.child, 30_000);
  }

  private async spawnBroker(keep: boolean): Promise<void> {
    const args = [
      '--port',
      String(this.port),
      '--controller-port',
      String(this.controllerPort),
      '--data',
      join(ROOT, `.data/kafka/dedicated-${this.port}`),
    ];
    this.child = spawn(
      process.execPath,
      [join(ROOT, 'tools/scripts/kafka-broker.mjs'), ...args, ...(keep ? ['--keep'] : [])],
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
  }
}
