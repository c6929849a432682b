/*
 * Search the theme report: the box in every page's header finds paragraphs and
 * recommendations by words, from file:// as from a web server.
 *
 * The index is built by the report stage (pipeline/report_search.py, whose docstring
 * describes the files) and loaded here with <script> tags, a file when a query needs it:
 * the manifest index.js when the box is first used, the term shards of the query's
 * words, the row shards of the hits shown, a facet's file when its filter is set.
 * Words are analysed exactly as report_search.analyze does: lower case, accents folded,
 * runs of letters and digits, stop words dropped, Porter-stemmed (vendor/stemmer.js).
 *
 * Query: every word must occur (stemmed); "a quoted phrase" must occur word for word;
 * `word*`, and the last word while it is being typed, also match as a prefix. Document
 * text is put on the page as text nodes, never as HTML.
 */
(() => {
  "use strict";
  const BASE = new URL(".", document.currentScript.src).href;
  const PAGE_SIZE = 20;
  const MIN_PREFIX = 3;
  const stem = window.porterStemmer;

  // -- loading --------------------------------------------------------------------------
  const files = new Map(); // name → {promise, resolve}

  async function inflate(base64) {
    const binary = atob(base64);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate-raw"));
    return JSON.parse(await new Response(stream).text());
  }

  function load(name) {
    if (!files.has(name)) {
      const entry = {};
      entry.promise = new Promise((resolve, reject) => {
        entry.resolve = resolve;
        const tag = document.createElement("script");
        tag.src = `${BASE}${name}.js`;
        tag.onerror = () => reject(new Error(`search index file ${name}.js could not be read`));
        document.head.append(tag);
      });
      files.set(name, entry);
    }
    return files.get(name).promise;
  }

  // -- words: the same analysis as report_search.analyze ---------------------------------
  const WORD = /[\p{L}\p{N}]+/gu;
  const RUN = /[\p{L}\p{N}\p{M}]+/gu;

  function fold(text) {
    const lower = text.toLowerCase();
    return /^[\x00-\x7f]*$/.test(lower) ? lower : lower.normalize("NFKD").replace(/\p{M}/gu, "");
  }

  function words(text) {
    return fold(text).match(WORD) || [];
  }

  function analyze(text, stopWords) {
    const out = [];
    words(text).forEach((word, position) => {
      if (!stopWords.has(word)) out.push([position, stem(word)]);
    });
    return out;
  }

  // -- the index --------------------------------------------------------------------------
  class Index {
    constructor(manifest) {
      this.m = manifest;
      this.stopWords = new Set(manifest.stopWords);
      this.postings = new Map(); // term → [{row, weight, positions}]
    }

    static async open() {
      return new Index(await load("index"));
    }

    shardOf(term, firsts) {
      let lo = 0;
      let hi = firsts.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (firsts[mid] <= term) lo = mid;
        else hi = mid - 1;
      }
      return lo;
    }

    async termShard(i) {
      const name = `terms-${String(i).padStart(4, "0")}`;
      const shard = await load(name);
      return (files.get(name).map ??= new Map(shard));
    }

    /** The terms that `prefix` begins, from the one or few shards holding them. */
    async expand(prefix) {
      const firsts = this.m.termShards;
      if (!firsts.length) return [];
      const last = this.shardOf(prefix + "\uffff", firsts);
      const out = [];
      for (let i = this.shardOf(prefix, firsts); i <= last; i++) {
        for (const term of (await this.termShard(i)).keys()) if (term.startsWith(prefix)) out.push(term);
      }
      return out;
    }

    async postingsOf(term) {
      if (!this.postings.has(term)) {
        const firsts = this.m.termShards;
        const ints = firsts.length ? (await this.termShard(this.shardOf(term, firsts))).get(term) : null;
        const list = [];
        let row = 0;
        for (let i = 0; ints && i < ints.length; ) {
          row += ints[i++];
          const weight = ints[i++];
          const positions = new Array(ints[i++]);
          let position = 0;
          for (let k = 0; k < positions.length; k++) positions[k] = position += ints[i++];
          list.push({ row, weight, positions });
        }
        this.postings.set(term, list);
      }
      return this.postings.get(term);
    }

    /** row → {score, positions} for one word: its stem, and the terms it begins if `prefix`. */
    async matchWord(word, matched) {
      const terms = [[word.term, 1]];
      if (word.prefix) for (const t of await this.expand(word.prefix)) if (t !== word.term) terms.push([t, 0.5]);
      const hits = new Map();
      for (const [term, boost] of terms) {
        const list = await this.postingsOf(term);
        if (!list.length) continue;
        matched.add(term);
        const idf = Math.log(1 + (this.m.rows - list.length + 0.5) / (list.length + 0.5));
        for (const p of list) {
          const score = (idf * p.weight * boost) / 10;
          const hit = hits.get(p.row);
          if (!hit) hits.set(p.row, { score, positions: p.positions });
          else {
            hit.score = Math.max(hit.score, score);
            hit.positions = hit.positions.concat(p.positions);
          }
        }
      }
      return hits;
    }

    /** row → score for a phrase: its words at their offsets from the first. */
    async matchPhrase(phrase, matched) {
      const maps = [];
      for (const word of phrase) maps.push(await this.matchWord({ term: word.term }, matched));
      const out = new Map();
      for (const [row, first] of maps[0]) {
        const others = maps.slice(1).map((m) => m.get(row));
        if (others.some((o) => !o)) continue;
        const found = first.positions.some((p) =>
          others.every((o, i) => o.positions.includes(p + phrase[i + 1].offset - phrase[0].offset)),
        );
        if (found) out.set(row, { score: first.score + others.reduce((s, o) => s + o.score, 0) });
      }
      return out;
    }

    async facetRows(facet, value) {
      const key = `${facet}=${value}`;
      this.facetSets ??= new Map();
      if (!this.facetSets.has(key)) {
        const lists = await load(`facet-${facet}`);
        const rows = new Set();
        let row = 0;
        for (const delta of lists[value]) rows.add((row += delta));
        this.facetSets.set(key, rows);
      }
      return this.facetSets.get(key);
    }

    /** Hits of `query` under `filters` ({facet: value index}): [{row, score}] best first,
     * and the terms that matched (for highlighting). */
    async search(query, filters) {
      const clauses = parseQuery(query, this.stopWords);
      const matched = new Set();
      let result = null;
      for (const clause of clauses) {
        const hits = clause.phrase
          ? await this.matchPhrase(clause.phrase, matched)
          : await this.matchWord(clause.word, matched);
        if (result === null) result = hits;
        else {
          const next = new Map();
          for (const [row, hit] of hits) if (result.has(row)) next.set(row, { score: result.get(row).score + hit.score });
          result = next;
        }
        if (!result.size) break;
      }
      let rows = [...(result || new Map())].map(([row, hit]) => ({ row, score: hit.score }));
      for (const [facet, value] of Object.entries(filters)) {
        const allowed = await this.facetRows(facet, value);
        rows = rows.filter((hit) => allowed.has(hit.row));
      }
      rows.sort((a, b) => b.score - a.score || a.row - b.row);
      return { hits: rows, matched, searched: clauses.length > 0 };
    }

    async row(i) {
      const shard = this.shardOf(i, this.m.rowShards);
      const rows = await load(`rows-${String(shard).padStart(4, "0")}`);
      const [doc, kind, paraNo, subNo, text, themes] = rows[i - this.m.rowShards[shard]];
      const [docId, session] = this.m.docs[doc];
      const themeFacet = this.m.facets.find((f) => f.name === "theme");
      return {
        docId, session, paraNo, subNo, text,
        kind: this.m.kinds[kind],
        themes: themes.map((t) => themeFacet.values[t][1]),
      };
    }
  }

  /** Clauses of a query: {word: {term, prefix}} or {phrase: [{term, offset}]}. */
  function parseQuery(query, stopWords) {
    const clauses = [];
    const typing = !/\s$/.test(query);
    const parts = [...query.matchAll(/"([^"]*)"?|[^\s"]+/g)];
    parts.forEach((part, index) => {
      if (part[1] !== undefined) {
        const phrase = [];
        words(part[1]).forEach((w, offset) => {
          if (!stopWords.has(w)) phrase.push({ term: stem(w), offset });
        });
        if (phrase.length > 1) clauses.push({ phrase });
        else if (phrase.length === 1) clauses.push({ word: { term: phrase[0].term } });
        return;
      }
      const star = part[0].endsWith("*");
      const ws = words(part[0]);
      ws.forEach((w, i) => {
        const lastTyped = i === ws.length - 1 && (star || (typing && index === parts.length - 1));
        const prefix = lastTyped && w.length >= MIN_PREFIX ? w : null;
        if (stopWords.has(w) && !prefix) return;
        clauses.push({ word: { term: stem(w), prefix } });
      });
    });
    return clauses;
  }

  // -- the page ---------------------------------------------------------------------------
  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
    node.append(...children); // strings become text nodes: document text is never HTML
    return node;
  }

  /** A window of `text` around its first matched word, matched words in <mark>. */
  function snippet(text, matched, stopWords, width = 320) {
    const marks = [];
    for (const m of text.matchAll(RUN)) {
      if (words(m[0]).some((w) => !stopWords.has(w) && matched.has(stem(w)))) {
        marks.push([m.index, m.index + m[0].length]);
      }
    }
    let start = marks.length ? Math.max(0, marks[0][0] - 80) : 0;
    if (start > 0) start = text.indexOf(" ", start) + 1 || start;
    let end = Math.min(text.length, start + width);
    if (end < text.length) end = text.lastIndexOf(" ", end) > start ? text.lastIndexOf(" ", end) : end;
    const out = el("p", { class: "snippet" });
    if (start > 0) out.append("… ");
    let cursor = start;
    for (const [s, e] of marks) {
      if (s < cursor || e > end) continue;
      out.append(text.slice(cursor, s), el("mark", {}, text.slice(s, e)));
      cursor = e;
    }
    out.append(text.slice(cursor, end));
    if (end < text.length) out.append(" …");
    return out;
  }

  function setUp() {
    const input = document.getElementById("search-q");
    const panel = document.getElementById("search-panel");
    if (!input || !panel) return;
    const status = panel.querySelector(".search-status");
    const list = panel.querySelector(".search-hits");
    const more = panel.querySelector(".search-more");
    const filterBox = panel.querySelector(".search-filters");
    let index = null;
    let opening = null;
    let generation = 0;
    let current = null;

    const open = () =>
      (opening ??= Index.open().then((opened) => {
        index = opened;
        buildFilters();
      }));

    function buildFilters() {
      for (const facet of index.m.facets) {
        if (!facet.values.length) continue;
        const select = el("select", { "data-facet": facet.name, id: `search-${facet.name}` });
        select.append(el("option", { value: "" }, "any"));
        facet.values.forEach(([, label, count], i) => select.append(el("option", { value: String(i) }, `${label} (${count})`)));
        select.addEventListener("change", run);
        filterBox.append(el("label", { for: `search-${facet.name}` }, facet.label, " "), select, " ");
      }
    }

    function filters() {
      const out = {};
      for (const select of filterBox.querySelectorAll("select")) if (select.value) out[select.dataset.facet] = Number(select.value);
      return out;
    }

    async function showMore() {
      const mine = generation;
      const shown = list.children.length;
      const page = current.hits.slice(shown, shown + PAGE_SIZE);
      const rows = await Promise.all(page.map((hit) => index.row(hit.row)));
      if (mine !== generation) return;
      for (const r of rows) {
        const where = `${r.session} · paragraph ${r.paraNo}`;
        const title = el("a", { href: `doc-${r.docId}.html#p${r.paraNo}` }, where);
        const head = el("p", { class: "hit-title" }, title, " ", el("span", { class: "badge" }, r.kind));
        const item = el("li", { class: "hit" }, head, snippet(r.text, current.matched, index.stopWords));
        if (r.themes.length) item.append(el("p", { class: "tags" }, r.themes.join(" · ")));
        list.append(item);
      }
      more.hidden = list.children.length >= current.hits.length;
    }

    async function run() {
      const query = input.value;
      const mine = ++generation;
      const started = performance.now();
      if (!query.trim()) {
        panel.hidden = true;
        return;
      }
      panel.hidden = false;
      status.textContent = "Searching…";
      try {
        await open();
        const found = await index.search(query, filters());
        if (mine !== generation) return;
        current = found;
        list.replaceChildren();
        const n = found.hits.length;
        status.textContent = !found.searched
          ? "Type a word that is not a common one (the, of, and...)."
          : n === 0
            ? "No paragraph or recommendation matches."
            : `${n} ${n === 1 ? "match" : "matches"}, best first.`;
        await showMore();
        // what a test or the benchmark waits for: the query answered, and how fast
        panel.dataset.answered = query;
        panel.dataset.ms = (performance.now() - started).toFixed(1);
      } catch (error) {
        if (mine === generation) status.textContent = `Search is unavailable: ${error.message}`;
      }
    }

    let timer = null;
    input.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(run, 120);
    });
    input.addEventListener("focus", () => open().catch(() => {}), { once: true });
    input.form?.addEventListener("submit", (event) => {
      event.preventDefault();
      clearTimeout(timer);
      run();
    });
    more.addEventListener("click", () => showMore());
  }

  window.CRPSearch = {
    receive(name, data) {
      files.get(name)?.resolve(inflate(data));
    },
    analyze: (text, stopWords) => analyze(text, new Set(stopWords)),
    open: () => Index.open(),
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setUp);
  else setUp();
})();
