"""Fixtures for the mme.fileio tests: a real S3 server (moto) and a real HTTP server."""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

BUCKET = "mme-test"
_AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_until_up(url: str, proc: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"moto server exited with code {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except urllib.error.HTTPError:
            return  # it answers, even if with an error status
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"moto server did not answer on {url} within {timeout} s")


def _start_moto(attempts: int = 3) -> tuple[subprocess.Popen[bytes], str]:
    """Start moto's S3 server on a free port; a port taken in the meantime means a new one."""
    attempt = 0
    while True:
        attempt += 1
        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        proc = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            _wait_until_up(url, proc)
            return proc, url
        except RuntimeError:  # moto exited (port taken) or never answered
            proc.kill()
            proc.wait()
            if attempt == attempts:
                raise


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """Start moto's standalone S3 server on 127.0.0.1 with a bucket; yield its URL.

    The dummy credentials and the endpoint are set in the environment for the
    session (so ``s3://`` URIs work without backend_args, as in the spec) and
    restored afterwards.
    """
    pytest.importorskip("moto.server", reason="the S3 tests need moto: pip install 'moto[server]'")
    pytest.importorskip("s3fs", reason="the S3 tests need s3fs: pip install 'mme-fileio[s3]'")
    proc, url = _start_moto()
    saved = {k: os.environ.get(k) for k in [*_AWS_ENV, "AWS_ENDPOINT_URL"]}
    try:
        os.environ.update(_AWS_ENV)
        os.environ["AWS_ENDPOINT_URL"] = url
        import s3fs

        s3fs.S3FileSystem.clear_instance_cache()
        s3fs.S3FileSystem(endpoint_url=url).mkdir(BUCKET)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        with contextlib.suppress(ImportError):
            import s3fs

            s3fs.S3FileSystem.clear_instance_cache()


@pytest.fixture
def s3_root(s3_endpoint: str) -> str:
    """A fresh, empty ``s3://`` folder for one test."""
    return f"s3://{BUCKET}/{uuid.uuid4().hex}"


@pytest.fixture
def memory_root() -> Iterator[str]:
    """A fresh ``memory://`` folder for one test, removed afterwards."""
    import fsspec

    root = f"memory://{uuid.uuid4().hex}"
    yield root
    fs = fsspec.filesystem("memory")
    with contextlib.suppress(FileNotFoundError):
        fs.rm(root.removeprefix("memory://"), recursive=True)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="session")
def http_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """Serve a temporary folder over HTTP on 127.0.0.1; yield (base URL, folder)."""
    root = tmp_path_factory.mktemp("http-root")
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", root
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
