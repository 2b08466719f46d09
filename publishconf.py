"""Production settings: everything in pelicanconf.py, plus what a public site needs."""

import os
import sys

sys.path.append(os.curdir)
from pelicanconf import *  # noqa: F403

SITEURL = os.environ.get("SITEURL", "https://learning-in-the-open.example")
PUBLIC_URL = SITEURL
RELATIVE_URLS = False
DELETE_OUTPUT_DIRECTORY = True

HUB = {**HUB, "allow_private": False}  # noqa: F405 - a public build never fetches from private networks
