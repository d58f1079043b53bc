// The search page: debounced autocomplete (an ARIA combobox), results with the evidence
// for each match, and a code detail view. Calls GET /autocomplete, /search and /codes/{code}.
"use strict";

(() => {
  const DEBOUNCE_MS = 150;
  // "/?system=HCPCS" keeps suggestions and results to one code system.
  const system = new URLSearchParams(window.location.search).get("system");
  const only = system ? { system } : {};
  const input = document.getElementById("q");
  const form = document.getElementById("search-form");
  const listbox = document.getElementById("suggestions");
  const status = document.getElementById("status");
  const results = document.getElementById("results");
  const resultList = document.getElementById("result-list");
  const detail = document.getElementById("detail");

  let suggestions = [];
  let active = -1;
  let timer = null;
  let pending = null; // AbortController of the autocomplete request in flight

  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs)) {
      if (name === "class") node.className = value;
      else node.setAttribute(name, value);
    }
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  async function getJSON(path, params, signal) {
    const url = params ? `${path}?${new URLSearchParams(params)}` : path;
    const response = await fetch(url, { signal, headers: { Accept: "application/json" } });
    const body = await response.json();
    if (!response.ok) throw new Error(body?.error?.message || `HTTP ${response.status}`);
    return body;
  }

  // ------------------------------------------------------------ autocomplete
  function closeSuggestions() {
    listbox.hidden = true;
    listbox.replaceChildren();
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    suggestions = [];
    active = -1;
  }

  function setActive(index) {
    const options = listbox.querySelectorAll('[role="option"]');
    options.forEach((option, i) => option.setAttribute("aria-selected", String(i === index)));
    active = index;
    if (index >= 0) {
      input.setAttribute("aria-activedescendant", options[index].id);
      options[index].scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  function showSuggestions(items) {
    suggestions = items;
    active = -1;
    listbox.replaceChildren(
      ...items.map((item, i) => {
        const option = el(
          "li", { role: "option", id: `suggestion-${i}`, "aria-selected": "false", "data-code": item.code },
          el("span", { class: "code" }, item.code),
          el("span", { class: "display" }, item.display),
          el("span", { class: "system" }, item.system),
        );
        option.addEventListener("mousedown", (event) => {
          event.preventDefault(); // keep focus in the input
          pick(i);
        });
        return option;
      }),
    );
    const open = items.length > 0;
    listbox.hidden = !open;
    input.setAttribute("aria-expanded", String(open));
    input.removeAttribute("aria-activedescendant");
  }

  async function suggest() {
    const text = input.value.trim();
    if (pending) pending.abort();
    if (!text) {
      closeSuggestions();
      return;
    }
    pending = new AbortController();
    try {
      const body = await getJSON("/autocomplete", { q: text, limit: 8, ...only }, pending.signal);
      if (input.value.trim() === text) showSuggestions(body.results);
    } catch (error) {
      if (error.name !== "AbortError") closeSuggestions();
    }
  }

  function pick(index) {
    const item = suggestions[index];
    if (!item) return;
    closeSuggestions();
    showDetail(item.code);
  }

  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(suggest, DEBOUNCE_MS);
  });

  input.addEventListener("keydown", (event) => {
    const open = !listbox.hidden && suggestions.length > 0;
    if (event.key === "ArrowDown" && open) {
      event.preventDefault();
      setActive((active + 1) % suggestions.length);
    } else if (event.key === "ArrowUp" && open) {
      event.preventDefault();
      setActive(active <= 0 ? suggestions.length - 1 : active - 1);
    } else if (event.key === "Enter" && open && active >= 0) {
      event.preventDefault();
      pick(active);
    } else if (event.key === "Escape") {
      if (open) {
        event.preventDefault();
        closeSuggestions();
      }
    }
  });

  input.addEventListener("blur", () => setTimeout(closeSuggestions, 100));

  // ------------------------------------------------------------------ search
  function why(item) {
    const parts = [];
    if (item.matched_terms.length) {
      const terms = el("span", {}, "matched ");
      item.matched_terms.forEach((term, i) => {
        if (i) terms.append(" ");
        terms.append(el("mark", {}, term));
      });
      const fields = item.matched_fields.filter((f) => f !== "semantic");
      if (fields.length) terms.append(` in ${fields.join(", ")}`);
      parts.push(terms);
    } else if (item.matched_fields.includes("code") || item.matched_fields.includes("prefix")) {
      parts.push("code match");
    }
    if (item.matched_name) parts.push(`names “${item.matched_name}”`);
    (item.attributes || []).forEach((a) => {
      const verdict = a.agrees ? "agrees" : "differs";
      parts.push(`${a.name.replace("_", " ")} ${a.query} ${verdict}: code says ${a.code}`);
    });
    if (item.similarity !== null && item.similarity !== undefined) {
      parts.push(`meaning similarity ${item.similarity.toFixed(2)}`);
    }
    const ranks = Object.entries(item.ranks || {}).map(([channel, rank]) => `${channel} #${rank}`);
    if (ranks.length) parts.push(`ranks: ${ranks.join(", ")}`);
    const line = el("p", { class: "why" }, "Why: ");
    parts.forEach((part, i) => {
      if (i) line.append(" · ");
      line.append(part);
    });
    return line;
  }

  async function search(text) {
    closeSuggestions();
    status.textContent = "Searching…";
    try {
      const body = await getJSON("/search", { q: text, limit: 10, ...only });
      resultList.replaceChildren(
        ...body.results.map((item) => {
          const open = el("button", { type: "button", "aria-label": `Details of ${item.code}` }, item.code);
          open.addEventListener("click", () => showDetail(item.code));
          return el(
            "li", { "data-code": item.code },
            el("div", { class: "result-head" }, open, el("span", {}, item.display), el("span", { class: "system" }, item.system)),
            item.plain_language ? el("p", { class: "plain" }, item.plain_language) : null,
            why(item),
          );
        }),
      );
      results.hidden = false;
      const fixes = body.expansions.map((e) => `${e.phrase} → ${e.replacement}`);
      status.textContent = `${body.results.length} results` + (fixes.length ? ` (read as: ${fixes.join("; ")})` : "");
    } catch (error) {
      status.textContent = error.message;
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (text) search(text);
  });

  // ------------------------------------------------------------------ detail
  function row(term, value) {
    if (value === null || value === undefined || value === "") return [];
    return [el("dt", {}, term), el("dd", {}, value)];
  }

  async function showDetail(code) {
    try {
      const record = await getJSON(`/codes/${encodeURIComponent(code)}`);
      const state = record.active
        ? el("span", { class: "badge active" }, "active")
        : el("span", { class: "badge terminated" }, `terminated ${record.termination_date || ""}`);
      const rvu = record.rvu;
      const items = [
        ...row("Status", state),
        ...row("Short descriptor", record.descriptor_short),
        ...row("Category", record.category),
        ...row("Effective", record.effective_date),
        ...row("BETOS", record.betos),
        ...row("Coverage", record.coverage),
        ...row("Release", record.release),
      ];
      if (rvu) {
        items.push(
          ...row("RVU status", rvu.status_code),
          ...row("Work RVU", rvu.work_rvu),
          ...row("Total RVUs (non-facility)", rvu.total_rvu_nonfacility),
          ...row("Total RVUs (facility)", rvu.total_rvu_facility),
          ...row("Global days", rvu.global_days),
        );
      } else {
        items.push(...row("RVUs", "none in the fee schedule"));
      }
      detail.replaceChildren(
        el("h2", {}, el("span", { class: "code" }, record.code), " ", el("span", { class: "system" }, record.system)),
        el("p", { class: "descriptor" }, record.display),
        record.plain_language ? el("p", { class: "plain" }, record.plain_language) : null,
        el("dl", {}, ...items),
        record.synonyms.length
          ? el("div", {}, el("strong", {}, "Synonyms"), el("ul", { class: "synonyms" }, ...record.synonyms.map((s) => el("li", {}, s))))
          : null,
      );
      detail.hidden = false;
      status.textContent = `Showing ${record.code}`;
    } catch (error) {
      status.textContent = error.message;
    }
  }
})();
