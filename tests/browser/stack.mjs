// A real BISK for the browser tests: `bisk serve` and `bisk run-enforcer` on a
// fresh SQLite file in a temporary directory, with fake runners
// (tests/fake_runner) for the cameras the schedule makes desired. Every
// process is stopped and the directory removed by stop().
import { spawn, execFileSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";

const required = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the browser tests through ctest (tests/CMakeLists.txt)`);
  return value;
};

export const BISK = required("BISK_BINARY");
const FAKE_RUNNER = required("BISK_FAKE_RUNNER");
const WEB_DIR = required("BISK_WEB_DIR");
const MODEL_DIR = required("BISK_MODEL_DIR");

export const ADMIN = { username: "admin", password: "correct horse battery staple" };
const HEARTBEAT_KEY = "browser-test-key-0123456789abcdef";

async function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Polls `check` (async, truthy = done) every 100 ms for at most `ms`.
export async function waitFor(what, check, ms = 15000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const result = await check();
    if (result) return result;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(100);
  }
}

export class BiskStack {
  async start() {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), "bisk-browser-"));
    this.port = await freePort();
    this.url = `http://127.0.0.1:${this.port}`;
    fs.writeFileSync(path.join(this.dir, "bisk.env"), "");
    this.env = {
      PATH: "/usr/local/bin:/usr/bin:/bin",
      HOME: this.dir,
      BISK_ENV_FILE: path.join(this.dir, "bisk.env"),
      BISK_DATABASE_URL: `sqlite://${path.join(this.dir, "bisk.db")}`,
      BISK_HEARTBEAT_KEY: HEARTBEAT_KEY,
      BISK_HEARTBEAT_URL: `${this.url}/api/runner/heartbeat/`,
      BISK_LISTEN: `127.0.0.1:${this.port}`,
      BISK_WEB_DIR: WEB_DIR,
      BISK_MODEL_DIR: MODEL_DIR,
      BISK_RUNNER_PROGRAM: FAKE_RUNNER,
      BISK_MEDIA_DIR: path.join(this.dir, "media"),
      BISK_SNAPSHOT_DIR: path.join(this.dir, "snapshots"),
      BISK_LOG_DIR: path.join(this.dir, "logs"),
      BISK_ENFORCER_LOCK_FILE: path.join(this.dir, "enforcer.lock"),
      BISK_NODE: "main",
      BISK_TIME_ZONE: "UTC",
      BISK_ENFORCER_INTERVAL: "2",
      BISK_STOP_GRACE: "2",
      BISK_STRICT_BINARIES: "0",
    };
    this.processes = [];
    this.bisk(["migrate"]);
    this.bisk(["user", "add", ADMIN.username, "--admin", "--password-stdin"], ADMIN.password);
    this.serve = this.spawnLogged("serve", ["serve"]);
    await waitFor("bisk serve to answer /healthz", async () => {
      try {
        return (await fetch(`${this.url}/healthz`)).ok;
      } catch {
        return false;
      }
    });
    return this;
  }

  // Runs a `bisk` command to completion; returns its stdout.
  bisk(args, stdin = "") {
    return execFileSync(BISK, args, { env: this.env, input: stdin, encoding: "utf8", timeout: 30000 });
  }

  startEnforcer() {
    this.enforcer = this.spawnLogged("enforcer", ["run-enforcer"]);
  }

  spawnLogged(name, args) {
    const log = fs.openSync(path.join(this.dir, `${name}.log`), "a");
    const child = spawn(BISK, args, { env: this.env, stdio: ["ignore", log, log] });
    fs.closeSync(log);
    child.exitInfo = new Promise((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
    this.processes.push(child);
    return child;
  }

  log(name) {
    try {
      return fs.readFileSync(path.join(this.dir, `${name}.log`), "utf8");
    } catch {
      return "";
    }
  }

  // SIGTERM to every process (the enforcer stops its runners), then SIGKILL
  // after 10 s; returns how each ended.
  async stop() {
    const ends = [];
    for (const child of this.processes.reverse()) {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10000);
      ends.push(await child.exitInfo);
      clearTimeout(timer);
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
    return ends;
  }
}
