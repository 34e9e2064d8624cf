"""The TSA over HTTP (RFC 3161 §3.4), as a plain WSGI application.

POST /tsa takes a DER TimeStampReq with Content-Type application/timestamp-query and
answers a DER TimeStampResp with application/timestamp-reply; GET /tsa/certs gives the
certificate chain so that third parties can fetch it (they must still get the root
through another channel before trusting it). The handler functions are public so that
the Flask application can mount them on its own routes.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from timestamp.authority import Authority

QUERY_TYPE = "application/timestamp-query"
REPLY_TYPE = "application/timestamp-reply"
CHAIN_TYPE = "application/pem-certificate-chain"  # RFC 8555 §9.1
# A TimeStampReq with a SHA-512 imprint, a 20-byte nonce and a policy is under 200
# bytes: anything far bigger is not a request worth reading.
MAX_QUERY_BYTES = 16 * 1024

StartResponse = Callable[..., object]


def handle_query(authority: Authority, body: bytes) -> bytes:
    """TimeStampResp for a request body; malformed bodies get a rejection, never an error."""
    return authority.respond(body)


def handle_certs(authority: Authority) -> bytes:
    return authority.certificates_pem()


def make_wsgi_app(authority: Authority) -> Callable[[dict, StartResponse], Iterable[bytes]]:
    def app(environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if path == "/tsa":
            if method != "POST":
                return _text(
                    start_response, "405 Method Not Allowed", "use POST", [("Allow", "POST")]
                )
            content_type = environ.get("CONTENT_TYPE", "").split(";")[0].strip().lower()
            if content_type != QUERY_TYPE:
                return _text(start_response, "415 Unsupported Media Type", f"expected {QUERY_TYPE}")
            try:
                size = int(environ.get("CONTENT_LENGTH") or 0)
            except ValueError:
                return _text(start_response, "400 Bad Request", "invalid Content-Length")
            if size > MAX_QUERY_BYTES:
                return _text(start_response, "413 Content Too Large", "request too large")
            body = environ["wsgi.input"].read(size) if size > 0 else b""
            return _reply(start_response, REPLY_TYPE, handle_query(authority, body))
        if path == "/tsa/certs":
            if method not in ("GET", "HEAD"):
                return _text(
                    start_response, "405 Method Not Allowed", "use GET", [("Allow", "GET")]
                )
            return _reply(start_response, CHAIN_TYPE, handle_certs(authority))
        return _text(start_response, "404 Not Found", "not found")

    return app


def _reply(start_response: StartResponse, content_type: str, body: bytes) -> list[bytes]:
    start_response(
        "200 OK",
        [
            ("Content-Type", content_type),
            ("Content-Length", str(len(body))),
            ("Cache-Control", "no-store"),
        ],
    )
    return [body]


def _text(
    start_response: StartResponse,
    status: str,
    message: str,
    extra: list[tuple[str, str]] | None = None,
) -> list[bytes]:
    body = f"{message}\n".encode()
    headers = [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))]
    start_response(status, headers + (extra or []))
    return [body]


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True  # rebinding the same port right after a stop


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def serve_in_thread(
    app: Callable, *, host: str = "127.0.0.1", port: int = 0
) -> tuple[str, Callable[[], None]]:
    """Serve `app` with wsgiref from a background thread, for tests and benchmarks.

    Returns the base URL and a `stop` function. Pass the port of a stopped server to
    start again on the same address (the "TSA down, then back" scenario).
    """
    server = make_server(
        host, port, app, server_class=_ThreadingServer, handler_class=_QuietHandler
    )
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()

    def stop() -> None:
        server.shutdown()
        server.server_close()
        thread.join()

    return f"http://{host}:{server.server_port}", stop
