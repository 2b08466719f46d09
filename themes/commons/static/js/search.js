// Search is an extra: every page works without it. Pagefind's UI reads the index built with the site.
window.addEventListener("DOMContentLoaded", () => {
  const element = document.getElementById("search");
  document.getElementById("no-search").hidden = true;
  // eslint-disable-next-line no-undef
  new PagefindUI({ element: "#search", bundlePath: element.dataset.bundlePath, showImages: false, resetStyles: false });
  // Pagefind's input carries only a placeholder; give it a name that screen readers announce.
  const input = element.querySelector("input");
  if (input) {
    input.setAttribute("aria-label", "Search the course and the cohort's posts");
  }
});
