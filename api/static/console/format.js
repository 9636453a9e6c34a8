// Brazilian formats for what the console writes: 0,87 · R$ 1.234,50 · 02/12/2026.
const numberFormats = new Map();

export function numero(x, casas = 2) {
  if (typeof x !== "number" || !Number.isFinite(x)) return "—";
  if (!numberFormats.has(casas)) {
    numberFormats.set(casas, new Intl.NumberFormat("pt-BR", { minimumFractionDigits: casas, maximumFractionDigits: casas }));
  }
  return numberFormats.get(casas).format(x);
}

export function inteiro(x) {
  return numero(x, 0);
}

export function dinheiro(x) {
  return typeof x === "number" && Number.isFinite(x) ? `R$ ${numero(x, 2)}` : "—";
}

function timezone() {
  return document.body.dataset.timezone || "America/Sao_Paulo";
}

/** `2026-12-02T10:00:00Z` -> `02/12/2026`: the day as stored (UTC), as the case page and the API's date filters
 * read it. */
export function data(iso) {
  if (!iso) return "—";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "—";
  return new Intl.DateTimeFormat("pt-BR", { timeZone: "UTC", day: "2-digit", month: "2-digit", year: "numeric" })
    .format(d);
}

/** `2026-12-02T10:00:00Z` -> `02/12/2026 07:00` (a moment: in the console's timezone). */
export function dataHora(iso) {
  if (!iso) return "—";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "—";
  return new Intl.DateTimeFormat("pt-BR", {
    timeZone: timezone(), day: "2-digit", month: "2-digit", year: "numeric", hour: "2-digit", minute: "2-digit",
  }).format(d).replace(",", "");
}

/** "0,5" or "0.5" -> 0.5; "" -> null; anything else -> NaN. */
export function lerNumero(text) {
  const t = String(text || "").trim();
  if (!t) return null;
  if (!/^\d+([.,]\d+)?$/.test(t)) return NaN;
  return Number(t.replace(",", "."));
}

/** "02/12/2026" -> "2026-12-02" (the API's date); "" -> null; not a real day -> undefined. */
export function lerData(text) {
  const t = String(text || "").trim();
  if (!t) return null;
  const m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(t);
  if (!m) return undefined;
  const [d, mo, y] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const day = new Date(Date.UTC(y, mo - 1, d));
  if (day.getUTCFullYear() !== y || day.getUTCMonth() !== mo - 1 || day.getUTCDate() !== d) return undefined;
  return `${m[3]}-${String(mo).padStart(2, "0")}-${String(d).padStart(2, "0")}`;
}

/** A CPF-looking run of 11 digits (bare or 123.456.789-01) -> ***456789** (LGPD), as the server masks. */
export function mascararCpf(text) {
  return String(text ?? "").replace(/(?<![\d*])(\d{3})\.?(\d{3})\.?(\d{3})-?(\d{2})(?![\d*])/g, "***$2$3**");
}

/** A plain element with text (never innerHTML: names come from public data). */
export function el(tag, text, className) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = text;
  if (className) e.className = className;
  return e;
}
