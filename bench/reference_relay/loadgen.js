'use strict';
// Load generator for the `signaling_relay` benchmark (socket.io-client 4, websocket transport).
//
// Opens P pairs of clients. Pair i = a<i> (role evaluator) and b<i> (role client), both with
// package "webrtc". a<i> sends 1 KiB `webrtc_signal` messages to b<i>; b<i> sends each one straight
// back to a<i>; a<i> keeps W messages in flight. After D seconds a<i> stops sending, the run waits
// (bounded) for the messages still in flight, then ONE JSON line goes to stdout:
//   {msgs_per_s, rtt_p50_ms, rtt_p99_ms, sent, received, lost, ...}
// where every relay hop counts as one message (a->b and b->a), msgs_per_s counts messages that
// arrived inside the measured window, and lost = sent - received after the drain.
//
// Options:
//   --url URL            server base URL (default http://127.0.0.1:3001)
//   --url-b URL          where the b<i> sockets connect (default: --url), e.g. another process
//   --pairs P            number of pairs (default 1)
//   --duration D         measured seconds (default 10)
//   --window W           messages in flight per pair (default 1)
//   --size BYTES         approximate JSON size of one signal object (default 1024)
//   --start-session      a<i> emits start_session {clientId:"b<i>"} and waits for session_started
//                        on both sides before the run (the service relays only inside a session)
//   --max-messages N     per-pair cap on messages a<i> sends (default 1000000)
//   --setup-timeout S    deadline for connect/register/session/warm-up (default 30)
//   --drain S            deadline for in-flight messages after the run (default 5)
//   --mark-phases        also print {"phase":"run"} when the measured window opens and
//                        {"phase":"drain"} when it closes (for CPU snapshots by the caller)
// The result also counts out_of_order: messages whose seq is not the one after the previous
// message of the same pair and direction (b checks a's order, a checks b's echoes).
// Every phase is bounded in time; a watchdog ends the process if anything hangs.

const { io } = require('socket.io-client');
const { performance } = require('perf_hooks');

function parseArgs(argv) {
  const opts = {
    url: 'http://127.0.0.1:3001',
    urlB: null,
    markPhases: false,
    pairs: 1,
    duration: 10,
    window: 1,
    size: 1024,
    startSession: false,
    maxMessages: 1000000,
    setupTimeout: 30,
    drain: 5,
  };
  const numeric = {
    '--pairs': 'pairs', '--duration': 'duration', '--window': 'window', '--size': 'size',
    '--max-messages': 'maxMessages', '--setup-timeout': 'setupTimeout', '--drain': 'drain',
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--url') opts.url = argv[++i];
    else if (arg === '--url-b') opts.urlB = argv[++i];
    else if (arg === '--mark-phases') opts.markPhases = true;
    else if (arg === '--start-session') opts.startSession = true;
    else if (arg in numeric) {
      const value = Number(argv[++i]);
      if (!Number.isFinite(value) || value < 0) fail(`bad value for ${arg}`);
      opts[numeric[arg]] = value;
    } else if (arg === '-h' || arg === '--help') {
      process.stdout.write('see the header of loadgen.js\n');
      process.exit(0);
    } else fail(`unknown argument ${arg}`);
  }
  if (opts.pairs < 1 || opts.window < 1) fail('--pairs and --window must be >= 1');
  return opts;
}

function fail(message, extra) {
  process.stdout.write(JSON.stringify(Object.assign({ error: message }, extra || {})) + '\n');
  process.exit(2);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Resolve when predicate() is true, checking every `stepMs`; reject at the deadline.
async function waitFor(predicate, deadlineMs, what, stepMs = 10) {
  while (!predicate()) {
    if (performance.now() > deadlineMs) throw new Error(`timeout waiting for ${what}`);
    await sleep(stepMs);
  }
}

function percentile(sorted, q) {
  if (sorted.length === 0) return null;
  const rank = Math.ceil(q * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))];
}

const round3 = (x) => (x === null ? null : Math.round(x * 1000) / 1000);

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const setupDeadline = performance.now() + opts.setupTimeout * 1000;
  const watchdogMs = (opts.setupTimeout + opts.duration + opts.drain + 10) * 1000;
  setTimeout(() => fail('watchdog: run did not finish in time'), watchdogMs).unref();

  // Padding so that JSON.stringify(signal) is about opts.size bytes.
  const probeSignal = { type: 'bench', seq: 1000000, t: performance.now(), pad: '' };
  const padLen = Math.max(0, opts.size - JSON.stringify(probeSignal).length);
  const pad = 'x'.repeat(padLen);

  const stats = {
    sent: 0, received: 0, inWindow: 0, rtts: [], disconnects: 0, connectErrors: 0, outOfOrder: 0,
  };
  let phase = 'setup'; // setup -> run -> drain
  let windowStart = 0;
  let windowEnd = Infinity;

  const pairs = [];
  for (let i = 0; i < opts.pairs; i++) {
    const pair = {
      i, aId: `a${i}`, bId: `b${i}`, sentByA: 0, lastAtB: 0, lastAtA: 0,
      warmAtB: false, warmAtA: false, startedA: false, startedB: false,
    };
    const common = {
      transports: ['websocket'], forceNew: true, reconnection: false, timeout: 10000,
    };
    pair.a = io(opts.url, common);
    pair.b = io(opts.urlB || opts.url, common);
    for (const sock of [pair.a, pair.b]) {
      sock.on('disconnect', () => { if (phase !== 'done') stats.disconnects++; });
      sock.on('connect_error', () => { stats.connectErrors++; });
    }

    const sendFromA = () => {
      if (pair.sentByA >= opts.maxMessages) return;
      pair.sentByA++;
      stats.sent++;
      pair.a.emit('webrtc_signal', {
        targetUserId: pair.bId,
        signal: { type: 'bench', seq: pair.sentByA, t: performance.now(), pad },
      });
    };
    pair.sendFromA = sendFromA;

    pair.b.on('webrtc_signal', (msg) => {
      const sig = msg && msg.signal;
      if (!sig) return;
      if (sig.type === 'probe') {
        pair.warmAtB = true;
        pair.b.emit('webrtc_signal', { targetUserId: pair.aId, signal: { type: 'probe-back' } });
        return;
      }
      if (sig.type !== 'bench') return;
      stats.received++;
      if (sig.seq !== pair.lastAtB + 1) stats.outOfOrder++;
      pair.lastAtB = sig.seq;
      if (performance.now() <= windowEnd) stats.inWindow++;
      stats.sent++;
      pair.b.emit('webrtc_signal', { targetUserId: pair.aId, signal: sig });
    });

    pair.a.on('webrtc_signal', (msg) => {
      const sig = msg && msg.signal;
      if (!sig) return;
      if (sig.type === 'probe-back') { pair.warmAtA = true; return; }
      if (sig.type !== 'bench') return;
      const now = performance.now();
      stats.received++;
      if (sig.seq !== pair.lastAtA + 1) stats.outOfOrder++;
      pair.lastAtA = sig.seq;
      if (now <= windowEnd) stats.inWindow++;
      stats.rtts.push(now - sig.t);
      if (phase === 'run' && now < windowEnd) sendFromA();
    });

    pair.a.on('session_started', () => { pair.startedA = true; });
    pair.b.on('session_started', (data) => {
      if (data && (data.evaluatorId || data.evaluatorName)) pair.startedB = true;
    });
    pairs.push(pair);
  }

  const t0 = performance.now();
  try {
    // 1. connect
    await waitFor(() => pairs.every((p) => p.a.connected && p.b.connected), setupDeadline,
      'all sockets to connect');
    // 2. register (the client first, so the evaluator finds it)
    for (const p of pairs) {
      p.b.emit('register', { userId: p.bId, role: 'client', package: 'webrtc' });
    }
    for (const p of pairs) {
      p.a.emit('register', { userId: p.aId, role: 'evaluator', package: 'webrtc' });
    }
    // 3. optional session start: retried (bounded) until both sides saw session_started
    if (opts.startSession) {
      for (let attempt = 0; attempt < 10; attempt++) {
        const missing = pairs.filter((p) => !(p.startedA && p.startedB));
        if (missing.length === 0) break;
        for (const p of missing) p.a.emit('start_session', { clientId: p.bId });
        const stepDeadline = Math.min(setupDeadline, performance.now() + 2000);
        try {
          await waitFor(() => missing.every((p) => p.startedA && p.startedB), stepDeadline,
            'session_started');
        } catch (e) {
          if (performance.now() > setupDeadline) throw e;
        }
      }
      const notStarted = pairs.filter((p) => !(p.startedA && p.startedB)).length;
      if (notStarted) throw new Error(`${notStarted} pairs never got session_started on both sides`);
    }
    // 4. warm-up: a probe must make the round trip a->b->a, resent every 200 ms (bounded)
    for (let attempt = 0; attempt < 100; attempt++) {
      const cold = pairs.filter((p) => !p.warmAtA);
      if (cold.length === 0) break;
      for (const p of cold) {
        p.a.emit('webrtc_signal', { targetUserId: p.bId, signal: { type: 'probe' } });
      }
      const stepDeadline = Math.min(setupDeadline, performance.now() + 200);
      try {
        await waitFor(() => cold.every((p) => p.warmAtA), stepDeadline, 'warm-up');
      } catch (e) {
        if (performance.now() > setupDeadline) throw e;
      }
    }
    const cold = pairs.filter((p) => !p.warmAtA).length;
    if (cold) throw new Error(`${cold} pairs never relayed a warm-up probe`);
  } catch (e) {
    fail(String(e.message || e), {
      connected: pairs.filter((p) => p.a.connected && p.b.connected).length,
      connect_errors: stats.connectErrors,
    });
  }
  const setupS = (performance.now() - t0) / 1000;

  // 5. measured run
  const cpuStart = process.cpuUsage();
  phase = 'run';
  if (opts.markPhases) process.stdout.write('{"phase":"run"}\n');
  windowStart = performance.now();
  windowEnd = windowStart + opts.duration * 1000;
  for (const p of pairs) {
    for (let k = 0; k < opts.window; k++) p.sendFromA();
  }
  await sleep(opts.duration * 1000);
  phase = 'drain';
  if (opts.markPhases) process.stdout.write('{"phase":"drain"}\n');
  const cpu = process.cpuUsage(cpuStart);
  const elapsedRun = (performance.now() - windowStart) / 1000;

  // 6. drain: wait (bounded) for everything sent to arrive
  const drainDeadline = performance.now() + opts.drain * 1000;
  try {
    await waitFor(() => stats.received >= stats.sent, drainDeadline, 'drain');
  } catch (e) {
    // lost messages are reported below
  }
  phase = 'done';

  const sorted = stats.rtts.slice().sort((x, y) => x - y);
  const result = {
    url: opts.url,
    url_b: opts.urlB || opts.url,
    pairs: opts.pairs,
    window: opts.window,
    duration_s: opts.duration,
    msg_bytes: JSON.stringify({ type: 'bench', seq: 1, t: windowStart, pad }).length,
    start_session: opts.startSession,
    msgs_per_s: round3(stats.inWindow / elapsedRun),
    rtt_p50_ms: round3(percentile(sorted, 0.5)),
    rtt_p99_ms: round3(percentile(sorted, 0.99)),
    rtt_max_ms: round3(sorted.length ? sorted[sorted.length - 1] : null),
    round_trips: sorted.length,
    sent: stats.sent,
    received: stats.received,
    lost: stats.sent - stats.received,
    in_window: stats.inWindow,
    run_s: round3(elapsedRun),
    out_of_order: stats.outOfOrder,
    disconnects: stats.disconnects,
    setup_s: round3(setupS),
    loadgen_cpu_pct: round3(((cpu.user + cpu.system) / 1000 / (elapsedRun * 1000)) * 100),
  };
  process.stdout.write(JSON.stringify(result) + '\n');
  for (const p of pairs) { p.a.close(); p.b.close(); }
  setTimeout(() => process.exit(0), 100);
}

main().catch((e) => fail(String((e && e.stack) || e)));
