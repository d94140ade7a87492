"""A stand-in for ``rasa run --enable-api`` (run as ``python -m fake_rasa_server``) for the
supervision tests: the same command-line options, ``/status`` and ``/model/parse`` behind the
auth token. Standard library only; it listens on 127.0.0.1."""

from __future__ import annotations

import argparse
import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--auth-token", default="")
    args, _unknown = parser.parse_known_args()

    class Handler(BaseHTTPRequestHandler):
        def _authorised(self) -> bool:
            token = parse_qs(urlsplit(self.path).query).get("token", [""])[0]
            if token != args.auth_token:
                self.send_response(401)
                self.end_headers()
                return False
            return True

        def _json(self, body: object) -> None:
            data = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            if self._authorised():
                self._json({"model_file": "fake.tar.gz"})

        def do_POST(self) -> None:
            if not self._authorised():
                return
            length = int(self.headers.get("Content-Length", 0))
            text = json.loads(self.rfile.read(length))["text"]
            self._json({"text": text, "intent": {"name": "greet", "confidence": 0.9}})

        def log_message(self, *_args: object) -> None:
            pass

    ThreadingHTTPServer(("127.0.0.1", args.port), Handler).serve_forever()


if __name__ == "__main__":
    main()
