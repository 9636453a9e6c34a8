// The console's login: the API key lives in this tab's sessionStorage only (never a cookie, never a URL, no
// server session) and goes out as X-API-Key on the console's own requests to this same API.
const KEY = "licitagraph.chave";
const USER = "licitagraph.usuario";

export function apiKey() {
  return sessionStorage.getItem(KEY);
}

export function user() {
  try {
    return JSON.parse(sessionStorage.getItem(USER) || "null");
  } catch {
    return null;
  }
}

export function logout() {
  sessionStorage.removeItem(KEY);
  sessionStorage.removeItem(USER);
}

/** fetch() on this API with the session's key. */
export function api(path, options = {}) {
  const headers = new Headers(options.headers || {});
  const key = apiKey();
  if (key) headers.set("X-API-Key", key);
  headers.set("Accept", "application/json");
  return fetch(path, { ...options, headers, credentials: "omit", cache: "no-store" });
}

/** Checks `key` with GET /console/me; keeps it on success. Returns {ok, user} or {ok: false, message}. */
export async function login(key) {
  const r = await fetch("/console/me", {
    headers: { "X-API-Key": key, Accept: "application/json" }, credentials: "omit", cache: "no-store",
  });
  if (r.ok) {
    const me = await r.json();
    sessionStorage.setItem(KEY, key);
    sessionStorage.setItem(USER, JSON.stringify(me));
    return { ok: true, user: me };
  }
  if (r.status === 429) {
    return { ok: false, message: "Muitas tentativas com chaves inválidas a partir deste endereço. Aguarde um minuto." };
  }
  return { ok: false, message: "Chave de API recusada: confira a chave ou peça uma nova ao administrador." };
}

/** The session's holder, checked again with the API (a revoked key logs out). */
export async function refresh() {
  if (!apiKey()) return null;
  const r = await api("/console/me");
  if (r.status === 401 || r.status === 403) {
    logout();
    return null;
  }
  if (!r.ok) return user();
  const me = await r.json();
  sessionStorage.setItem(USER, JSON.stringify(me));
  return me;
}

export const ROLE_PT = { reader: "leitor", investigator: "investigador", admin: "administrador" };
