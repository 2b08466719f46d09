"""Production settings: everything in pelicanconf.py, plus what a public site needs.

The publish workflow builds with this file. SITEURL comes from the environment (GitHub Pages'
address, given by actions/configure-pages), so a fork publishes at its own address unchanged.
"""

import os
import sys

sys.path.append(os.curdir)
from pelicanconf import *  # noqa: F403

SITEURL = (os.environ.get("SITEURL") or "https://learning-in-the-open.example").rstrip("/")
PUBLIC_URL = SITEURL  # canonical links, Open Graph, the sitemap and the cohort's feeds
RELATIVE_URLS = False
DELETE_OUTPUT_DIRECTORY = True

HUB = {**HUB, "allow_private": False}  # noqa: F405 - a public build never fetches from private networks
