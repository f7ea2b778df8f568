// bonsaic report: step a network through a sequence, every node coloured by its value.
// The simulator below computes what bonsaic.ir.simulate computes, with the same float64
// operations in the same order: sum_k w_k * v_k from left to right, then + bias, then the
// activation (the Ameo helpers above are rendered from bonsaic/ir/ameo.py, the one table).

const DATA = JSON.parse(document.getElementById("bonsai-data").textContent);
const G = DATA.graph;
const SPEC = DATA.spec;
const WINDOW = 1000; // steps shown at once in the editor and the logic analyzer
const CELL = 12; // px per step (matches --cell in the CSS)
const ROW = 18; // px per trace (matches --row)

// ---------------------------------------------------------------- the simulator
function activation(a) {
  if (a.kind === "linear") return (x) => x;
  if (a.kind === "tanh") return (x) => Math.tanh(x);
  if (a.kind === "ameo" || a.kind === "leaky_ameo") return (x) => ameo_hard(x, a.leak);
  if (a.kind === "sign_ameo") return (x) => { const h = ameo_hard(x, 0.0); return h > 0.0 ? 1.0 : h <= 0.0 ? -1.0 : h; };
  const f = a.factor, leak = a.leak;
  if (f === 1.0) return (x) => ameo_hard(x, leak); // the simulator skips the soft part's zero weight too
  return (x) => ameo_hard(x, leak) * f + (1.0 - f) * ameo_soft(x, leak);
}

class Simulator {
  constructor(g) {
    this.names = g.nodes;
    this.index = new Map(g.nodes.map((n, i) => [n, i]));
    this.nInputs = g.inputs.length;
    this.states = g.states.map((s) => ({ row: this.index.get(s.name), init: s.init,
                                        next: s.next === null ? -1 : this.index.get(s.next) }));
    const acts = {};
    for (const [name, a] of Object.entries(g.acts)) acts[name] = activation(a);
    this.neurons = g.neurons.map((n) => ({ row: this.index.get(n.name), act: acts[n.act], bias: n.bias,
      src: Int32Array.from(n.inputs.map(([s]) => this.index.get(s))),
      w: Float64Array.from(n.inputs.map(([, w]) => w)) }));
    this.outputs = g.outputs.map((o) => this.index.get(o.source));
    this.width = g.nodes.length;
  }

  // inputs: T arrays of ±1 -> Float64Array [T * width] of every node's value at every step
  run(inputs) {
    const T = inputs.length, W = this.width;
    const values = new Float64Array(T * W);
    let state = this.states.map((s) => s.init);
    for (let t = 0; t < T; t++) {
      const base = t * W;
      for (let i = 0; i < this.nInputs; i++) values[base + i] = inputs[t][i];
      for (let k = 0; k < this.states.length; k++) values[base + this.states[k].row] = state[k];
      for (const n of this.neurons) {
        let sum;
        if (n.src.length === 0) sum = 0.0;
        else {
          sum = n.w[0] * values[base + n.src[0]];
          for (let k = 1; k < n.src.length; k++) sum += n.w[k] * values[base + n.src[k]];
        }
        values[base + n.row] = n.act(sum + n.bias);
      }
      state = this.states.map((s) => (s.next < 0 ? 0.0 : values[base + s.next]));
    }
    return values;
  }
}

// ---------------------------------------------------------------- the spec
function inputIndex(bits) { // Program.input_vectors order: the first input is the high bit
  let v = 0;
  for (const b of bits) v = v * 2 + (b > 0 ? 1 : 0);
  return v;
}

// expected output bits (0/1, or null where unknown), the spec state before each step, and the
// first step whose input the spec's constraint forbids (-1 if none)
function runSpec(inputs, preloadedName) {
  const T = inputs.length;
  const table = SPEC.table;
  if (!table) {
    const known = SPEC.expected && preloadedName ? SPEC.expected[preloadedName] : null;
    return { expected: known || null, states: null, forbidden: -1 };
  }
  const expected = [], states = [];
  let s = table.initial, forbidden = -1;
  for (let t = 0; t < T; t++) {
    states.push(s < 0 ? null : table.states[s]);
    if (s < 0) { expected.push(null); continue; }
    const v = inputIndex(inputs[t]);
    const next = table.next[s][v];
    if (next < 0) { forbidden = forbidden < 0 ? t : forbidden; expected.push(null); s = -1; continue; }
    expected.push(table.outputs[s][v]);
    s = next;
  }
  return { expected, states, forbidden };
}

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// a walk on the spec's transition table: each step one of the allowed input vectors, drawn with
// the spec's input probabilities (renormalised over the allowed ones)
function resample(length, seed) {
  const rand = mulberry32(seed);
  const I = G.inputs.length, table = SPEC.table;
  const probs = SPEC.probabilities || G.inputs.map(() => 0.5);
  const vectors = [];
  for (let v = 0; v < 2 ** I; v++) vectors.push(Array.from({ length: I }, (_, i) => ((v >> (I - 1 - i)) & 1 ? 1 : -1)));
  const weight = (vec) => vec.reduce((p, b, i) => p * (b > 0 ? probs[i] : 1 - probs[i]), 1);
  const seq = [];
  let s = table ? table.initial : 0;
  for (let t = 0; t < length; t++) {
    const allowed = table ? vectors.filter((_, v) => table.next[s][v] >= 0) : vectors;
    const weights = allowed.map(weight);
    const total = weights.reduce((a, b) => a + b, 0);
    let r = rand() * total, k = 0;
    while (k < allowed.length - 1 && r >= weights[k]) { r -= weights[k]; k++; }
    seq.push(allowed[k].slice());
    if (table) s = table.next[s][inputIndex(allowed[k])];
  }
  return seq;
}

// ---------------------------------------------------------------- state of the page
const sim = new Simulator(G);
const app = { name: "sample", inputs: [], values: null, spec: null, t: 0, start: 0, playing: null,
              selected: null, nodeEls: new Map() };

function kindOf(name) {
  if (G.inputs.includes(name)) return "input";
  if (G.states.some((s) => s.name === name)) return "state";
  return "neuron";
}

const fmt = (v) => String(v); // the shortest text that reads back as the same double (like Python's repr)
const bit = (v) => (v > 0 ? 1 : 0);

function colour(v) {
  const c = Math.max(-1, Math.min(1, v));
  const [r, g, b] = c >= 0 ? [0xc0, 0x39, 0x2b] : [0x2e, 0x6f, 0xd8];
  const k = Math.abs(c);
  const mix = (x) => Math.round(255 + (x - 255) * k);
  return `rgb(${mix(r)},${mix(g)},${mix(b)})`;
}

function value(t, row) { return app.values[t * sim.width + row]; }
function outputValue(t, k) { return value(t, sim.outputs[k]); }

// ---------------------------------------------------------------- the graph drawing
function setUpGraph() {
  const svg = document.querySelector("#graph svg");
  if (!svg) return;
  for (const g of svg.querySelectorAll("g.node")) {
    const title = g.querySelector("title");
    if (!title) continue;
    const id = title.textContent;
    let row = sim.index.get(id), kind = null;
    if (row !== undefined) kind = kindOf(id);
    else if (/^OUT\d+$/.test(id)) { row = sim.outputs[Number(id.slice(3))]; kind = "output"; }
    else continue;
    const shapes = [...g.querySelectorAll("polygon, ellipse, path")];
    const box = g.getBBox();
    const label = document.createElementNS("http://www.w3.org/2000/svg", "text");
    label.setAttribute("class", "val");
    label.setAttribute("x", box.x + box.width / 2);
    label.setAttribute("y", box.y + box.height + 9);
    label.setAttribute("text-anchor", "middle");
    g.appendChild(label);
    const el = { g, shapes, label, row, kind, id };
    app.nodeEls.set(id, el);
    g.addEventListener("mouseenter", (e) => showTooltip(el, e));
    g.addEventListener("mousemove", (e) => moveTooltip(e));
    g.addEventListener("mouseleave", hideTooltip);
    g.addEventListener("click", () => select(id));
  }
  // the value labels hang below the nodes: grow the drawing's view box so that none is cut off
  const box = svg.getBBox(), pad = 10;
  svg.setAttribute("viewBox", `${box.x - pad} ${box.y - pad} ${box.width + 2 * pad} ${box.height + 2 * pad}`);
  svg.setAttribute("width", `${box.width + 2 * pad}pt`);
  svg.setAttribute("height", `${box.height + 2 * pad}pt`);
}

function definition(id) {
  const n = G.neurons.find((x) => x.name === id);
  if (n) return `${id} = ${n.definition}\n${n.act} = ${G.acts[n.act].text}`;
  const s = G.states.find((x) => x.name === id);
  if (s) return `${id}: starts at ${s.init}, then takes ${s.next === null ? "0.0" : s.next}'s value each step`;
  if (/^OUT\d+$/.test(id)) { const o = G.outputs[Number(id.slice(3))]; return `output ${o.name} = ${o.source} > 0`; }
  return `input ${id}: +1 (true) or -1 (false)`;
}

function describeNode(el) {
  const v = value(app.t, el.row);
  return `${el.id} (${el.kind})  value ${fmt(v)} at step ${app.t}\n${definition(el.id)}`;
}

function showTooltip(el, e) {
  const tip = document.getElementById("tooltip");
  tip.textContent = describeNode(el);
  tip.style.whiteSpace = "pre";
  tip.style.display = "block";
  tip.dataset.node = el.id;
  moveTooltip(e);
}
function moveTooltip(e) {
  const tip = document.getElementById("tooltip");
  tip.style.left = `${e.clientX + 14}px`;
  tip.style.top = `${e.clientY + 10}px`;
}
function hideTooltip() { document.getElementById("tooltip").style.display = "none"; }

function select(id) {
  if (app.selected) {
    app.nodeEls.get(app.selected)?.g.classList.remove("selected");
    document.querySelector(`#inspector tr[data-node="${CSS.escape(app.selected)}"]`)?.classList.remove("selected");
  }
  app.selected = id;
  app.nodeEls.get(id)?.g.classList.add("selected");
  document.querySelector(`#inspector tr[data-node="${CSS.escape(id)}"]`)?.classList.add("selected");
  renderNodeInfo();
}

function renderNodeInfo() {
  const box = document.getElementById("node-info");
  const el = app.selected && app.nodeEls.get(app.selected);
  if (!el) return;
  box.classList.remove("muted");
  box.innerHTML = "";
  const pre = document.createElement("pre");
  pre.textContent = describeNode(el);
  box.appendChild(pre);
}

// ---------------------------------------------------------------- panels that follow the step
function buildInspector() {
  const body = document.querySelector("#inspector tbody");
  body.innerHTML = "";
  app.inspector = [];
  for (const name of G.nodes) {
    const tr = document.createElement("tr");
    tr.dataset.node = name;
    tr.innerHTML = `<td></td><td class="muted"></td><td class="value"></td>`;
    tr.children[0].textContent = name;
    tr.children[1].textContent = kindOf(name);
    tr.addEventListener("click", () => select(name));
    body.appendChild(tr);
    app.inspector.push({ row: sim.index.get(name), cell: tr.children[2] });
  }
}

function renderStep() {
  const t = app.t, T = app.inputs.length;
  document.getElementById("step-display").textContent = `step ${t} / ${T - 1}`;
  for (const el of app.nodeEls.values()) {
    const v = value(t, el.row);
    const fill = colour(v);
    for (const s of el.shapes) s.setAttribute("fill", fill);
    el.label.textContent = v.toFixed(3);
  }
  for (const { row, cell } of app.inspector) {
    const v = value(t, row);
    cell.textContent = fmt(v);
  }
  renderNow();
  renderNodeInfo();
  const tip = document.getElementById("tooltip");
  if (tip.style.display === "block" && app.nodeEls.get(tip.dataset.node)) tip.textContent = describeNode(app.nodeEls.get(tip.dataset.node));
  if (t < app.start || t >= app.start + WINDOW) { app.start = Math.floor(t / WINDOW) * WINDOW; renderWindow(); }
  markColumn(t - app.start);
}

function renderNow() {
  const t = app.t, exp = app.spec.expected;
  const rows = [`<tr><th>input</th><th></th></tr>`];
  G.inputs.forEach((name, i) => rows.push(`<tr><td>${esc(name)}</td><td>${app.inputs[t][i] > 0 ? "true" : "false"}</td></tr>`));
  rows.push(`<tr><th>output</th><th>network</th><th>spec</th></tr>`);
  G.outputs.forEach((o, k) => {
    const got = bit(outputValue(t, k)), want = exp && exp[t] ? exp[t][k] : null;
    const bad = want !== null && want !== got;
    rows.push(`<tr class="${bad ? "mismatch" : ""}" data-output="${k}"><td>${esc(o.name)}</td>` +
      `<td>${got ? "true" : "false"} (${fmt(outputValue(t, k))})</td><td>${want === null ? "–" : want ? "true" : "false"}${bad ? " ✗ mismatch" : ""}</td></tr>`);
  });
  const state = app.spec.states && app.spec.states[t];
  let html = `<h3>step ${t}</h3><table>${rows.join("")}</table>`;
  if (state !== undefined && state !== null) html += `<div class="muted">spec state before the step: ${esc(state)}</div>`;
  if (app.spec.forbidden >= 0 && t >= app.spec.forbidden) html += `<div class="mismatch">the spec forbids the input at step ${app.spec.forbidden}</div>`;
  document.getElementById("now").innerHTML = html;
}

function esc(text) {
  return String(text).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
}

// ---------------------------------------------------------------- sequence editor + logic analyzer
function traces() {
  const rows = [];
  G.inputs.forEach((name) => rows.push({ label: name, row: sim.index.get(name), digital: true }));
  G.states.forEach((s) => rows.push({ label: s.name, row: sim.index.get(s.name) }));
  G.neurons.forEach((n) => rows.push({ label: n.name, row: sim.index.get(n.name) }));
  G.outputs.forEach((o, k) => rows.push({ label: `${o.name} (out)`, row: sim.outputs[k] }));
  G.outputs.forEach((o, k) => rows.push({ label: `${o.name} (spec)`, expected: k, digital: true }));
  return rows;
}

function renderWindow() {
  const T = app.inputs.length, start = app.start, end = Math.min(T, start + WINDOW), exp = app.spec.expected;
  const note = document.getElementById("window-note");
  note.textContent = T > WINDOW ? `showing steps ${start}–${end - 1} of ${T} (the view follows the current step)` : "";
  // labels
  const labels = document.getElementById("labels");
  const editorLabels = [...G.inputs.map((n) => `${n} (in)`), ...G.outputs.map((o) => `${o.name} (net)`),
    ...G.outputs.map((o) => `${o.name} (spec)`)];
  const rows = traces();
  labels.innerHTML = editorLabels.map((l) => `<div>${esc(l)}</div>`).join("") + `<div class="gap"></div>` +
    rows.map((r) => `<div>${esc(r.label)}</div>`).join("");
  // editor: one row per input (toggle), then the network's and the spec's output bits
  const table = document.getElementById("editor");
  table.innerHTML = "";
  G.inputs.forEach((name, i) => {
    const tr = table.insertRow();
    for (let t = start; t < end; t++) {
      const td = tr.insertCell();
      const on = app.inputs[t][i] > 0;
      td.className = on ? "one" : "zero";
      if (t === app.spec.forbidden) td.classList.add("forbidden");
      td.textContent = on ? "1" : "0";
      td.dataset.inputIndex = i;
      td.dataset.step = t;
      td.title = `${name} at step ${t}: click to toggle`;
    }
  });
  G.outputs.forEach((o, k) => {
    const net = table.insertRow(), spec = table.insertRow();
    net.className = spec.className = "outrow";
    for (let t = start; t < end; t++) {
      const got = bit(outputValue(t, k)), want = exp && exp[t] ? exp[t][k] : null;
      const a = net.insertCell(), b = spec.insertCell();
      a.textContent = got; a.className = got ? "one" : "zero"; a.dataset.output = k; a.dataset.step = t;
      a.classList.add("net");
      if (want !== null && want !== got) a.classList.add("mismatch");
      b.textContent = want === null ? "·" : want; b.className = want === null ? "na" : want ? "one" : "zero";
      b.classList.add("spec"); b.dataset.output = k; b.dataset.step = t;
    }
  });
  drawAnalyzer(rows, start, end);
}

function drawAnalyzer(rows, start, end) {
  const canvas = document.getElementById("analyzer");
  const n = end - start, ratio = window.devicePixelRatio || 1;
  canvas.width = n * CELL * ratio; canvas.height = rows.length * ROW * ratio;
  canvas.style.width = `${n * CELL}px`; canvas.style.height = `${rows.length * ROW}px`;
  const ctx = canvas.getContext("2d");
  ctx.scale(ratio, ratio);
  const exp = app.spec.expected;
  rows.forEach((r, j) => {
    const y0 = j * ROW, mid = y0 + ROW / 2, half = ROW / 2 - 2;
    ctx.fillStyle = j % 2 ? "#fbfbfb" : "#f3f3f3";
    ctx.fillRect(0, y0, n * CELL, ROW);
    for (let t = start; t < end; t++) {
      const x = (t - start) * CELL;
      let v;
      if (r.expected !== undefined) { const e = exp && exp[t] ? exp[t][r.expected] : null; if (e === null) continue; v = e ? 1 : -1; }
      else v = value(t, r.row);
      const c = Math.max(-1, Math.min(1, v));
      ctx.fillStyle = v > 0 ? "#c0392b" : "#2e6fd8";
      if (r.digital) ctx.fillRect(x, v > 0 ? y0 + 2 : mid, CELL, half);
      else ctx.fillRect(x, c >= 0 ? mid - c * half : mid, CELL, Math.max(1, Math.abs(c) * half));
    }
    ctx.fillStyle = "#ccc";
    ctx.fillRect(0, mid, n * CELL, 0.5);
  });
}

// the current step is marked by one overlay moved with a transform: no cell of the editor changes,
// so a step costs no style or layout work on the 1,000-column table
function markColumn(column) {
  const x = column * CELL;
  document.getElementById("marker").style.transform = `translateX(${x}px)`;
  const scroller = document.getElementById("scroller");
  if (x < scroller.scrollLeft || x > scroller.scrollLeft + scroller.clientWidth - CELL) scroller.scrollLeft = Math.max(0, x - scroller.clientWidth / 2);
}

// ---------------------------------------------------------------- loading a sequence
function load(inputs, name) {
  app.inputs = inputs.map((step) => step.slice());
  app.name = name;
  recompute();
  app.t = Math.min(app.t, app.inputs.length - 1);
  app.start = Math.floor(app.t / WINDOW) * WINDOW;
  renderWindow();
  renderStep();
}

function recompute() {
  app.values = sim.run(app.inputs);
  app.spec = runSpec(app.inputs, DATA.sequences[app.name] ? app.name : null);
  let wrong = 0, first = -1;
  const exp = app.spec.expected;
  if (exp) for (let t = 0; t < app.inputs.length; t++) {
    if (!exp[t]) continue;
    for (let k = 0; k < G.outputs.length; k++) if (exp[t][k] !== bit(outputValue(t, k))) { wrong++; if (first < 0) first = t; }
  }
  app.mismatches = wrong; app.firstMismatch = first;
  const el = document.getElementById("mismatch-count");
  el.dataset.count = wrong;
  el.dataset.first = first;
  el.className = "display" + (wrong ? " bad" : "");
  el.textContent = !exp ? "no expected outputs" : wrong ? `${wrong} mismatch${wrong > 1 ? "es" : ""} (first at step ${first})` : "matches the spec";
  document.getElementById("btn-mismatch").disabled = first < 0;
}

function toggle(i, t) {
  app.inputs[t][i] = -app.inputs[t][i];
  if (DATA.sequences[app.name]) { app.name = "edited"; syncSelect(); }
  recompute();
  renderWindow();
  renderStep();
}

function syncSelect() {
  const select = document.getElementById("seq-select");
  if (![...select.options].some((o) => o.value === app.name)) {
    const opt = document.createElement("option");
    opt.value = opt.textContent = app.name;
    select.appendChild(opt);
  }
  select.value = app.name;
}

// ---------------------------------------------------------------- controls
function go(t) {
  app.t = Math.max(0, Math.min(app.inputs.length - 1, t));
  renderStep();
}
function stepForward() { go(app.t + 1); }

function play() {
  const button = document.getElementById("btn-play");
  if (app.playing) { clearInterval(app.playing); app.playing = null; button.textContent = "▶ play"; return; }
  if (app.t >= app.inputs.length - 1) go(0);
  button.textContent = "❚❚ pause";
  const speed = Number(document.getElementById("speed").value);
  app.playing = setInterval(() => {
    if (app.t >= app.inputs.length - 1) { play(); return; }
    stepForward();
  }, 1000 / speed);
}

function setUpControls() {
  document.getElementById("btn-reset").addEventListener("click", () => { if (app.playing) play(); go(0); });
  document.getElementById("btn-back").addEventListener("click", () => go(app.t - 1));
  document.getElementById("btn-step").addEventListener("click", stepForward);
  document.getElementById("btn-play").addEventListener("click", play);
  document.getElementById("btn-mismatch").addEventListener("click", () => { if (app.firstMismatch >= 0) go(app.firstMismatch); });
  const speed = document.getElementById("speed");
  speed.addEventListener("input", () => {
    document.getElementById("speed-value").textContent = speed.value;
    if (app.playing) { play(); play(); } // restart at the new speed
  });
  const select = document.getElementById("seq-select");
  for (const name of Object.keys(DATA.sequences)) {
    const opt = document.createElement("option");
    opt.value = name;
    opt.textContent = name === "counterexample" ? `counterexample (${DATA.sequences[name].length} steps)` : name;
    select.appendChild(opt);
  }
  select.addEventListener("change", () => {
    if (DATA.sequences[select.value]) { app.t = 0; load(DATA.sequences[select.value], select.value); }
  });
  const resampleButton = document.getElementById("btn-resample");
  if (!SPEC.table && SPEC.source) { resampleButton.disabled = true; resampleButton.title = SPEC.note || ""; }
  resampleButton.addEventListener("click", () => {
    const length = Math.max(1, Math.min(100000, Number(document.getElementById("resample-length").value) || 64));
    const seedBox = document.getElementById("resample-seed");
    const seed = Number(seedBox.value) || 0;
    app.t = 0;
    load(resample(length, seed), "resampled");
    syncSelect();
    seedBox.value = seed + 1;
  });
  document.getElementById("editor").addEventListener("click", (e) => {
    const td = e.target.closest("td");
    if (!td || td.dataset.step === undefined) return;
    const t = Number(td.dataset.step);
    if (td.dataset.inputIndex !== undefined) toggle(Number(td.dataset.inputIndex), t);
    go(t);
  });
  document.getElementById("analyzer").addEventListener("click", (e) => {
    const rect = e.target.getBoundingClientRect();
    go(app.start + Math.floor((e.clientX - rect.left) / CELL));
  });
  document.addEventListener("keydown", (e) => {
    if (e.target.tagName === "INPUT" || e.target.tagName === "SELECT") return;
    if (e.key === "ArrowRight") stepForward();
    else if (e.key === "ArrowLeft") go(app.t - 1);
    else if (e.key === "Home") go(0);
    else if (e.key === " ") { e.preventDefault(); play(); }
  });
}

// ---------------------------------------------------------------- static panels
function renderStatic() {
  const badge = document.getElementById("verdict-badge");
  const v = DATA.verdict;
  const mode = v ? v.mode : "not verified";
  badge.textContent = mode === "bounded" ? "bounded, not proved" : mode;
  badge.className = `badge ${v ? v.mode : ""}`;
  badge.dataset.mode = mode;
  const s = G.stats;
  document.getElementById("graph-size").textContent = `${s.neurons} neurons · ${s.states} states · ${s.edges} edges`;
  const verdict = document.getElementById("verdict");
  if (!v) verdict.textContent = SPEC.source ? "not verified (the report was made with --no-verify); run `bonsaic verify`."
    : "not verified: the model embeds no spec to verify against (`bonsaic verify MODEL --spec TASK.bns`).";
  else {
    verdict.innerHTML = `<p>${esc(v.summary)}</p>`;
    if (v.counterexample) {
      const c = v.counterexample;
      verdict.innerHTML += `<p>${c.shortest ? "shortest counterexample" : `counterexample (${esc(c.source)})`}, ` +
        `${c.length} steps${c.reason ? `: ${esc(c.reason)}` : ""}. It is preloaded as the sequence <b>counterexample</b>.</p>`;
    }
  }
  document.getElementById("spec-source").textContent = SPEC.source || "";
  document.getElementById("spec-note").textContent = SPEC.note || (SPEC.name ? SPEC.name : "");
  document.getElementById("bool-source").textContent = DATA.bool || "";
  document.getElementById("bool-note").textContent = DATA.bool ? "" : DATA.bool_note || "";
  renderPasses();
  renderLoss();
}

function renderPasses() {
  const card = document.getElementById("passes-card");
  if (!DATA.passes) { card.style.display = "none"; return; }
  const rows = DATA.passes.map((p) => `<tr><td>${esc(p.file.slice(0, 2))}</td><td>${esc(p.pass)}</td><td>${p.neurons}</td>` +
    `<td>${p.states}</td><td>${p.edges}</td><td>${p.nonzero_biases}</td></tr>`);
  document.getElementById("passes").innerHTML = `<tr><th>#</th><th>pass</th><th>neurons</th><th>states</th><th>edges</th><th>biases</th></tr>${rows.join("")}`;
}

function renderLoss() {
  const card = document.getElementById("loss-card");
  if (!DATA.loss) { card.style.display = "none"; return; }
  const box = document.getElementById("loss");
  const recs = DATA.loss.records;
  for (const [key, log] of [["mse", true], ["reg", true], ["accuracy", false], ["sparsity", false]]) {
    box.appendChild(chart(key, recs, log));
  }
  if (DATA.loss.events.length) {
    const p = document.createElement("pre");
    p.textContent = DATA.loss.events.map((e) => `step ${e.step}: ${e.event}`).join("\n");
    box.appendChild(p);
  }
}

function chart(key, recs, log) {
  const W = 320, H = 140, pad = 44, ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("width", W); svg.setAttribute("height", H);
  svg.dataset.metric = key;
  const restarts = Math.max(...recs.map((r) => (r[key] || []).length));
  const f = (v) => (v === null || v === undefined ? null : log ? Math.log10(Math.max(v, 1e-12)) : v);
  const ys = recs.flatMap((r) => (r[key] || []).map(f)).filter((v) => v !== null);
  const steps = recs.map((r) => r.step);
  const x0 = Math.min(...steps), x1 = Math.max(...steps), y0 = Math.min(...ys), y1 = Math.max(...ys);
  const sx = (x) => pad + ((x - x0) / (x1 - x0 || 1)) * (W - pad - 6);
  const sy = (y) => H - 18 - ((y - y0) / (y1 - y0 || 1)) * (H - 30);
  const colours = ["#c0392b", "#2e6fd8", "#27ae60", "#8e44ad", "#d68910", "#16a085", "#7f8c8d", "#2c3e50"];
  for (let k = 0; k < restarts; k++) {
    const pts = recs.map((r) => [r.step, f((r[key] || [])[k])]).filter(([, y]) => y !== null);
    const line = document.createElementNS(ns, "polyline");
    line.setAttribute("points", pts.map(([x, y]) => `${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(" "));
    line.setAttribute("fill", "none"); line.setAttribute("stroke", colours[k % colours.length]); line.setAttribute("stroke-width", "1.2");
    svg.appendChild(line);
  }
  const text = (x, y, s, anchor = "start") => {
    const t = document.createElementNS(ns, "text");
    t.setAttribute("x", x); t.setAttribute("y", y); t.setAttribute("font-size", "10"); t.setAttribute("text-anchor", anchor);
    t.textContent = s; svg.appendChild(t);
  };
  const show = (y) => (log ? `1e${y.toFixed(1)}` : y.toFixed(2));
  text(4, 12, `${key}${log ? " (log)" : ""}, ${restarts} restart${restarts > 1 ? "s" : ""}`);
  if (ys.length) { text(pad - 2, sy(y1) + 10, show(y1), "end"); text(pad - 2, sy(y0), show(y0), "end"); }
  text(pad, H - 4, String(x0)); text(W - 6, H - 4, `step ${x1}`, "end");
  return svg;
}

// ---------------------------------------------------------------- start
renderStatic();
setUpGraph();
buildInspector();
setUpControls();
const first = DATA.sequences.counterexample ? "counterexample" : "sample";
document.getElementById("seq-select").value = first;
document.getElementById("resample-length").value = Math.max(1, DATA.sequences.sample.length);
load(DATA.sequences[first], first);
// for scripts and tests: the page's own state, read-only use intended
window.bonsaiReport = { app, sim, go, stepForward, load, toggle, DATA };
document.body.dataset.ready = "1";
