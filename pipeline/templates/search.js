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
  const MAX_SELECT = 40; // values a filter offers as a <select>
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

    /** The postings of `term`, decoded into typed arrays (a common word has tens of
     * thousands: no object per posting). */
    async postingsOf(term) {
      if (!this.postings.has(term)) {
        const firsts = this.m.termShards;
        const ints = (firsts.length && (await this.termShard(this.shardOf(term, firsts))).get(term)) || [];
        let n = 0;
        for (let i = 0; i < ints.length; i += 3 + ints[i + 2]) n++;
        const p = { n, rows: new Int32Array(n), weights: new Float64Array(n), starts: new Int32Array(n + 1) };
        p.positions = new Int32Array(ints.length - 3 * n);
        for (let i = 0, k = 0, row = 0, at = 0; k < n; k++) {
          p.rows[k] = row += ints[i];
          p.weights[k] = ints[i + 1];
          const count = ints[i + 2];
          i += 3;
          for (let c = 0, position = 0; c < count; c++) p.positions[at++] = position += ints[i++];
          p.starts[k + 1] = at;
        }
        this.postings.set(term, p);
      }
      return this.postings.get(term);
    }

    /** Hits of one word, {rows (ascending), scores, postings}: its stem's postings, and
     * with `prefix` those of every term it begins (at half weight, the best one counts). */
    async matchWord(word, matched) {
      const terms = [[word.term, 1]];
      if (word.prefix) for (const t of await this.expand(word.prefix)) if (t !== word.term) terms.push([t, 0.5]);
      const lists = [];
      for (const [term, boost] of terms) {
        const p = await this.postingsOf(term);
        if (!p.n) continue;
        matched.add(term);
        lists.push([p, (Math.log(1 + (this.m.rows - p.n + 0.5) / (p.n + 0.5)) * boost) / 10]);
      }
      if (lists.length === 1) {
        const [p, factor] = lists[0];
        return { rows: p.rows, scores: p.weights.map((w) => w * factor), postings: p };
      }
      const best = new Map();
      for (const [p, factor] of lists) {
        for (let k = 0; k < p.n; k++) best.set(p.rows[k], Math.max(best.get(p.rows[k]) || 0, p.weights[k] * factor));
      }
      const rows = Int32Array.from(best.keys()).sort();
      return { rows, scores: Float64Array.from(rows, (r) => best.get(r)), postings: null };
    }

    /** Hits of a phrase: rows holding its words at their offsets from the first word. */
    async matchPhrase(phrase, matched) {
      const words = [];
      for (const word of phrase) words.push(await this.matchWord({ term: word.term }, matched));
      const [first, ...others] = words.map((w) => w.postings);
      if (!first || others.some((o) => !o)) return EMPTY;
      const rows = [];
      const scores = [];
      const at = others.map(() => 0);
      for (let k = 0; k < first.n; k++) {
        const row = first.rows[k];
        const found = others.map((o, j) => {
          while (at[j] < o.n && o.rows[at[j]] < row) at[j]++;
          return at[j] < o.n && o.rows[at[j]] === row ? at[j] : -1;
        });
        if (found.includes(-1)) continue;
        const starts = first.positions.subarray(first.starts[k], first.starts[k + 1]);
        const inPlace = (p) =>
          others.every((o, j) => o.positions.subarray(o.starts[found[j]], o.starts[found[j] + 1]).includes(p + phrase[j + 1].offset - phrase[0].offset));
        if (!starts.some(inPlace)) continue;
        rows.push(row);
        scores.push(words.reduce((sum, w, j) => sum + w.scores[j === 0 ? k : found[j - 1]], 0));
      }
      return { rows: Int32Array.from(rows), scores: Float64Array.from(scores), postings: null };
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

    /** Hits of `query` under `filters` ({facet: value index}): rows best first, and the
     * terms that matched (for highlighting). */
    async search(query, filters) {
      const clauses = parseQuery(query, this.stopWords);
      const matched = new Set();
      let result = null;
      for (const clause of clauses) {
        const hits = clause.phrase
          ? await this.matchPhrase(clause.phrase, matched)
          : await this.matchWord(clause.word, matched);
        result = result === null ? hits : intersect(result, hits);
        if (!result.rows.length) break;
      }
      result ??= EMPTY;
      for (const [facet, value] of Object.entries(filters)) {
        const allowed = value < 0 ? new Set() : await this.facetRows(facet, value);
        result = keep(result, (row) => allowed.has(row));
      }
      const { rows, scores } = result;
      const order = Uint32Array.from(rows.keys()).sort((a, b) => scores[b] - scores[a] || rows[a] - rows[b]);
      return { hits: Array.from(order, (i) => rows[i]), matched, searched: clauses.length > 0 };
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

  const EMPTY = { rows: new Int32Array(0), scores: new Float64Array(0), postings: null };

  /** Rows in both hits (both ascending), their scores added. */
  function intersect(a, b) {
    const rows = [];
    const scores = [];
    for (let i = 0, j = 0; i < a.rows.length && j < b.rows.length; ) {
      if (a.rows[i] < b.rows[j]) i++;
      else if (a.rows[i] > b.rows[j]) j++;
      else {
        rows.push(a.rows[i]);
        scores.push(a.scores[i++] + b.scores[j++]);
      }
    }
    return { rows: Int32Array.from(rows), scores: Float64Array.from(scores), postings: null };
  }

  function keep(hits, test) {
    const picked = [...hits.rows.keys()].filter((i) => test(hits.rows[i]));
    return { rows: Int32Array.from(picked, (i) => hits.rows[i]), scores: Float64Array.from(picked, (i) => hits.scores[i]), postings: null };
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

    /** A <select> per filter; a text box with a list of suggestions where the values are
     * many (countries, organizations), which a <select> would make slow and long. */
    function buildFilters() {
      for (const facet of index.m.facets) {
        if (!facet.values.length) continue;
        const id = `search-${facet.name}`;
        let control;
        if (facet.values.length <= MAX_SELECT) {
          control = el("select", { "data-facet": facet.name, id });
          control.append(el("option", { value: "" }, "any"));
          facet.values.forEach(([, label, count], i) => control.append(el("option", { value: String(i) }, `${label} (${count})`)));
        } else {
          const list = el("datalist", { id: `${id}-values` });
          list.append(...facet.values.map(([, label]) => el("option", { value: label })));
          control = el("input", { "data-facet": facet.name, id, list: list.id, placeholder: "any", size: "14" });
          filterBox.append(list);
        }
        control.addEventListener("change", run);
        filterBox.append(el("label", { for: id }, facet.label, " "), control, " ");
      }
    }

    /** {facet: value index} of the filters set; a name typed that is no value matches nothing. */
    function filters() {
      const out = {};
      for (const control of filterBox.querySelectorAll("[data-facet]")) {
        if (!control.value) continue;
        const facet = index.m.facets.find((f) => f.name === control.dataset.facet);
        out[facet.name] = control.tagName === "SELECT" ? Number(control.value) : facet.values.findIndex(([, label]) => label === control.value);
      }
      return out;
    }

    async function showMore() {
      const mine = generation;
      const shown = list.children.length;
      const page = current.hits.slice(shown, shown + PAGE_SIZE);
      const rows = await Promise.all(page.map((row) => index.row(row)));
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
