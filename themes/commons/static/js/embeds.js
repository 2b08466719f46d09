// Click-to-load embeds. The sanitizer stored each player it knows as a placeholder,
// <figure data-embed="provider:id">, holding a link to the original: nothing is loaded from the
// provider with the page. This adds a button; a click loads the provider's privacy-enhanced player.
// The player's address is built here from the provider and an id checked against its shape (the
// shapes of aggregator/embeds.py), never read from the page; the page's CSP lets in only the
// players its placeholders name.
"use strict";

const HOST = "(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]";
const PEERTUBE_ID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[1-9A-HJ-NP-Za-km-z]{22}";
// What each kind of player may do in its frame: play, go full screen, open the provider's own page.
const ALLOW = {
  video: "autoplay; encrypted-media; fullscreen; picture-in-picture",
  audio: "autoplay",
  pen: "",
  photo: "fullscreen",
};
const PLAYERS = {
  youtube: {
    name: "YouTube",
    kind: "video",
    id: /^([A-Za-z0-9_-]{11})$/,
    // youtube-nocookie.com: by YouTube's account, no cookie is set until the video plays.
    src: ([video]) => `https://www.youtube-nocookie.com/embed/${video}?autoplay=1`,
  },
  vimeo: {
    name: "Vimeo",
    kind: "video",
    id: /^([0-9]{1,12})$/,
    src: ([video]) => `https://player.vimeo.com/video/${video}?dnt=1&autoplay=1`, // dnt: no tracking
  },
  soundcloud: {
    name: "SoundCloud",
    kind: "audio",
    id: /^(tracks|playlists)\/([0-9]{1,15})$/,
    src: ([kind, number]) =>
      `https://w.soundcloud.com/player/?url=https%3A//api.soundcloud.com/${kind}/${number}&auto_play=true`,
  },
  peertube: {
    name: "PeerTube",
    kind: "video",
    id: new RegExp(`^(${HOST})/(${PEERTUBE_ID})$`),
    // p2p=0: the reader's address is not shared with other viewers over WebRTC.
    src: ([host, video]) => `https://${host}/videos/embed/${video}?p2p=0&autoplay=1`,
  },
  codepen: {
    name: "CodePen",
    kind: "pen",
    id: /^([A-Za-z0-9_-]{1,64})\/([A-Za-z0-9]{1,16})$/,
    src: ([user, pen]) => `https://codepen.io/${user}/embed/${pen}?default-tab=result`,
  },
  flickr: {
    name: "Flickr",
    kind: "photo",
    id: /^([A-Za-z0-9_@-]{1,64})\/([0-9]{1,20})$/,
    src: ([user, photo]) => `https://www.flickr.com/photos/${user}/${photo}/player/`,
  },
};

function playerOf(token) {
  const colon = token.indexOf(":");
  const key = token.slice(0, colon);
  const player = colon > 0 && Object.hasOwn(PLAYERS, key) ? PLAYERS[key] : null;
  const found = player && player.id.exec(token.slice(colon + 1));
  if (!found) {
    return null;
  }
  const src = player.src(found.slice(1));
  // A PeerTube "instance" on this very site would run its script with the site's rights.
  return new URL(src).origin === location.origin ? null : { ...player, src };
}

function load(player, title, button) {
  const frame = document.createElement("iframe");
  // Cross-origin frames: scripts and the provider's own storage, links out in a new tab; no forms,
  // no navigating this page, no downloads, no dialogs. Set before the address, as a rule.
  frame.setAttribute("sandbox", "allow-scripts allow-same-origin allow-popups allow-popups-to-escape-sandbox");
  frame.allow = ALLOW[player.kind];
  frame.title = title;
  frame.className = `embed-player embed-${player.kind}`;
  frame.src = player.src;
  button.replaceWith(frame);
  frame.focus();
}

for (const figure of document.querySelectorAll("figure[data-embed]")) {
  const player = playerOf(figure.dataset.embed);
  if (player) {
    const title = figure.textContent.trim(); // what the placeholder says: "YouTube video: <its title>"
    const button = document.createElement("button");
    button.type = "button";
    button.className = "embed-load";
    button.textContent = `Show the ${player.kind} here (loads from ${player.name})`;
    button.addEventListener("click", () => load(player, title, button), { once: true });
    figure.prepend(button);
  }
}
