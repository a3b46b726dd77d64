"""moto's server with DynamoDB made atomic across request threads.

moto's threaded server checks a DynamoDB condition and applies the write without a lock shared by
request threads, so two concurrent conditional writes (or transactions) on one item can both
succeed, which DynamoDB never allows (docs/decisions/0002). This wrapper serves the same moto app
with one process-wide lock held for every DynamoDB request (`X-Amz-Target: DynamoDB_…`), reads
included, so a reader never sees half of a transaction, and for moto's own `/moto-api/`. Other
services (SQS long polls above all) are not serialised.

Usage: python moto_server.py HOST PORT
"""

import os
import sys
import threading

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import run_simple


class SerialisedDynamoDb:
    """WSGI middleware: one DynamoDB request at a time, everything else concurrent."""

    def __init__(self, app):
        self.app = app
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        dynamodb = environ.get("HTTP_X_AMZ_TARGET", "").startswith("DynamoDB_")
        # moto's own API (data.json, reset) walks every backend's dictionaries, which fails when
        # a DynamoDB write changes them meanwhile.
        moto_api = environ.get("PATH_INFO", "").startswith("/moto-api/")
        if not (dynamodb or moto_api):
            return self.app(environ, start_response)
        with self.lock:
            # The body is produced inside the lock: a lazy iterable would run the backend after
            # the lock is released.
            return [b"".join(self.app(environ, start_response))]


def main():
    host, port = sys.argv[1], int(sys.argv[2])
    # As moto's own entry point does: queue URLs and the like name the port.
    os.environ.setdefault("MOTO_PORT", str(port))
    app = DomainDispatcherApplication(create_backend_app)
    run_simple(
        host,
        port,
        SerialisedDynamoDb(app),
        threaded=True,
        request_handler=MotoRequestHandler,
    )


if __name__ == "__main__":
    main()
