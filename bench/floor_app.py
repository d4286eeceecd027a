"""The bare WSGI app of ``bench.delivery_floors``: one file, by ``wsgi.file_wrapper``
(sendfile) where the server has one (gunicorn), else read whole into one body (granian)."""
import os

PATH = os.environ.get("FLOOR_FILE", "")
SIZE = str(os.path.getsize(PATH)) if PATH else "0"


def application(environ, start_response):
    start_response("200 OK", [("Content-Type", "image/jpeg"), ("Content-Length", SIZE)])
    if wrapper := environ.get("wsgi.file_wrapper"):
        return wrapper(open(PATH, "rb"), 65536)
    with open(PATH, "rb") as fp:
        return [fp.read()]
