"""moto's AWS API server on 127.0.0.1 and a free port, for the tests in this folder.

Prints one line, {"port": N}, once the server accepts requests, then serves until its standard input
closes: the test process holds the other end of that pipe, so the server ends with it even when the
test process is killed and never gets to stop it (no orphan server).
"""
import json
import os
import sys

from moto.server import ThreadedMotoServer


def main() -> None:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    _, port = server.get_host_and_port()
    print(json.dumps({"port": port}), flush=True)
    # Blocks until the parent closes the pipe or exits. Then the process ends at once: a graceful
    # shutdown would wait for the SDK clients' idle keep-alive connections.
    sys.stdin.read()
    os._exit(0)


if __name__ == "__main__":
    main()
