"""A headless Chromium driven over the DevTools protocol on a pipe (no extra package).

Chromium started with ``--remote-debugging-pipe`` reads DevTools commands on file
descriptor 3 and writes replies and events on descriptor 4, each message a JSON text
followed by a NUL byte. A bash wrapper puts the two pipe ends on 3 and 4 before it
execs the browser. Every page runs with the network blocked, as offline.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shutil
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
"""Executable names looked up on PATH (``LOGISTICS_CHROMIUM`` overrides them)."""

INSTALL_LOG = Path(__file__).resolve().parents[2] / ".venv" / "chromium-install.log"
"""Where ``make test`` notes why it could not install Chromium."""


def find_chromium() -> tuple[str | None, str]:
    """Return the browser's path, or ``None`` and why none was found."""
    override = os.environ.get("LOGISTICS_CHROMIUM", "").strip()
    if override:
        found = shutil.which(override)
        if found:
            return found, ""
        return None, f"LOGISTICS_CHROMIUM={override!r} is not an executable"
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found, ""
    why = (
        f"no Chromium on PATH (looked for {', '.join(BROWSERS)}); `make test` "
        "installs Debian's chromium with apt-get when it runs as root"
    )
    if INSTALL_LOG.is_file():
        tail = INSTALL_LOG.read_text(errors="replace").strip().splitlines()[-3:]
        why += "; it could not: " + " / ".join(tail)
    return None, why


class Browser:
    """One headless Chromium; :meth:`open` gives a page session to drive."""

    def __init__(self, binary: str, profile: Path, *, timeout_s: float = 60.0) -> None:
        self.timeout_s = timeout_s
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()
        command = [
            binary,
            "--headless",
            "--no-sandbox",  # tests run as root in CI
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--allow-file-access-from-files",  # a report may frame the map
            "--remote-debugging-pipe",
            f"--user-data-dir={profile}",
            "about:blank",
        ]
        wrapper = f'exec "$@" 3<&{to_browser_r} 4>&{from_browser_w}'
        self._log_path = profile.parent / "chromium.log"
        self._log = self._log_path.open("wb")
        self._process = subprocess.Popen(
            ["bash", "-c", wrapper, "bash", *command],
            pass_fds=(to_browser_r, from_browser_w),
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._next_id = 0
        self._messages: list[dict[str, Any]] = []
        self._arrived = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        buffer = b""
        while chunk := os.read(self._from_browser, 1 << 16):
            buffer += chunk
            *messages, buffer = buffer.split(b"\0")
            with self._arrived:
                self._messages.extend(json.loads(m) for m in messages if m)
                self._arrived.notify_all()

    def _wait_for(self, match: Any, what: str) -> dict[str, Any]:
        deadline = time.monotonic() + self.timeout_s
        with self._arrived:
            while True:
                for message in self._messages:
                    if match(message):
                        self._messages.remove(message)
                        return message
                left = deadline - time.monotonic()
                if left <= 0 or self._process.poll() is not None:
                    gave = f"Chromium gave no {what} within {self.timeout_s:.0f} s"
                    raise TimeoutError(self._failure(gave))
                self._arrived.wait(min(left, 0.5))

    def _failure(self, what: str) -> str:
        """Say what went wrong, with the exit status and the end of the log."""
        self._log.flush()
        log = self._log_path.read_text(errors="replace").splitlines()
        return (
            f"{what} (exit status {self._process.poll()}); its log ends: "
            + " / ".join(log[-5:])
        )

    def send(
        self, method: str, params: dict[str, Any] | None = None, session: str = ""
    ) -> dict[str, Any]:
        """Send one command and return its result (raise on a protocol error)."""
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method}
        message["params"] = params or {}
        if session:
            message["sessionId"] = session
        try:
            os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        except BrokenPipeError:
            stopped = f"Chromium stopped before {method}"
            raise RuntimeError(self._failure(stopped)) from None
        number = self._next_id
        reply = self._wait_for(lambda m: m.get("id") == number, f"reply to {method}")
        if "error" in reply:
            msg = f"{method} failed: {reply['error']}"
            raise RuntimeError(msg)
        result: dict[str, Any] = reply.get("result", {})
        return result

    def open(self, url: str) -> Page:
        """Open ``url`` in a new tab with every http(s) request blocked."""
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send(
            "Target.attachToTarget", {"targetId": target, "flatten": True}
        )["sessionId"]
        page = Page(self, session)
        page.send("Network.enable")
        page.send("Network.setBlockedURLs", {"urls": ["http://*", "https://*"]})
        page.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": False},
        )
        page.send("Page.enable")
        page.send("Page.navigate", {"url": url})
        page.wait_until("document.readyState === 'complete'")
        return page

    def close(self) -> None:
        """Stop the browser (the process this object started) and its reader."""
        with contextlib.suppress(RuntimeError, TimeoutError, OSError):
            self.send("Browser.close")
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        os.close(self._to_browser)
        self._reader.join(timeout=5)
        os.close(self._from_browser)
        self._log.close()


class Page:
    """A tab: evaluate JavaScript, take screenshots."""

    def __init__(self, browser: Browser, session: str) -> None:
        self.browser = browser
        self.session = session

    def send(self, method: str, params: dict[str, Any] | None = None) -> Any:
        return self.browser.send(method, params, self.session)

    def evaluate(self, expression: str) -> Any:
        """Return the JSON value of a JavaScript expression (exceptions raise)."""
        result = self.send(
            "Runtime.evaluate", {"expression": expression, "returnByValue": True}
        )
        if "exceptionDetails" in result:
            msg = f"JavaScript error in {expression!r}: {result['exceptionDetails']}"
            raise RuntimeError(msg)
        return result["result"].get("value")

    def wait_until(self, expression: str) -> None:
        """Poll a JavaScript condition until it holds."""
        deadline = time.monotonic() + self.browser.timeout_s
        while not self.evaluate(f"Boolean({expression})"):
            if time.monotonic() > deadline:
                msg = f"still false after {self.browser.timeout_s:.0f} s: {expression}"
                raise TimeoutError(msg)
            time.sleep(0.1)

    def screenshot(self, path: Path) -> bytes:
        """Save a PNG of the viewport to ``path`` and return its bytes."""
        data = base64.b64decode(
            self.send("Page.captureScreenshot", {"format": "png"})["data"]
        )
        path.write_bytes(data)
        return data
