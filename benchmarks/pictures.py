"""The hub's picture store as a synthetic course's would be after a term of updates.

Every participant has an avatar, and the posts' thumbnails are stored newest first until they
pass the term's picture budget (the site shows no more; an update fetches the newest first). Each
picture is a distinct WebP of the size the hub's encoder makes of a photo (about 2 KB an avatar,
7.5 KB a thumbnail), so the build publishes as many files and bytes as a real course's would.
"""

from __future__ import annotations

import io
import random
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from PIL import Image

from aggregator.picture_store import Kind, PictureStore, StoredPicture
from aggregator.pictures import Encoded
from benchmarks import synth

SIZES: dict[Kind, int] = {"avatar": 96, "thumb": 224}
MARGIN = 1.2  # thumbnails stored beyond the budget, as older posts' would be


def picture(seed: str, size: int) -> tuple[bytes, StoredPicture]:
    """A photo-like picture: a smooth random blend with some grain, as WebP."""
    rng = random.Random(seed)  # noqa: S311 - test data, not secrets
    image = Image.frombytes("RGB", (12, 12), rng.randbytes(12 * 12 * 3)).resize(
        (size, size), Image.Resampling.BICUBIC
    )
    grain = Image.effect_noise((size, size), 40).convert("RGB")
    out = io.BytesIO()
    Image.blend(image, grain, 0.15).save(out, "WEBP", quality=70)
    encoded = Encoded(out.getvalue(), size, size)  # named as the hub names its own
    return encoded.data, encoded.stored


def wanted(participants: int, posts: int, budget: int) -> Iterator[tuple[Kind, str, str]]:
    """(kind, address, owner) of every picture to store."""
    newest: list[tuple[float, str, str]] = []
    for n in range(participants):
        record = synth.record(n, posts)
        owner = record.participant.id
        yield "avatar", synth.avatar_url(n), owner
        newest += [(-p.published.timestamp(), p.image_url, owner) for p in record.posts if p.image_url]
    count = int(budget * MARGIN / 7_500)
    for _, url, owner in sorted(newest)[:count]:
        yield "thumb", url, owner


def _made(item: tuple[Kind, str, str]) -> tuple[Kind, str, str, bytes, StoredPicture]:
    kind, url, owner = item
    return (kind, url, owner, *picture(url, SIZES[kind]))


def write_store(folder: Path, participants: int, posts: int, budget: int) -> None:
    store = PictureStore(folder)
    with ProcessPoolExecutor(2) as pool:
        for kind, url, owner, data, stored in pool.map(
            _made, wanted(participants, posts, budget), chunksize=500
        ):
            store.add(kind, url, owner, data, stored)
    store.save()
