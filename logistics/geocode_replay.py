"""A local HTTP server that answers like the BAN geocoder, from recorded answers.

For tests and offline demos: :class:`ReplayServer` serves a JSON file of answers
(``{"answers": {query: BAN FeatureCollection}}``) on ``127.0.0.1`` at ``/search`` the
way ``api-adresse.data.gouv.fr`` does, so that the real geopy geocoder, HTTP stack and
cache are exercised, not a mock. Point a scenario at it with
``geocoding: {domain: "127.0.0.1:PORT", scheme: http}`` or ``logistics geocode
--geocoder-url http://127.0.0.1:PORT``. With ``format=json`` in the query it answers
as Nominatim does (a list of places) from the same answers.
"""

from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

__all__ = ["ReplayServer"]


def _normalise(query: str) -> str:
    return re.sub(r"\s+", " ", query).strip().casefold()


class ReplayServer:
    """Serve recorded geocoder answers on ``127.0.0.1`` in a background thread.

    Parameters
    ----------
    answers
        A JSON file, or a mapping, with key ``answers``: query -> BAN answer (a
        GeoJSON FeatureCollection). Queries match without case or extra spaces;
        an unknown query gets an answer without features (no match), as from BAN.

    Attributes
    ----------
    queries
        Every query received, in order (a rerun that uses the cache adds none).
    """

    def __init__(self, answers: Path | dict[str, Any]) -> None:
        data = (
            json.loads(Path(answers).read_text(encoding="utf-8"))
            if isinstance(answers, Path | str)
            else answers
        )
        self.answers = {_normalise(q): a for q, a in data["answers"].items()}
        self.queries: list[str] = []
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def domain(self) -> str:
        """``127.0.0.1:PORT``, for geopy's ``domain`` (with ``scheme="http"``)."""
        if self._server is None:
            msg = "the replay server is not running; use it as a context manager"
            raise RuntimeError(msg)
        return f"127.0.0.1:{self._server.server_address[1]}"

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return f"http://{self.domain}"

    def __enter__(self) -> ReplayServer:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="geocode-replay", daemon=True
        )
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None

    def answer(self, query: str, *, nominatim: bool) -> tuple[int, Any]:
        """Return the HTTP status and JSON body for ``query`` (as BAN or Nominatim)."""
        if not 3 <= len(query.strip()) <= 200:
            # What BAN answers to a too short or too long query.
            return 400, {
                "code": 400,
                "detail": ["q: must contain between 3 and 200 chars"],
            }
        found = self.answers.get(_normalise(query))
        features = found["features"] if found else []
        if nominatim:
            return 200, [_nominatim_place(f) for f in features]
        body = found or {
            "type": "FeatureCollection",
            "version": "draft",
            "features": [],
            "attribution": "BAN",
            "licence": "ETALAB-2.0",
            "query": query,
            "limit": 5,
        }
        return 200, body

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        replay = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                url = urlparse(self.path)
                params = parse_qs(url.query)
                if url.path != "/search":
                    self._send(404, {"code": 404, "message": "not found"})
                    return
                query = params.get("q", [""])[0]
                replay.queries.append(query)
                nominatim = params.get("format", [""])[0] == "json"
                self._send(*replay.answer(query, nominatim=nominatim))

            def _send(self, status: int, body: Any) -> None:
                data = json.dumps(body).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                """Stay quiet: tests and examples read stdout and stderr."""

        return Handler


def _nominatim_place(feature: dict[str, Any]) -> dict[str, Any]:
    """The same match as Nominatim writes it (coordinates as strings)."""
    lon, lat = feature["geometry"]["coordinates"]
    props = feature.get("properties", {})
    return {
        "lat": f"{lat}",
        "lon": f"{lon}",
        "display_name": props.get("label", ""),
        "importance": props.get("importance", 0.5),
        "class": "place",
        "type": props.get("type", "house"),
    }
