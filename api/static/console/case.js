// The case page: the interactive network over the static picture, and the verdict buttons.
import { draw, legend, KINDS } from "./graph.js";
import { STATUS_PT, VERDICT_PT } from "./detectors.js";
import { dataHora, el, mascararCpf } from "./format.js";
import { ROLE_PT, api, apiKey, logout, refresh } from "./session.js";

const $ = (sel) => document.querySelector(sel);

async function network() {
  const box = $("#rede-interativa");
  if (!box) return;
  let cytoscape;
  try {
    ({ default: cytoscape } = await import(box.dataset.vendor));
  } catch {
    return; // the library is not installed: the static picture stays
  }
  const r = await fetch(box.dataset.network, { credentials: "omit", cache: "no-store",
    headers: { Accept: "application/json" } });
  if (!r.ok) return;
  const net = await r.json();
  if (!(net.nodes || []).length) return;
  box.classList.remove("oculto");
  const { cy, elems } = draw(cytoscape, box, net, (d) => {
    const detail = $("#rede-detalhe");
    const parts = [(KINDS[d.kind] || { nome: "Nó" }).nome, d.nome];
    if (d.documento) parts.push(d.documento);
    detail.textContent = parts.join(" · ");
    detail.classList.remove("oculto");
  });
  legend($("#rede-legenda"), elems);
  for (const id of ["#rede-legenda", "#rede-dica"]) $(id).classList.remove("oculto");
  $("#rede-figura").classList.add("oculto");
  box.dataset.nos = String(cy.nodes().length);
  box.dataset.arestas = String(cy.edges().length);
  window.licitagraphRede = cy; // for the end-to-end test and the browser's console
}

// verdicts ----------------------------------------------------------------------------------------------------
const section = $("#parecer");
const buttons = () => [...document.querySelectorAll("#parecer button[data-verdict]")];

function say(text, kind = "") {
  const p = $("#parecer-resultado");
  p.textContent = text;
  p.className = `resultado ${kind}`;
}

function enable(on) {
  for (const b of buttons()) b.disabled = !on;
  $("#parecer-nota").disabled = !on;
}

function showStatus(status) {
  if (!status) return;
  $("#situacao").textContent = STATUS_PT[status] || status;
  section.dataset.status = status;
}

function showHistory(history) {
  if (!Array.isArray(history) || !history.length) return;
  const rows = history.map((h) => {
    const tr = el("tr");
    const at = h.at || h.recorded_at || h.created_at || h.when;
    const by = h.who || h.by || h.actor || h.key_name || h.name || h.key_id || "—";
    tr.append(el("td", dataHora(at)), el("td", VERDICT_PT[h.verdict] || h.verdict || "—"),
      el("td", STATUS_PT[h.status] || h.status || "—"), el("td", mascararCpf(h.note || "")), el("td", by));
    return tr;
  });
  $("#parecer-historico tbody").replaceChildren(...rows);
  $("#parecer-historico").classList.remove("oculto");
}

export const UNAVAILABLE = "A função de parecer ainda não está disponível nesta versão da API.";

async function record(verdict) {
  const id = section.dataset.finding;
  enable(false);
  say("Registrando o parecer…");
  let r;
  try {
    r = await api(`/v1/findings/${id}/verdict`, { method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ verdict, note: $("#parecer-nota").value.trim() }) });
  } catch {
    say("A API não respondeu. Tente de novo.", "erro");
    enable(true);
    return;
  }
  let body = {};
  try {
    body = await r.json();
  } catch {
    body = {};
  }
  if (r.ok) {
    showStatus(body.status);
    showHistory(body.history);
    $("#parecer-nota").value = "";
    say(`Parecer registrado: ${VERDICT_PT[verdict]}. Situação atual: ${STATUS_PT[body.status] || body.status}.`, "ok");
    enable(true);
    return;
  }
  if (r.status === 405 || (r.status === 404 && body.detail === "Not Found")) {
    say(UNAVAILABLE, "indisponivel");
    section.dataset.indisponivel = "1";
    return; // buttons stay off: nothing to post to
  }
  const messages = {
    401: "A chave deixou de valer: entre de novo no console.",
    403: "Sua chave não tem o perfil de investigador: só investigadores registram pareceres.",
    404: "Este achado não existe mais.",
    409: `O parecer não foi aceito: ${typeof body.detail === "string" ? body.detail : "a situação do achado mudou"}.`,
    422: "O parecer não foi aceito: confira a nota.",
    429: "Muitas requisições seguidas: aguarde um minuto.",
  };
  if (r.status === 401) logout();
  say(messages[r.status] || "A API não registrou o parecer. Tente de novo.", "erro");
  enable(r.status !== 401 && r.status !== 403 && r.status !== 404);
}

async function verdicts() {
  if (!section) return;
  if (!apiKey()) return; // the page's own note says how to log in
  const me = await refresh();
  if (!me) {
    $("#parecer-aviso").textContent = "A sessão do console expirou: entre de novo para registrar um parecer.";
    return;
  }
  if (!me.can_judge) {
    $("#parecer-aviso").textContent = `Você entrou com perfil ${ROLE_PT[me.role] || me.role}: só investigadores `
      + "registram pareceres. Os botões ficam desativados.";
    return;
  }
  $("#parecer-aviso").textContent = `Conectado como ${me.name || me.key_id} (${ROLE_PT[me.role] || me.role}).`;
  for (const b of buttons()) b.addEventListener("click", () => record(b.dataset.verdict));
  enable(true);
  // the finding's current status and history, when the API has them
  const r = await api(`/v1/findings/${section.dataset.finding}`);
  if (r.ok) {
    const f = await r.json();
    showStatus(f.status);
    showHistory(f.history);
  }
}

network();
verdicts();
