"""The machine's limit: fetch every feed of an OPML as fast as aiohttp can, and do nothing else.

    python -m benchmarks.raw FEEDS.opml [--concurrency 512]

Prints one JSON line: feeds, ok, seconds. The runner compares the hub's throughput with this.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
import xml.etree.ElementTree as ET

import aiohttp


async def fetch_all(urls: list[str], concurrency: int, timeout: float) -> int:
    gate = asyncio.Semaphore(concurrency)
    limits = aiohttp.TCPConnector(limit=concurrency, limit_per_host=0)
    async with aiohttp.ClientSession(
        connector=limits, timeout=aiohttp.ClientTimeout(total=timeout)
    ) as session:

        async def one(url: str) -> bool:
            async with gate:
                try:
                    async with session.get(url) as response:
                        await response.read()
                        return response.status == 200
                except (aiohttp.ClientError, TimeoutError):
                    return False

        return sum(await asyncio.gather(*(one(url) for url in urls)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("opml")
    parser.add_argument("--concurrency", type=int, default=512)
    parser.add_argument("--timeout", type=float, default=10)
    args = parser.parse_args()
    urls = [node.get("xmlUrl", "") for node in ET.parse(args.opml).iter("outline") if node.get("xmlUrl")]  # noqa: S314
    started = time.monotonic()
    ok = asyncio.run(fetch_all(urls, args.concurrency, args.timeout))
    print(json.dumps({"feeds": len(urls), "ok": ok, "seconds": round(time.monotonic() - started, 3)}))


if __name__ == "__main__":
    main()
