"""The kube-apiserver's way into the local node network: an HTTP CONNECT proxy on a unix socket.

scripts/local-node.sh runs it inside the node network namespace; the apiserver (on the host's
loopback) reaches it through its egress selector ("cluster" traffic: kubelet logs/exec, the
pod/service proxy). A unix socket is not bound to a network namespace, so the host needs no route
into the node network, and the proxy refuses any target outside that network: nothing the apiserver
dials can leave the machine.

Usage: egress-proxy.py <socket path> <allowed CIDR>
"""

import asyncio
import ipaddress
import os
import sys


async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.IncompleteReadError):
        pass
    finally:
        writer.close()


async def handle(reader, writer, allowed) -> None:
    try:
        request = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
        writer.close()
        return
    try:
        method, target, _ = request.split(b"\r\n", 1)[0].decode("latin-1").split(" ", 2)
        host, _, port = target.rpartition(":")
        address = ipaddress.ip_address(host.strip("[]"))
        if method != "CONNECT" or address not in allowed:
            raise ValueError(f"{method} {target}")
        upstream_reader, upstream_writer = await asyncio.open_connection(str(address), int(port))
    except (ValueError, OSError) as error:
        writer.write(f"HTTP/1.1 403 Forbidden\r\n\r\n{error}\n".encode())
        await writer.drain()
        writer.close()
        return
    writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
    await writer.drain()
    await asyncio.gather(pipe(reader, upstream_writer), pipe(upstream_reader, writer))


async def main(socket_path: str, cidr: str) -> None:
    allowed = ipaddress.ip_network(cidr)
    if os.path.exists(socket_path):
        os.unlink(socket_path)
    server = await asyncio.start_unix_server(lambda r, w: handle(r, w, allowed), path=socket_path)
    os.chmod(socket_path, 0o600)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    asyncio.run(main(sys.argv[1], sys.argv[2]))
