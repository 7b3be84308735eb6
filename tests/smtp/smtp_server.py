"""A real SMTP server for the tests (aiosmtpd, from Debian's python3-aiosmtpd).

Listens on 127.0.0.1 on a port the system picks, prints that port on stdout, and stores every
message it receives as a file in the maildir given as argument, until it is killed. It refuses
(550) any recipient whose address starts with "refuse", as a mail server refuses an address that
does not exist.
"""
import asyncio
import sys

from aiosmtpd.handlers import Mailbox
from aiosmtpd.smtp import SMTP


class Refusing(Mailbox):
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("refuse"):
            return "550 5.1.1 Adresse inconnue"
        envelope.rcpt_tos.append(address)
        return "250 OK"


async def main(maildir: str) -> None:
    handler = Refusing(maildir)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTP(handler), "127.0.0.1", 0)
    print(server.sockets[0].getsockname()[1], flush=True)
    await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
