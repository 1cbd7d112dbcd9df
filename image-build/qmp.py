#!/usr/bin/env python3
"""Tiny QMP client for boot-test.sh (standard library only).

    qmp.py SOCKET COMMAND [JSON-ARGUMENTS] [COMMAND [JSON-ARGUMENTS] ...]
    qmp.py free-port        prints a free TCP port on 127.0.0.1

Connects to qemu's QMP unix socket, leaves capabilities negotiation mode, runs each
command in order and prints its "return" value; exits 1 on the first error.
"""
import json
import socket
import sys


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        print(s.getsockname()[1])


def main(argv):
    if argv[1:] == ["free-port"]:
        free_port()
        return 0
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(30)
    sock.connect(argv[1])
    stream = sock.makefile("rw", encoding="utf-8")

    def reply():
        while True:
            line = stream.readline()
            if not line:
                raise SystemExit("qmp: connection closed")
            message = json.loads(line)
            if "event" not in message:
                return message

    reply()  # the greeting
    commands = [("qmp_capabilities", {})]
    rest = argv[2:]
    while rest:
        name, rest = rest[0], rest[1:]
        arguments = {}
        if rest and rest[0].startswith("{"):
            arguments, rest = json.loads(rest[0]), rest[1:]
        commands.append((name, arguments))
    for name, arguments in commands:
        stream.write(json.dumps({"execute": name, "arguments": arguments}) + "\n")
        stream.flush()
        answer = reply()
        if "error" in answer:
            print(f"qmp: {name}: {answer['error'].get('desc')}", file=sys.stderr)
            return 1
        if name != "qmp_capabilities":
            print(json.dumps(answer.get("return")))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
