"""A real addok (the engine of the national address API) for the address look-up tests.

Usage: addok_server.py WORKDIR ADDRESSES.ndjson

Starts a Redis server on a Unix socket in WORKDIR, imports the addresses, then serves addok's
HTTP API (/search/?q=…) on 127.0.0.1 on a port the system picks, prints that port on stdout and
serves until it is killed. Redis is killed with it. Run with the Python of the virtual
environment holding tests/geocoder/requirements.txt.
"""
import ctypes
import os
import signal
import subprocess
import sys
import time

PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def main(workdir: str, addresses: str) -> None:
    os.makedirs(workdir, exist_ok=True)
    sock = os.path.join(workdir, "redis.sock")
    subprocess.Popen(
        ["redis-server", "--port", "0", "--unixsocket", sock, "--save", "", "--appendonly", "no", "--dir", workdir],
        stdout=subprocess.DEVNULL,
        preexec_fn=die_with_parent,
    )
    for _ in range(200):
        if os.path.exists(sock):
            break
        time.sleep(0.05)
    else:
        sys.exit("redis-server did not start")
    config = os.path.join(workdir, "addok.conf")
    with open(config, "w") as f:
        f.write("FILTERS = ['type', 'postcode', 'citycode']\n")
    env = dict(os.environ, REDIS_SOCKET=sock, ADDOK_CONFIG_MODULE=config)
    addok = os.path.join(os.path.dirname(sys.executable), "addok")
    for command in (["batch", addresses], ["ngrams"]):
        subprocess.run([addok, *command], env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.environ.update(env)
    # addok prints its plugins while loading: keep stdout for the port alone.
    sys.stdout = sys.stderr
    from wsgiref.simple_server import WSGIRequestHandler, make_server

    from addok.http.wsgi import application

    class Quiet(WSGIRequestHandler):
        def log_message(self, *args) -> None:
            pass

    httpd = make_server("127.0.0.1", 0, application, handler_class=Quiet)
    sys.__stdout__.write(f"{httpd.server_port}\n")
    sys.__stdout__.flush()
    httpd.serve_forever()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
