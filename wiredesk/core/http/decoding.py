"""Undo Content-Encoding in bounded steps, so a small bomb never expands past the cap.

Each zlib call is given ``max_length``; the caller counts the decoded pieces and stops
pulling as soon as its cap is passed (Miniflux wraps its decoder in a MaxBytesReader for
the same reason).
"""

from __future__ import annotations

import zlib
from typing import Iterator

from .errors import FetchError

# Only what the client advertises in Accept-Encoding (no brotli/zstd module is installed).
ACCEPT_ENCODING = "gzip, deflate"
MAX_CODINGS = 2  # "gzip, gzip" is handled; deeper stacks are refused
_PIECE = 64 * 1024


def _bad(message: str) -> FetchError:
    return FetchError("bad_encoding", message)


class _Stage:
    """One content coding: gzip (possibly several members) or deflate (zlib or raw)."""

    def __init__(self, coding: str) -> None:
        self.coding = coding
        self._z: "zlib._Decompress | None" = None
        self._pending = b""  # deflate needs two bytes to tell zlib from raw deflate
        self._done = False  # stream ended; trailing bytes (deflate) or zero padding ignored
        self._members = 0

    def _start(self, data: bytes) -> None:
        if self.coding == "gzip":
            self._z = zlib.decompressobj(16 + zlib.MAX_WBITS)
        else:
            # RFC 9110 says zlib format; some servers send raw deflate (RFC 1951) instead.
            cmf, flg = data[0], data[1]
            wrapped = cmf & 0x0F == 8 and (cmf << 8 | flg) % 31 == 0
            self._z = zlib.decompressobj(zlib.MAX_WBITS if wrapped else -zlib.MAX_WBITS)

    def feed(self, data: bytes) -> Iterator[bytes]:
        if self._done or not data:
            return
        if self._z is None:
            data = self._pending + data
            if self.coding == "deflate" and len(data) < 2:
                self._pending = data
                return
            self._pending = b""
            if self._members and not data.strip(b"\0"):
                self._done = True  # zero padding after the last gzip member
                return
            self._start(data)
        yield from self._run(data)

    def _run(self, data: bytes) -> Iterator[bytes]:
        z = self._z
        assert z is not None
        while True:
            try:
                out = z.decompress(data, _PIECE)
            except zlib.error as exc:
                raise _bad(f"invalid {self.coding} data: {exc}") from None
            data = z.unconsumed_tail
            if out:
                yield out
            if z.eof:
                self._members += 1
                rest = z.unused_data + data
                if self.coding == "deflate" or (rest and not rest.strip(b"\0")):
                    self._done = True
                    return
                self._z = None
                if not rest:
                    return  # another gzip member may start in the next chunk
                self._start(rest)  # concatenated gzip members (RFC 1952 2.2)
                z, data = self._z, rest
                assert z is not None
                continue
            if not data and len(out) < _PIECE:
                return

    def finish(self) -> Iterator[bytes]:
        if self._pending:
            raise _bad(f"truncated {self.coding} data")
        if self._z is not None and not self._done:
            yield from self._run(b"")
            if self._z is not None and not self._z.eof:
                raise _bad(f"truncated {self.coding} data")


class Decoder:
    """Decode a body with the codings of a Content-Encoding header, piece by piece."""

    def __init__(self, content_encoding: str | None) -> None:
        codings = []
        for raw in (content_encoding or "").split(","):
            coding = raw.strip().lower()
            if coding in ("", "identity"):
                continue
            if coding in ("gzip", "x-gzip"):
                codings.append("gzip")
            elif coding == "deflate":
                codings.append("deflate")
            else:
                raise _bad(f"unsupported Content-Encoding {coding!r}")
        if len(codings) > MAX_CODINGS:
            raise _bad(f"{len(codings)} stacked content codings refused")
        # Codings are listed in the order applied; undo them last first.
        self._stages = [_Stage(c) for c in reversed(codings)]

    def _push(self, index: int, data: bytes) -> Iterator[bytes]:
        if index == len(self._stages):
            yield data
            return
        for out in self._stages[index].feed(data):
            yield from self._push(index + 1, out)

    def feed(self, data: bytes) -> Iterator[bytes]:
        """Yield decoded pieces (each at most 64 KiB for compressed bodies) of ``data``."""
        yield from self._push(0, data)

    def finish(self) -> Iterator[bytes]:
        """Yield what is left once the body has ended; refuse truncated streams."""
        for index, stage in enumerate(self._stages):
            for out in stage.finish():
                yield from self._push(index + 1, out)
