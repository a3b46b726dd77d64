"""moto's server with DynamoDB made atomic across request threads.

moto's threaded server checks a DynamoDB condition and applies the write without a lock shared by
request threads, so two concurrent conditional writes (or transactions) on one item can both
succeed, which DynamoDB never allows (docs/decisions/0002). This wrapper serves the same moto app
with one process-wide lock held for every DynamoDB request (`X-Amz-Target: DynamoDB_…`), reads
included, so a reader never sees half of a transaction, and for moto's own `/moto-api/`. Other
services (SQS long polls above all) are not serialised.

moto also backs up a transaction by deep-copying the whole table once per item of the
transaction, so a write costs time and memory in proportion to the table: seeding a month of
demo history took minutes and gigabytes. Under the lock a transaction is alone, so an undo log
of the few items it touches rolls it back just as well (`UndoLogTransactions`).

For the chaos run (`make chaos`) the wrapper also answers `/_marketdesk/` itself:
`POST /_marketdesk/chaos` with `{"write_throttle_percent": n, "seed": s}` makes that share of
DynamoDB writes fail with `ProvisionedThroughputExceededException` before they reach the backend
(as DynamoDB throttles: nothing is written), and `GET /_marketdesk/ses/sent` lists the raw
mails SES accepted, so a run can count how often each reply went out. The chaos answer also
counts the requests served, by operation.

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

import copy
import json
import random
import moto.dynamodb.models as dynamodb_models
from moto.dynamodb.models.table import Table


WRITES = {"PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem"}


class Chaos:
    """What the chaos run asks of the emulator: a share of DynamoDB writes throttled."""

    def __init__(self):
        self.lock = threading.Lock()
        self.percent = 0.0
        self.random = random.Random(0)
        self.throttled = 0
        self.requests = {}

    def count(self, what):
        with self.lock:
            self.requests[what] = self.requests.get(what, 0) + 1

    def configure(self, body):
        with self.lock:
            self.percent = float(body.get("write_throttle_percent", 0))
            self.random = random.Random(int(body.get("seed", 0)))
            return {
                "write_throttle_percent": self.percent,
                "throttled": self.throttled,
                "requests": self.requests,
            }

    def throttles(self, target):
        if target.split(".")[-1] not in WRITES:
            return False
        with self.lock:
            if self.percent <= 0 or self.random.random() * 100 >= self.percent:
                return False
            self.throttled += 1
            return True


def _json(start_response, status, value):
    body = json.dumps(value).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


def _sent_mail():
    """Every mail SES accepted (raw MIME, or subject and body of a simple one)."""
    from moto.ses.models import ses_backends

    sent = []
    for account in list(ses_backends.keys()):
        for region in list(ses_backends[account].keys()):
            for message in list(ses_backends[account][region].sent_messages):
                raw = getattr(message, "raw_data", None)
                if raw is None:
                    raw = "Subject: %s\r\n\r\n%s" % (
                        getattr(message, "subject", ""),
                        getattr(message, "body", ""),
                    )
                sent.append(raw)
    return sent


class SerialisedDynamoDb:
    """WSGI middleware: one DynamoDB request at a time, everything else concurrent."""

    def __init__(self, app):
        self.app = app
        self.lock = threading.Lock()
        self.chaos = Chaos()

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path.startswith("/_marketdesk/"):
            return self.control(environ, start_response, path)
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        self.chaos.count(target or environ.get("REQUEST_METHOD", "") + " " + "/".join(path.split("/")[:2]))
        if target.startswith("DynamoDB_") and self.chaos.throttles(target):
            return _json(
                start_response,
                "400 Bad Request",
                {
                    "__type": "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
                    "message": "The level of configured provisioned throughput for the table was exceeded (chaos run)",
                },
            )
        dynamodb = target.startswith("DynamoDB_")
        # moto's own API (data.json, reset) walks every backend's dictionaries, which fails when
        # a DynamoDB write changes them meanwhile.
        moto_api = environ.get("PATH_INFO", "").startswith("/moto-api/")
        if not (dynamodb or moto_api):
            return self.app(environ, start_response)
        with self.lock:
            # The body is produced inside the lock: a lazy iterable would run the backend after
            # the lock is released.
            return [b"".join(self.app(environ, start_response))]

    def control(self, environ, start_response, path):
        if path == "/_marketdesk/chaos" and environ.get("REQUEST_METHOD") == "POST":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = json.loads(environ["wsgi.input"].read(length) or b"{}")
            return _json(start_response, "200 OK", self.chaos.configure(body))
        if path == "/_marketdesk/ses/sent":
            return _json(start_response, "200 OK", {"sent": _sent_mail()})
        return _json(start_response, "404 Not Found", {"message": "unknown control path"})


class _TablesAreNotCopied:
    """Stands in for the `copy` module inside moto's DynamoDB backend while a transaction runs:
    its whole-table backup becomes the table itself (restoring it is then a no-op), any other
    copy is a real one."""

    @staticmethod
    def deepcopy(value, *args, **kwargs):
        if isinstance(value, Table):
            return value
        return copy.deepcopy(value, *args, **kwargs)


class UndoLogTransactions:
    """`TransactWriteItems` rolled back from copies of the items it touches, not of the table.

    Correct only because the DynamoDB lock above lets one request at a time into the backend."""

    original = dynamodb_models.DynamoDBBackend.transact_write_items

    @classmethod
    def install(cls):
        dynamodb_models.DynamoDBBackend.transact_write_items = cls.transact_write_items

    @staticmethod
    def _touched(backend, transact_items):
        """(table, hash, range, copy of the item before) for every item a write may change."""
        touched = []
        for entry in transact_items:
            for kind, op in entry.items():
                if kind not in ("Put", "Update", "Delete"):
                    continue
                try:
                    table = backend.get_table(op["TableName"])
                    if kind == "Put":
                        attrs = op["Item"]
                        key = {table.hash_key_attr: attrs[table.hash_key_attr]}
                        if table.range_key_attr is not None:
                            key[table.range_key_attr] = attrs[table.range_key_attr]
                    else:
                        key = op["Key"]
                    hash_value, range_value = backend.get_keys_value(table, key)
                except Exception:
                    # A malformed request fails in moto's own code before it writes anything.
                    continue
                before = table.get_item(hash_value, range_value)
                touched.append((table, hash_value, range_value, copy.deepcopy(before)))
        return touched

    @staticmethod
    def _restore(touched):
        for table, hash_value, range_value, before in reversed(touched):
            if range_value is None:
                if before is None:
                    table.items.pop(hash_value, None)
                else:
                    table.items[hash_value] = before
                continue
            bucket = table.items[hash_value]
            if before is None:
                bucket.pop(range_value, None)
                if not bucket:
                    table.items.pop(hash_value, None)
            else:
                bucket[range_value] = before

    @staticmethod
    def transact_write_items(backend, transact_items):
        touched = UndoLogTransactions._touched(backend, transact_items)
        dynamodb_models.copy = _TablesAreNotCopied
        try:
            return UndoLogTransactions.original(backend, transact_items)
        except Exception:
            UndoLogTransactions._restore(touched)
            raise
        finally:
            dynamodb_models.copy = copy


def main():
    UndoLogTransactions.install()
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
