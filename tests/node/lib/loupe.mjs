// Starts the real loupe binary (LOUPE_BINARY) on ephemeral ports with an ephemeral data dir and
// waits for its ready file; returns the bound addresses and a stop() that sends SIGTERM.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export async function startLoupe(extraArgs = []) {
  const bin = process.env.LOUPE_BINARY;
  if (!bin) throw new Error('LOUPE_BINARY is not set (run through ctest)');
  const dir = mkdtempSync(join(tmpdir(), 'loupe-node-'));
  const readyFile = join(dir, 'ready.json');
  const child = spawn(bin, ['serve', '--ephemeral', '--ports', 'ephemeral', '--ready-file', readyFile, ...extraArgs], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const deadline = Date.now() + 15000;
  while (!existsSync(readyFile)) {
    if (child.exitCode !== null) throw new Error(`loupe exited early: ${stderr}`);
    if (Date.now() > deadline) throw new Error(`loupe not ready: ${stderr}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  const addrs = JSON.parse(readFileSync(readyFile, 'utf8'));
  return {
    ...addrs,
    stderr: () => stderr,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((r) => child.once('exit', r));
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function getJson(addr, path) {
  const res = await fetch(`http://${addr}${path}`);
  const body = await res.text();
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}: ${body}`);
  return JSON.parse(body);
}

// Polls fn until it returns a truthy value or the timeout passes; returns the last value.
export async function eventually(fn, timeoutMs = 10000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    last = await fn();
    if (last) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  return last;
}
