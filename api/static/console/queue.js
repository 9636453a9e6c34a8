// The console's front page: login, then the findings queue (GET /v1/findings) with filters, sorting and pages.
import { DETECTORS, DETECTOR_PT, KIND_PT, STATUS_PT } from "./detectors.js";
import { data, el, inteiro, lerData, lerNumero, mascararCpf, numero } from "./format.js";
import { ROLE_PT, api, apiKey, login, logout, refresh } from "./session.js";

const PAGE_SIZE = 20;
const state = { page: 1, sort: "score", order: "desc", filters: {} };
const $ = (sel) => document.querySelector(sel);

function show(section) {
  $("#login").classList.toggle("oculto", section !== "login");
  $("#fila").classList.toggle("oculto", section !== "fila");
  $("#sessao").classList.toggle("oculto", section !== "fila");
}

function showLogin(message = "") {
  show("login");
  $("#login-erro").textContent = message;
  $("#chave").value = "";
  $("#chave").focus();
}

async function start() {
  $("#form-login").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const key = $("#chave").value.trim();
    if (!key) return;
    $("#entrar").disabled = true;
    try {
      const got = await login(key);
      if (got.ok) await enterQueue(got.user);
      else showLogin(got.message);
    } catch {
      showLogin("A API não respondeu. Tente de novo em instantes.");
    } finally {
      $("#entrar").disabled = false;
    }
  });
  $("#sair").addEventListener("click", () => {
    logout();
    $("#achados tbody").replaceChildren();
    showLogin("Você saiu do console.");
  });
  setupFilters();
  const me = apiKey() ? await refresh() : null;
  if (me) await enterQueue(me);
  else showLogin(apiKey() === null ? "" : "A sessão expirou: entre de novo.");
}

async function enterQueue(me) {
  $("#usuario").textContent = me.name || me.key_id;
  $("#perfil").textContent = ROLE_PT[me.role] || me.role;
  show("fila");
  await Promise.all([loadAgencies(), loadPage()]);
}

function setupFilters() {
  const select = $("#f-detector");
  for (const [code, title] of DETECTORS) {
    const o = el("option", title);
    o.value = code;
    select.append(o);
  }
  $("#filtros").addEventListener("submit", (ev) => {
    ev.preventDefault();
    state.page = 1;
    loadPage();
  });
  $("#filtros").addEventListener("reset", () => {
    setTimeout(() => {
      state.page = 1;
      loadPage();
    }, 0);
  });
  for (const b of document.querySelectorAll("button.ordenar")) {
    b.addEventListener("click", () => {
      const sort = b.dataset.sort;
      state.order = state.sort === sort && state.order === "desc" ? "asc" : "desc";
      state.sort = sort;
      state.page = 1;
      loadPage();
    });
  }
  $("#anterior").addEventListener("click", () => {
    if (state.page > 1) {
      state.page -= 1;
      loadPage();
    }
  });
  $("#proxima").addEventListener("click", () => {
    state.page += 1;
    loadPage();
  });
}

let agenciesLoaded = false;

async function loadAgencies() {
  if (agenciesLoaded) return;
  const r = await api("/v1/agencies?sort=n_findings&order=desc&page_size=100");
  if (!r.ok) return;
  const body = await r.json();
  const items = (body.items || []).slice().sort((a, b) => (a.name || a.id).localeCompare(b.name || b.id, "pt-BR"));
  const select = $("#f-orgao");
  for (const a of items) {
    const o = el("option", mascararCpf(a.name || a.id));
    o.value = a.id;
    select.append(o);
  }
  agenciesLoaded = true;
}

/** The query of GET /v1/findings from the form; an error message when a field is wrong. */
function query() {
  const q = new URLSearchParams({ page: String(state.page), page_size: String(PAGE_SIZE), sort: state.sort,
    order: state.order });
  const min = lerNumero($("#f-min").value);
  const max = lerNumero($("#f-max").value);
  for (const [name, v] of [["mínimo", min], ["máximo", max]]) {
    if (v !== null && (Number.isNaN(v) || v < 0 || v > 1)) return { error: `Risco ${name}: um número de 0 a 1, como 0,5.` };
  }
  if (min !== null && max !== null && min > max) return { error: "O risco mínimo é maior que o máximo." };
  if (min !== null) q.set("min_score", String(min));
  if (max !== null) q.set("max_score", String(max));
  for (const [id, param] of [["#f-detector", "detector"], ["#f-orgao", "agency_id"], ["#f-status", "status"]]) {
    const v = $(id).value;
    if (v) q.set(param, v);
  }
  const from = lerData($("#f-de").value);
  const to = lerData($("#f-ate").value);
  if (from === undefined || to === undefined) return { error: "Datas no formato dd/mm/aaaa, como 02/12/2026." };
  if (from && to && from > to) return { error: "A data inicial é posterior à final." };
  // "até" includes the day itself: the API's created_to is exclusive
  if (from) q.set("created_from", from);
  if (to) q.set("created_to", nextDay(to));
  return { query: q };
}

function nextDay(iso) {
  const d = new Date(`${iso}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

async function loadPage() {
  const got = query();
  $("#filtro-erro").textContent = got.error || "";
  if (got.error) return;
  const r = await api(`/v1/findings?${got.query}`);
  if (r.status === 401) {
    logout();
    showLogin("A chave deixou de valer: entre de novo.");
    return;
  }
  if (!r.ok) {
    $("#filtro-erro").textContent = r.status === 422 ? "Filtro inválido: confira os campos."
      : r.status === 429 ? "Muitas consultas seguidas: aguarde um minuto." : "A API não respondeu. Tente de novo.";
    return;
  }
  render(await r.json());
  $("#achados").dataset.consulta = got.query.toString(); // what the table shows (tests wait on it)
}

function render(body) {
  const items = body.items || [];
  const total = body.total || 0;
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
  if (state.page > pages && total > 0) {
    state.page = pages;
    loadPage();
    return;
  }
  const hasStatus = items.some((f) => "status" in f);
  for (const c of document.querySelectorAll(".col-status")) c.classList.toggle("oculto", !hasStatus);
  const tbody = $("#achados tbody");
  tbody.replaceChildren(...items.map((f) => row(f, hasStatus)));
  $("#contagem").textContent = total === 0 ? "Nenhum achado com estes filtros."
    : `${inteiro(total)} ${total === 1 ? "achado" : "achados"}`;
  $("#pagina").textContent = `Página ${inteiro(state.page)} de ${inteiro(pages)}`;
  $("#anterior").disabled = state.page <= 1;
  $("#proxima").disabled = state.page >= pages;
  for (const b of document.querySelectorAll("button.ordenar")) {
    const on = b.dataset.sort === state.sort;
    b.classList.toggle("ativo", on);
    b.closest("th").setAttribute("aria-sort", on ? (state.order === "desc" ? "descending" : "ascending") : "none");
    b.dataset.seta = on ? (state.order === "desc" ? "▼" : "▲") : "";
  }
}

function row(f, hasStatus) {
  const tr = el("tr");
  tr.dataset.id = f.id;
  tr.tabIndex = 0;
  tr.className = "clicavel";
  const risco = el("td", numero(f.score, 2), "num risco");
  const titulo = el("td");
  const link = el("a", mascararCpf(f.title || f.id));
  link.href = "#";
  link.className = "abrir";
  titulo.append(link, el("span", mascararCpf(f.summary || ""), "frase"));
  const detector = el("td", DETECTOR_PT[f.detector] || f.detector);
  const assunto = el("td");
  assunto.append(el("span", KIND_PT[f.subject_kind] || f.subject_kind), el("code", mascararCpf(f.subject_id), "frase"));
  const cells = [risco, titulo, detector, assunto];
  if (hasStatus) cells.push(el("td", STATUS_PT[f.status] || f.status || "Novo", "situacao"));
  cells.push(el("td", data(f.created_at), "data"));
  tr.append(...cells);
  const open = (ev) => {
    ev.preventDefault();
    openCase(f.id, tr);
  };
  tr.addEventListener("click", open);
  tr.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter") open(ev);
  });
  return tr;
}

/** A navigation sends no header: ask for a signed link (investigators: /link, readers: a 15-minute /open). */
async function openCase(id, tr) {
  tr.classList.add("abrindo");
  const me = JSON.parse(sessionStorage.getItem("licitagraph.usuario") || "{}");
  const route = me.can_judge ? "link" : "open";
  const r = await api(`/console/cases/${encodeURIComponent(id).replace(/%3A/g, ":")}/${route}`);
  tr.classList.remove("abrindo");
  if (!r.ok) {
    $("#filtro-erro").textContent = r.status === 404 ? "Este achado não existe mais: atualize a fila."
      : "Não foi possível abrir o caso agora. Tente de novo.";
    return;
  }
  const { url } = await r.json();
  const u = new URL(url, location.href);
  location.assign(u.pathname + u.search); // this same origin, whatever the public URL is
}

start();
