// Search is an extra: every page works without it. This builds the search box and its results from
// Pagefind's index (pagefind.js, built with the site), so that each post and each participant is a
// result of its own. What the index holds comes from feeds: it is set as text, never as HTML.
//
// The templates' side of it: Pagefind makes a sub-result of each heading with an id. A card's
// heading has the id "post-…", its author is in the page's metadata "by-post-…" and its week in
// "week"; a participant's heading on the participants' list has the id "person-" and their hub id,
// which names their page, cohort/people/<id>/. (Metadata for each of 35,000 names would more than
// double what Pagefind takes to index the site: 2.8 s against 6.4 s, measured.)
"use strict";

const PAGES_AT_ONCE = 8; // index pages read per batch: a week page can hold twenty hits

const search = {
  pagefind: null,
  term: "",
  pages: [], // Pagefind's results for the term: one per page, best first
  read: 0, // how many of them are shown
  round: 0, // counts the searches, so that pages read for an earlier one are dropped
  words: {}, // the page's words, in the course's language: the data-* of the search box
};

start();

async function start() {
  const box = document.getElementById("search");
  search.words = box.dataset;
  try {
    const bundle = new URL(box.dataset.bundlePath, document.baseURI);
    search.pagefind = await import(new URL("pagefind.js", bundle).href);
    search.pagefind.init(); // fetch the index's entry files while the reader types
  } catch {
    return; // no index (a build with SEARCH off): the page keeps saying how to browse instead
  }
  document.getElementById("no-search").hidden = true;
  box.append(...form());
  const input = document.getElementById("search-input");
  input.addEventListener("input", () => find(input.value.trim()));
  document.getElementById("search-more").addEventListener("click", more);
}

function form() {
  const label = element("label", "search-label", search.words.label);
  label.htmlFor = "search-input";
  const input = element("input", "search-input");
  Object.assign(input, { id: "search-input", type: "search", autocomplete: "off" });
  const status = element("p", "search-status");
  Object.assign(status, { id: "search-status", role: "status" });
  const list = element("ol", "hits");
  list.id = "search-hits";
  const button = element("button", "search-more", search.words.more);
  Object.assign(button, { id: "search-more", type: "button", hidden: true });
  return [label, input, status, list, button];
}

async function find(term) {
  const found = term ? await search.pagefind.debouncedSearch(term, {}, 200) : { results: [] };
  if (found === null) {
    return; // a later keystroke replaced this search
  }
  Object.assign(search, { term, pages: found.results, read: 0, round: search.round + 1 });
  document.getElementById("search-hits").replaceChildren();
  await more();
}

async function more() {
  const round = search.round;
  const batch = search.pages.slice(search.read, search.read + PAGES_AT_ONCE);
  search.read += batch.length;
  const pages = await Promise.all(batch.map((result) => result.data()));
  if (round !== search.round) {
    return; // the reader typed on while the pages loaded
  }
  const list = document.getElementById("search-hits");
  // People before posts: a name typed is most often the person looked for, whose page a short
  // page of another term's cards, which ranks higher by its length, would otherwise push down.
  const hits = pages.flatMap(hitsOf);
  list.append(...[...hits.filter(isPerson), ...hits.filter((hit) => !isPerson(hit))].map(render));
  document.getElementById("search-more").hidden = search.read >= search.pages.length;
  say(list.children.length);
}

function say(count) {
  const status = document.getElementById("search-status");
  if (!search.term) {
    status.textContent = "";
  } else {
    const lang = document.documentElement.lang;
    const category = new Intl.PluralRules(lang).select(count);
    const more = search.read < search.pages.length ? "More" : "";
    // A category the page has no sentence for (a count no catalog tells apart) says "other"'s.
    const counted = search.words[`found${more}${capital(category)}`] ?? search.words[`found${more}Other`];
    const sentence = count === 0 ? search.words.none : counted;
    // Digits as the pages' numbers have them (Babel writes Latin digits for every shipped language).
    const number = count.toLocaleString(lang, { numberingSystem: "latn" });
    status.textContent = filled(sentence, { term: search.term, count: number });
  }
}

// The hits of one page: its cards or participants that match, best first, else the page itself.
// A page found by its metadata alone (a card's author) has no sub-result, and nothing to show: that
// participant is found on the participants' list.
function hitsOf(page) {
  const items = page.sub_results.map((sub) => itemOf(page, sub)).filter(Boolean);
  items.sort((a, b) => b.score - a.score);
  if (items.length || !page.sub_results.length) {
    return items;
  }
  const week = page.meta.week ? [["hit-week", page.meta.week]] : [];
  return [{ title: page.meta.title, url: page.url, excerpt: page.excerpt, about: week }];
}

function isPerson(hit) {
  return hit.about.some(([kind]) => kind === "hit-kind");
}

function itemOf(page, sub) {
  const id = sub.anchor ? sub.anchor.id : "";
  const score = Math.max(0, ...sub.weighted_locations.map((place) => place.balanced_score));
  const author = page.meta[`by-${id}`];
  if (author) {
    const about = [["hit-by", author], ["hit-week", page.meta.week]];
    return { title: sub.title, url: sub.url, excerpt: sub.excerpt, about, score };
  }
  if (id.startsWith("person-")) {
    const term = page.meta.term ? [["hit-week", page.meta.term]] : []; // which term's cohort, when there are terms
    const about = [["hit-kind", search.words.participant], ...term];
    return { title: sub.title, url: personPage(sub.url, id), excerpt: sub.excerpt, about, score };
  }
  return null;
}

// A participant's page, from the address of their heading on a page of the participants' list
// (cohort/participants/, or cohort/participants/page/N/, wherever the site is served).
function personPage(listed, id) {
  const url = new URL(listed, document.baseURI);
  url.pathname = url.pathname.replace(/cohort\/participants\/(page\/\d+\/)?$/, `cohort/people/${id.slice("person-".length)}/`);
  url.hash = "";
  return url.href;
}

function render(hit) {
  const item = element("li", "hit");
  const heading = element("h2", "hit-title");
  // What participants wrote keeps its own direction in a page of another (an English post's title
  // in an Arabic course), as on the cards.
  const link = Object.assign(element("a", "", hit.title), { href: hit.url, dir: "auto" });
  heading.append(link);
  item.append(heading);
  if (hit.about.length) {
    const about = element("p", "hit-about");
    about.append(...hit.about.map(([className, text]) => Object.assign(element("span", className, text), { dir: "auto" })));
    item.append(about);
  }
  item.append(excerpt(hit.excerpt));
  return item;
}

// Pagefind's excerpt is the page's text with "<" and ">" escaped as "&lt;" and "&gt;" and each
// match wrapped in <mark>: those are the only tags in it, so splitting on them and undoing the two
// escapes gives back the text, which is shown as text. ("&" is not escaped: a text that spells
// "&lt;" itself shows as "<", still as text.)
function excerpt(html) {
  const paragraph = Object.assign(element("p", "hit-excerpt"), { dir: "auto" });
  for (const part of html.split(/(<mark>.*?<\/mark>)/)) {
    const marked = part.startsWith("<mark>");
    const text = unescape(marked ? part.slice("<mark>".length, -"</mark>".length) : part);
    paragraph.append(marked ? element("mark", "", text) : text);
  }
  return paragraph;
}

function capital(word) {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

// A sentence of the page's with its {names} filled in, as text.
function filled(sentence, values) {
  return sentence.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? values[name] : whole));
}

function unescape(text) {
  return text.replaceAll("&lt;", "<").replaceAll("&gt;", ">");
}

function element(tag, className, text = "") {
  const made = document.createElement(tag);
  if (className) {
    made.className = className;
  }
  made.textContent = text;
  return made;
}
