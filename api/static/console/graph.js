// The case page's interactive network, drawn by cytoscape.js (served by this API, /console/vendor/): the same
// structure as the static picture (reporting/pictures.py), with the same colours and the same words.
import { el, mascararCpf } from "./format.js";

export const KINDS = {
  Supplier: { nome: "Fornecedor", cor: "#2ca02c", forma: "ellipse" },
  Person: { nome: "Sócio", cor: "#d62728", forma: "triangle" },
  Address: { nome: "Endereço", cor: "#9467bd", forma: "pentagon" },
  Phone: { nome: "Telefone", cor: "#8c564b", forma: "hexagon" },
  Email: { nome: "E-mail", cor: "#e377c2", forma: "octagon" },
  Sanction: { nome: "Sanção", cor: "#000000", forma: "star" },
  Tender: { nome: "Licitação", cor: "#ff7f0e", forma: "diamond" },
  Item: { nome: "Item", cor: "#ffbb78", forma: "round-diamond" },
  Agency: { nome: "Órgão", cor: "#1f77b4", forma: "round-rectangle" },
  Unit: { nome: "Unidade", cor: "#aec7e8", forma: "rectangle" },
};
const OTHER = { nome: "Outro", cor: "#7f7f7f", forma: "ellipse" };

export const EDGES = {
  won: { nome: "lance vencedor", cor: "#2ca02c", estilo: "solid", largura: 3, texto: "venceu" },
  lost: { nome: "lance perdedor", cor: "#7f7f7f", estilo: "dashed", largura: 1.6, texto: "perdeu" },
  bid: { nome: "lance", cor: "#7f7f7f", estilo: "dotted", largura: 1.4, texto: "" },
  awarded: { nome: "adjudicação", cor: "#2ca02c", estilo: "solid", largura: 3, texto: "adjudicado" },
  partner: { nome: "sócio", cor: "#d62728", estilo: "solid", largura: 2, texto: "sócio" },
  contact: { nome: "endereço/telefone/e-mail", cor: "#9467bd", estilo: "solid", largura: 1.8, texto: "" },
  sanction: { nome: "sanção", cor: "#000000", estilo: "solid", largura: 2, texto: "sancionado" },
  branch: { nome: "filial de", cor: "#17becf", estilo: "dashed", largura: 1.8, texto: "filial" },
  structure: { nome: "publicou / contém", cor: "#c7c7c7", estilo: "solid", largura: 1.2, texto: "" },
};
const KIND_OF_TYPE = { PARTNER_OF: "partner", LOCATED_AT: "contact", HAS_PHONE: "contact", HAS_EMAIL: "contact",
  SANCTIONED: "sanction", BRANCH_OF: "branch", AWARDED: "awarded" };

export function edgeKind(e) {
  if (e.type === "BID") return e.won === null || e.won === undefined ? "bid" : e.won ? "won" : "lost";
  return KIND_OF_TYPE[e.type] || "structure";
}

function short(text, n = 34) {
  const t = mascararCpf(text || "").trim();
  return t.length > n ? `${t.slice(0, n - 1)}…` : t;
}

export function cnpj(doc) {
  const d = String(doc || "");
  return /^\d{14}$/.test(d) ? `${d.slice(0, 2)}.${d.slice(2, 5)}.${d.slice(5, 8)}/${d.slice(8, 12)}-${d.slice(12)}` : mascararCpf(d);
}

/** cytoscape elements from the network JSON (GET /console/cases/{id}/network.json). */
export function elements(net) {
  const nodes = (net.nodes || []).map((n) => ({
    group: "nodes",
    data: { id: n.id, kind: KINDS[n.label] ? n.label : "Other", rotulo: short(n.caption || n.id),
      nome: mascararCpf(n.caption || n.id), documento: n.document ? cnpj(n.document) : "", named: n.named ? 1 : 0 },
  }));
  const ids = new Set(nodes.map((n) => n.data.id));
  const edges = (net.edges || []).filter((e) => ids.has(e.src) && ids.has(e.dst)).map((e, i) => {
    const kind = edgeKind(e);
    return { group: "edges", data: { id: `e${i}`, source: e.src, target: e.dst, kind, texto: EDGES[kind].texto } };
  });
  return [...nodes, ...edges];
}

function style() {
  const s = [
    { selector: "node", style: {
      label: "data(rotulo)", "font-size": 12, "text-valign": "bottom", "text-margin-y": 4, "text-wrap": "wrap",
      "text-max-width": 150, width: 22, height: 22, "background-color": OTHER.cor, color: "#1d2733",
      "text-background-color": "#ffffff", "text-background-opacity": 0.85, "text-background-padding": 1,
      "font-family": "system-ui, sans-serif",
    } },
    { selector: "node[named = 1]", style: { width: 32, height: 32, "border-width": 3, "border-color": "#1d2733",
      "font-weight": "bold" } },
    { selector: "node:selected", style: { "border-width": 4, "border-color": "#0b5394" } },
    { selector: "edge", style: { "curve-style": "bezier", width: 1.2, "line-color": "#c7c7c7", "font-size": 9,
      label: "data(texto)", "text-rotation": "autorotate", color: "#5b6673", "text-background-color": "#ffffff",
      "text-background-opacity": 0.8, "font-family": "system-ui, sans-serif" } },
  ];
  for (const [kind, k] of Object.entries({ ...KINDS, Other: OTHER })) {
    s.push({ selector: `node[kind = "${kind}"]`, style: { "background-color": k.cor, shape: k.forma } });
  }
  for (const [kind, e] of Object.entries(EDGES)) {
    s.push({ selector: `edge[kind = "${kind}"]`, style: { "line-color": e.cor, "line-style": e.estilo, width: e.largura } });
  }
  return s;
}

/** The legend, in Portuguese: only the kinds of node and line this network has. */
export function legend(list, elems) {
  const kinds = new Set(elems.filter((x) => x.group === "nodes").map((x) => x.data.kind));
  const lines = new Set(elems.filter((x) => x.group === "edges").map((x) => x.data.kind));
  const items = [];
  for (const [kind, k] of Object.entries({ ...KINDS, Other: OTHER })) {
    if (!kinds.has(kind)) continue;
    const li = el("li");
    li.append(el("span", "", `simbolo no-${kind}`), el("span", k.nome));
    items.push(li);
  }
  for (const [kind, e] of Object.entries(EDGES)) {
    if (!lines.has(kind)) continue;
    const li = el("li");
    li.append(el("span", "", `simbolo linha-${kind}`), el("span", e.nome));
    items.push(li);
  }
  const named = el("li");
  named.append(el("span", "", "simbolo no-citado"), el("span", "citado no achado"));
  items.push(named);
  list.replaceChildren(...items);
}

/** Draws `net` in `container` with `cytoscape`; calls onSelect(node data) when a node is clicked. */
export function draw(cytoscape, container, net, onSelect) {
  const elems = elements(net);
  const cy = cytoscape({
    container, elements: elems, style: style(), wheelSensitivity: 0.3, minZoom: 0.2, maxZoom: 4,
    layout: { name: elems.length > 1 ? "cose" : "grid", animate: false, randomize: true, nodeRepulsion: () => 4000,
      idealEdgeLength: () => 80, padding: 40, nodeDimensionsIncludeLabels: true },
  });
  // a small network fitted to the box would be drawn huge: no more than 1,4 times its size
  if (cy.zoom() > 1.4) {
    cy.zoom(1.4);
    cy.center();
  }
  cy.on("tap", "node", (ev) => onSelect(ev.target.data()));
  return { cy, elems };
}
