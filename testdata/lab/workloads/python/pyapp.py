#!/usr/bin/python3
"""pyapp is a lab workload: one operation, failing as Python services do
(an uncaught exception and its traceback, or logging.exception)."""
import logging, os, socket, sys, time

logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
log = logging.getLogger("pyapp")

action, arg = sys.argv[1], sys.argv[2]
if action == "write":
    with open(arg, "w") as f:
        f.write("ok\n")
elif action == "mkdir":
    os.makedirs(arg, exist_ok=True)
elif action == "read":
    with open(arg) as f:
        f.read()
elif action == "sysctl":
    # write a kernel tunable, logging the failure before re-raising
    try:
        with open(arg, "w") as f:
            f.write(sys.argv[3] + "\n")
    except OSError:
        log.exception("could not tune %s", arg)
        sys.exit(1)
elif action == "connect":
    host, port = arg.rsplit(":", 1)
    s = socket.create_connection((host, int(port)), timeout=5)
    s.close()
elif action == "socket6":
    s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    s.close()
elif action == "jit":
    import mmap
    m = mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
    m.close()
elif action == "openmany":
    files = [open(arg) for _ in range(int(sys.argv[3]))]
elif action == "alloc":
    blob = bytearray(int(sys.argv[3]) * 1024 * 1024)
    for i in range(0, len(blob), 4096):
        blob[i] = 1
elif action == "resolve":
    socket.getaddrinfo(arg, 443)
elif action == "chown":
    # hand a file to the nobody user (a service running as root)
    os.chown(arg, 65534, 65534)
elif action == "ifaces":
    # list network interfaces (glibc asks the kernel over AF_NETLINK)
    names = [n for _, n in socket.if_nameindex()]
    log.info("interfaces: %s", names)
elif action == "udp":
    host, port = arg.rsplit(":", 1)
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.sendto(b"metric:1|c", (host, int(port)))
elif action == "config":
    # a configuration error of the program itself: nothing to do with the sandbox
    log.error("invalid configuration: key 'listen_address' is missing in %s", arg)
    sys.exit(78)
elif action == "mqueue":
    # create a POSIX message queue, failing as a C daemon does (perror)
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.mq_open(arg.encode(), os.O_CREAT | os.O_RDWR, 0o600, None) < 0:
        print("mq_open: " + os.strerror(ctypes.get_errno()), file=sys.stderr)
        sys.exit(1)
    libc.mq_unlink(arg.encode())
elif action == "stack":
    # a small API server as services are written: state first, then its
    # port, then an accounting call (acct, outside @system-service)
    import ctypes, http.server
    os.makedirs(arg, exist_ok=True)
    with open(os.path.join(arg, "state"), "w") as f:
        f.write("started\n")
    port = int(sys.argv[3])
    try:
        srv = http.server.HTTPServer(("0.0.0.0", port), http.server.SimpleHTTPRequestHandler)
    except OSError:
        log.exception("cannot listen on 0.0.0.0:%d", port)
        sys.exit(1)
    ctypes.CDLL(None, use_errno=True).acct(None)  # EPERM for a plain user: ignored
    log.info("serving on %d", port)
    srv.serve_forever()
elif action == "serve":
    host, port = arg.rsplit(":", 1)
    srv = socket.create_server((host, int(port)))
    while True:
        c, _ = srv.accept()
        c.close()
else:
    sys.exit("unknown action " + action)
log.info("%s %s: ok", action, arg)
time.sleep(2)
